"""bench/fleet_sim.py reads what is deployed and measured, not restated numbers.

* the scaling rule is the worker ScaledObject's (checked against kustomize's own rendering of
  every overlay, and a changed value in a copied tree is what the sim then reads);
* per-preset seconds are the service's cost-profile estimate (draft < quality);
* the measured path reads real finished jobs from a SQLite database built by the project's
  migrations and repositories;
* the simulation is a pure function of its inputs and seed.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import yaml

from reelbot.app.safety.costs import estimate_request
from reelbot.domain.settings import load_settings
from reelbot.domain.types import GenerationRequest, Origin, Platform, SpeedMode
from reelbot.storage import jobs
from reelbot.storage.db import make_engine, migrate, session_scope
from tests.ops.k8s_render import K8S, OVERLAYS, render

ROOT = Path(__file__).resolve().parents[2]
T2V = "wan-2.1-t2v-1.3b"


def _load_sim() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fleet_sim", ROOT / "bench" / "fleet_sim.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fleet_sim"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


sim = _load_sim()


def _fast_trigger(obj: dict[str, Any]) -> dict[str, Any]:
    return next(t for t in obj["spec"]["triggers"] if t["name"] == "fast-backlog")


@pytest.mark.parametrize("tree", ["base", *OVERLAYS])
def test_rule_is_what_kustomize_renders_for_each_overlay(tree: str) -> None:
    rendered = render(sim.overlay_dir(tree))
    manifest = next(d for d in rendered if d["kind"] == "ScaledObject" and d["metadata"]["name"] == "worker")
    spec = manifest["spec"]
    rule = sim.deployed_rule(tree)
    assert rule.max_replicas == spec["maxReplicaCount"]
    assert rule.min_replicas == spec["minReplicaCount"]
    assert rule.polling_s == spec["pollingInterval"]
    assert rule.cooldown_s == spec["cooldownPeriod"]
    assert rule.metric == "streamLength"
    assert rule.target == float(_fast_trigger(manifest)["metadata"]["streamLength"])
    down = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleDown"]
    assert rule.scale_down_window_s == down["stabilizationWindowSeconds"]
    assert (rule.scale_down_pods, rule.scale_down_period_s) == (
        down["policies"][0]["value"],
        down["policies"][0]["periodSeconds"],
    )


def test_a_changed_manifest_changes_the_rule(tmp_path: Path) -> None:
    tree = tmp_path / "deploy" / "k8s"
    shutil.copytree(K8S, tree)
    path = tree / "base" / "keda-scaledobject.yaml"
    doc = yaml.safe_load(path.read_text())
    before = sim.deployed_rule("base", k8s=tree)
    doc["spec"]["maxReplicaCount"] = 9
    doc["spec"]["cooldownPeriod"] = 120
    _fast_trigger(doc)["metadata"]["streamLength"] = "3"
    path.write_text(yaml.safe_dump(doc))

    base = sim.deployed_rule("base", k8s=tree)
    assert (before.max_replicas, before.target) != (9, 3.0)
    assert (base.max_replicas, base.cooldown_s, base.target) == (9, 120.0, 3.0)
    fleet = sim.deployed_rule("fleet", k8s=tree)  # the overlay's own patch still wins for max
    assert (fleet.max_replicas, fleet.target) == (16, 3.0)
    sentinel = sim.deployed_rule("fleet-s3", k8s=tree)  # replaces the triggers: its own "2"
    assert (sentinel.max_replicas, sentinel.target, sentinel.cooldown_s) == (16, 2.0, 120.0)


def test_profile_seconds_are_the_services_estimate_and_draft_is_cheaper() -> None:
    settings = load_settings()
    origin = Origin(platform=Platform.CLI, user_id="t")
    for mode in (SpeedMode.QUALITY, SpeedMode.DRAFT):
        request = GenerationRequest(prompt="p", origin=origin, preset=T2V, speed=mode)
        assert sim.profile_seconds(T2V, mode.value) == pytest.approx(estimate_request(request, settings))
    assert sim.profile_seconds(T2V, "draft") < sim.profile_seconds(T2V, "quality") / 2
    profile = sim.models_for(sim.parse_mix([f"{T2V}:quality=3", f"{T2V}:draft=1"]), None)[1]
    assert profile.medians[(T2V, "draft")] == sim.profile_seconds(T2V, "draft")
    assert profile.mix == {(T2V, "quality"): 3.0, (T2V, "draft"): 1.0}
    with pytest.raises(ValueError, match="no draft mode"):
        sim.profile_seconds("ltx-video", "draft")


def _finished_job(session: Any, *, speed: SpeedMode | None, gpu_seconds: float, done: bool = True) -> None:
    origin = Origin(platform=Platform.DISCORD, user_id=uuid.uuid4().hex, guild_id="g", channel_id="c")
    request = GenerationRequest(prompt="a cat", origin=origin, preset=T2V, seed=1, speed=speed)
    job = jobs.create_job(session=session, request=request, idempotency_key=uuid.uuid4().hex)
    jobs.mark_running(session=session, job_id=job.id, worker="w")
    if done:
        jobs.mark_done(
            session=session,
            job_id=job.id,
            video_key=f"clips/{job.id}.mp4",
            thumbnail_key=None,
            size_bytes=1,
            width=832,
            height=480,
            fps=16,
            num_frames=49,
            duration_s=3.0,
            gpu_seconds=gpu_seconds,
        )
    else:
        jobs.mark_failed(session=session, job_id=job.id, error_key="worker.failed", gpu_seconds=gpu_seconds)


def test_measured_seconds_come_from_finished_jobs_in_a_migrated_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'reelbot.db'}"
    engine = make_engine(url)
    migrate(engine)
    with session_scope(engine) as session:
        for seconds in (40.0, 44.0, 100.0):
            _finished_job(session, speed=SpeedMode.QUALITY, gpu_seconds=seconds)
        _finished_job(session, speed=None, gpu_seconds=42.0)  # the server default: quality
        _finished_job(session, speed=SpeedMode.DRAFT, gpu_seconds=12.0)
        _finished_job(session, speed=SpeedMode.DRAFT, gpu_seconds=500.0, done=False)  # failed: left out
    engine.dispose()

    measured = sim.measured_seconds(url)
    assert sorted(measured[(T2V, "quality")]) == [40.0, 42.0, 44.0, 100.0]
    assert measured[(T2V, "draft")] == [12.0]
    mix = sim.parse_mix([f"{T2V}:quality", f"{T2V}:draft", "ltx-video:quality"])
    model = sim.models_for(mix, measured)[2]
    assert model.medians[(T2V, "quality")] == 43.0
    assert model.sources[(T2V, "draft")] == "measured median of 1"
    assert model.medians[("ltx-video", "quality")] == sim.profile_seconds("ltx-video", "quality")
    assert model.sources[("ltx-video", "quality")] == "profile estimate"

    result = sim.main(["--creators", "200", "--database-url", url, "--mix", f"{T2V}:quality"])
    rows = {(row["service"], row["rule"]): row for row in result["rows"]}
    assert set(rows) == {
        ("fixed 90 s", "old"),
        ("fixed 90 s", "deployed"),
        ("cost profile", "deployed"),
        ("measured", "deployed"),
    }
    # measured 43 s per clip vs the profile's ~30 s: the same arrivals keep GPUs busier
    assert rows["measured", "deployed"]["utilisation"] > rows["cost profile", "deployed"]["utilisation"]


def test_simulation_is_deterministic_and_follows_the_rule() -> None:
    traffic = sim.Traffic(creators=400, seed=3)
    arrive = sim.arrivals(traffic)
    assert np.array_equal(arrive, sim.arrivals(traffic))
    assert not np.array_equal(arrive, sim.arrivals(sim.Traffic(creators=400, seed=4)))
    mix = sim.parse_mix([f"{T2V}:quality=4", f"{T2V}:draft=1"])
    fixed, profile = sim.models_for(mix, None)
    rule = sim.deployed_rule("base")
    service = sim.service_times(profile, len(arrive), cv=0.15, seed=3)
    first = sim.simulate(arrive, service, rule, 60.0, 1, 2.5)
    assert first == sim.simulate(arrive, service, rule, 60.0, 1, 2.5)
    assert first.clips == len(arrive) and np.isfinite(first.wait_p95)
    assert first.peak_replicas <= rule.max_replicas + rule.scale_down_pods  # + pods draining
    one = sim.replace(rule, max_replicas=1)
    capped = sim.simulate(arrive, service, one, 60.0, 1, 2.5)
    assert capped.peak_replicas <= 2 and capped.wait_p95 > first.wait_p95
    slow = sim.simulate(arrive, sim.service_times(fixed, len(arrive), cv=0.15, seed=3), rule, 60.0, 1, 2.5)
    assert slow.gpu_hours > first.gpu_hours and slow.utilisation > first.utilisation


def test_main_prints_the_old_assumption_beside_the_new_inputs(tmp_path: Path) -> None:
    out = tmp_path / "fleet.json"
    result = sim.main(["--creators", "300", "--seed", "5", "--json", str(out)])
    combos = {(row["service"], row["rule"]) for row in result["rows"]}
    assert combos == {("fixed 90 s", "old"), ("fixed 90 s", "deployed"), ("cost profile", "deployed")}
    assert result["rule"]["max_replicas"] == sim.deployed_rule("base").max_replicas
    assert out.exists()
