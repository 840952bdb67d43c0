"""Fleet simulation: queue wait, GPU utilisation and cost per clip of a KEDA-autoscaled fleet.

    .venv/bin/python bench/fleet_sim.py                                # base overlay, profile seconds
    .venv/bin/python bench/fleet_sim.py --overlay fleet --creators 2000 5000 10000
    .venv/bin/python bench/fleet_sim.py --database-url sqlite:///data/reelbot.db  # + measured seconds

Why it reads its inputs instead of restating them: the old version assumed 90 GPU-seconds per
clip and an autoscaling rule (one pod per 2 *waiting* jobs, never fewer than the jobs in
flight) that the deployed ScaledObject no longer has. Now:

* **GPU-seconds** per preset and speed mode come from the preset's own cost profile through
  the estimate the service shows before queueing (``plan_render`` + ``estimate_gpu_seconds``,
  the arithmetic of ``estimate_request`` without routing to a stand-in preset), and, with
  ``--database-url``, from the measured ``Job.gpu_seconds`` of recent finished jobs (median
  per preset + mode). Each clip draws a class from ``--mix`` and a log-normal time around it.
* **The scaling rule** is read from the worker ScaledObject under deploy/k8s (``--overlay``:
  base or an overlay; overlays' JSON-patch and merge patches are applied like kustomize).
* **Arrivals**: a non-homogeneous Poisson day (quiet night, working-day plateau, evening peak,
  random 15-minute bursts) per ``--creators`` rate, the same arrivals for every service model.

Every run prints the old assumption (90 s per clip, the old rule) beside the new inputs.
Prints tables; nothing passes or fails. docs/capacity.md explains how to read them.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from rich.console import Console
from rich.table import Table

console = Console(width=160)
DAY_S = 24 * 3600
ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
OLD_SERVICE_S = 90.0  # the old fixed assumption, kept as the baseline row
#: docs/capacity.md's stated figure (pod scheduled + weights loaded from the /models volume);
#: an estimate, not a measurement: no GPU pod start has been timed yet.
DEFAULT_COLD_START_S = 60.0
Class = tuple[str, str]  # (preset, speed mode)


# --- the scaling rule, read from the deployed ScaledObject ----------------------------------


@dataclass(frozen=True)
class ScalingRule:
    """What KEDA + the HPA do with the worker Deployment (KEDA/HPA defaults where unset)."""

    source: str
    metric: str  # streamLength (XLEN: waiting + rendering) | lagCount | listLength (waiting)
    target: float  # metric value per replica
    min_replicas: int = 0
    max_replicas: int = 100
    polling_s: float = 30.0
    cooldown_s: float = 300.0
    activation: float = 0.0  # active (0 → 1) while metric > this
    scale_down_window_s: float = 300.0
    scale_down_pods: int = 1_000_000  # HPA default: 100 % per 15 s
    scale_down_period_s: float = 15.0
    scale_up_pods: int = 4  # HPA default: max(4 pods, 100 %) per 15 s
    scale_up_period_s: float = 15.0
    floor_in_flight: bool = False  # the old sim's extra rule: never fewer pods than jobs running

    @property
    def counts_running(self) -> bool:
        return self.metric == "streamLength"


def _merge(base: Any, patch: Any) -> Any:
    """A strategic-merge patch, simplified: dicts merge recursively, anything else replaces."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = _merge(base.get(key), value)
        return out
    return patch


def _json_patch(doc: dict[str, Any], ops: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """RFC 6902 add / replace / remove (what the overlays use)."""
    doc = json.loads(json.dumps(doc))
    for op in ops:
        *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        node: Any = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        key: Any = int(last) if isinstance(node, list) and last != "-" else last
        if op["op"] == "remove":
            del node[key]
        elif isinstance(node, list) and op["op"] == "add":
            node.insert(len(node) if key == "-" else key, op["value"])
        else:
            node[key] = op["value"]
    return doc


def _apply_patches(directory: Path, kust: Mapping[str, Any], obj: dict[str, Any]) -> dict[str, Any]:
    name = obj["metadata"]["name"]
    for patch in kust.get("patches", []):
        target = patch.get("target", {})
        if target.get("kind") != "ScaledObject" or not re.fullmatch(target.get("name", ".*"), name):
            continue
        body = yaml.safe_load(patch["patch"] if "patch" in patch else (directory / patch["path"]).read_text())
        obj = _json_patch(obj, body) if isinstance(body, list) else _merge(obj, body)
    return obj


def load_scaled_object(directory: Path) -> dict[str, Any] | None:
    """The worker ScaledObject a kustomization builds (resources, then components' and own patches)."""
    kust = yaml.safe_load((directory / "kustomization.yaml").read_text()) or {}
    found: dict[str, Any] | None = None
    for resource in kust.get("resources", []):
        path = directory / resource
        if path.is_dir():
            found = load_scaled_object(path) or found
            continue
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
        found = next((d for d in docs if d.get("kind") == "ScaledObject"), found)
    for component in kust.get("components", []):
        ckust = yaml.safe_load((directory / component / "kustomization.yaml").read_text()) or {}
        found = _apply_patches(directory / component, ckust, found) if found else found
    return _apply_patches(directory, kust, found) if found else found


def overlay_dir(overlay: str, k8s: Path = K8S) -> Path:
    return k8s / "base" if overlay == "base" else k8s / "overlays" / overlay


def _pods_policy(rules: Mapping[str, Any], pods: int, period: float) -> tuple[int, float]:
    for policy in rules.get("policies", []):
        if policy.get("type") == "Pods":
            return int(policy["value"]), float(policy["periodSeconds"])
    return pods, period


def rule_from_manifest(obj: Mapping[str, Any], *, lane: str = "fast", source: str = "") -> ScalingRule:
    """The rule of the trigger for ``lane`` (named ``<lane>-…`` or on stream ``…:<lane>``)."""
    spec = obj["spec"]
    triggers = spec["triggers"]
    trigger = next(
        (
            t
            for t in triggers
            if str(t.get("name", "")).startswith(lane)
            or str(t["metadata"].get("stream", "")).endswith(f":{lane}")
        ),
        triggers[0],
    )
    meta = trigger["metadata"]
    metric = next((k for k in ("streamLength", "lagCount", "listLength") if k in meta), None)
    if metric is None:
        raise ValueError(f"trigger {trigger.get('name')}: no streamLength / lagCount / listLength")
    behavior = spec.get("advanced", {}).get("horizontalPodAutoscalerConfig", {}).get("behavior", {})
    down, up = behavior.get("scaleDown", {}), behavior.get("scaleUp", {})
    down_pods, down_period = _pods_policy(down, ScalingRule.scale_down_pods, ScalingRule.scale_down_period_s)
    up_pods, up_period = _pods_policy(up, ScalingRule.scale_up_pods, ScalingRule.scale_up_period_s)
    return ScalingRule(
        source=f"{source} trigger {trigger.get('name', trigger['type'])}",
        metric=metric,
        target=float(meta[metric]),
        activation=float(meta.get("activation" + metric[0].upper() + metric[1:], 0)),
        min_replicas=int(spec.get("minReplicaCount", 0)),
        max_replicas=int(spec.get("maxReplicaCount", 100)),
        polling_s=float(spec.get("pollingInterval", 30)),
        cooldown_s=float(spec.get("cooldownPeriod", 300)),
        scale_down_window_s=float(down.get("stabilizationWindowSeconds", 300)),
        scale_down_pods=down_pods,
        scale_down_period_s=down_period,
        scale_up_pods=up_pods,
        scale_up_period_s=up_period,
    )


def deployed_rule(overlay: str = "base", k8s: Path = K8S, lane: str = "fast") -> ScalingRule:
    directory = overlay_dir(overlay, k8s)
    obj = load_scaled_object(directory)
    if obj is None:
        raise ValueError(f"no ScaledObject under {directory}")
    return rule_from_manifest(obj, lane=lane, source=f"{directory.relative_to(k8s.parent.parent)}")


def old_rule(max_replicas: int) -> ScalingRule:
    """The rule the previous fleet_sim restated: lagCount 2 plus one pod per job in flight."""
    return ScalingRule(
        source="old fleet_sim (restated)",
        metric="lagCount",
        target=2,
        max_replicas=max_replicas,
        polling_s=10,
        cooldown_s=600,
        scale_down_period_s=120,
        scale_down_pods=1,
        scale_up_pods=1_000_000,
        floor_in_flight=True,
    )


# --- GPU-seconds per preset + mode ----------------------------------------------------------


def profile_seconds(preset_name: str, mode: str) -> float:
    """The service's pre-queue estimate for a default clip of this preset in this mode."""
    from reelbot.app.safety.costs import estimate_gpu_seconds
    from reelbot.domain.presets import get_preset, plan_render
    from reelbot.domain.settings import Limits
    from reelbot.domain.types import GenerationRequest, Origin, Platform, SpeedMode

    preset = get_preset(preset_name)
    if SpeedMode(mode) not in preset.modes:
        raise ValueError(f"{preset_name} has no {mode} mode (it has {', '.join(preset.modes)})")
    origin = Origin(platform=Platform.CLI, user_id="fleet-sim")
    request = GenerationRequest(prompt="fleet", origin=origin, preset=preset_name, speed=SpeedMode(mode))
    plan = plan_render(request, preset, Limits(), seed=0)
    passes = preset.modes[plan.speed].passes(plan.steps, plan.guidance)
    size = {"width": plan.width, "height": plan.height, "num_frames": plan.num_frames}
    return estimate_gpu_seconds(preset, **size, steps=plan.steps, passes=passes)


def measured_seconds(
    url: str, *, recent: int = 500, default_speed: str = "quality"
) -> dict[Class, list[float]]:
    """Measured ``Job.gpu_seconds`` of the ``recent`` newest finished jobs, by (preset, mode).

    The mode is the stored request's ``speed`` (None: ``default_speed``, or quality where the
    preset lacks it), as the worker resolved it.
    """
    from sqlalchemy import create_engine, select

    from reelbot.domain.presets import PRESETS
    from reelbot.domain.types import JobState
    from reelbot.storage.models import Job

    engine = create_engine(url)
    query = (
        select(Job.preset, Job.request_json, Job.gpu_seconds)  # type: ignore[call-overload]
        .where(Job.state == JobState.DONE, Job.gpu_seconds.is_not(None))  # type: ignore[union-attr]
        .order_by(Job.finished_at.desc())  # type: ignore[union-attr]
        .limit(recent)
    )
    found: dict[Class, list[float]] = {}
    try:
        with engine.connect() as conn:
            for preset, request_json, seconds in conn.execute(query):
                mode = json.loads(request_json).get("speed") or default_speed
                spec = PRESETS.get(preset)
                if spec is not None and mode not in spec.modes:
                    mode = "quality"
                found.setdefault((preset, mode), []).append(float(seconds))
    finally:
        engine.dispose()
    return found


@dataclass(frozen=True)
class ServiceModel:
    """Median GPU-seconds per class, the class mix, and where each number came from."""

    name: str
    medians: dict[Class, float]
    sources: dict[Class, str]
    mix: dict[Class, float]

    def mean_s(self) -> float:
        total = sum(self.mix.values())
        return sum(self.medians[c] * w for c, w in self.mix.items()) / total


def parse_mix(items: Sequence[str]) -> dict[Class, float]:
    """``preset:mode=weight`` items (weight default 1)."""
    mix: dict[Class, float] = {}
    for item in items:
        name, _, weight = item.partition("=")
        preset, _, mode = name.partition(":")
        mix[(preset, mode or "quality")] = float(weight or 1)
    return mix


def models_for(mix: dict[Class, float], measured: dict[Class, list[float]] | None) -> list[ServiceModel]:
    fixed = ServiceModel(
        "fixed 90 s", {c: OLD_SERVICE_S for c in mix}, {c: "old assumption" for c in mix}, mix
    )
    profile = ServiceModel(
        "cost profile", {c: profile_seconds(*c) for c in mix}, {c: "profile estimate" for c in mix}, mix
    )
    models = [fixed, profile]
    if measured is not None:
        medians, sources = dict(profile.medians), dict(profile.sources)
        for c in mix:
            if measured.get(c):
                medians[c] = statistics.median(measured[c])
                sources[c] = f"measured median of {len(measured[c])}"
        models.append(ServiceModel("measured", medians, sources, mix))
    return models


# --- workload and the autoscaled queue ------------------------------------------------------


@dataclass(frozen=True)
class Traffic:
    creators: int
    clips_per_creator: float = 1.0
    days: int = 1
    evening_peak: float = 3.0
    bursts: int = 3
    burst_factor: float = 4.0
    seed: int = 7


def daily_shape(hours: np.ndarray, evening_peak: float) -> np.ndarray:
    """Relative arrival rate by hour of day (local time), mean 1 over the day."""
    night = 0.15 + 0.0 * hours
    day = np.where((hours >= 8) & (hours < 19), 1.0, night)
    evening = np.where((hours >= 19) & (hours < 23), evening_peak, day)
    shape = np.where((hours >= 23) | (hours < 1), 0.6 * evening_peak, evening)
    return shape / shape.mean()


def arrivals(t: Traffic) -> np.ndarray:
    """Arrival times in seconds, sorted (per-minute piecewise-constant Poisson rate)."""
    rng = np.random.default_rng(t.seed)
    minutes = t.days * 24 * 60
    hours = (np.arange(minutes) / 60.0) % 24
    rate = daily_shape(np.floor(hours), t.evening_peak) * t.creators * t.clips_per_creator / (24 * 60)
    for day in range(t.days):
        for start in rng.integers(day * 1440, (day + 1) * 1440 - 15, size=t.bursts):
            rate[start : start + 15] *= t.burst_factor
    counts = rng.poisson(rate)
    times = np.repeat(np.arange(minutes) * 60.0, counts) + rng.uniform(0, 60, size=int(counts.sum()))
    return np.sort(times)


def service_times(model: ServiceModel, n: int, *, cv: float, seed: int) -> np.ndarray:
    """Per clip: a class drawn from the mix, then log-normal around its median (same seed → same draw)."""
    rng = np.random.default_rng(seed + 1)
    classes = list(model.mix)
    weights = np.array([model.mix[c] for c in classes])
    picks = rng.choice(len(classes), size=n, p=weights / weights.sum())
    medians = np.array([model.medians[c] for c in classes])[picks]
    sigma = math.sqrt(math.log(1 + cv**2))
    return medians * rng.lognormal(mean=0.0, sigma=sigma, size=n)


@dataclass(frozen=True)
class Outcome:
    clips: int
    wait_p50: float
    wait_p95: float
    utilisation: float  # busy GPU-seconds / paid replica-seconds
    peak_replicas: int
    gpu_hours: float  # paid GPU-hours to serve the simulated days' clips (a backlog's drain included)
    cost_per_clip: float


@dataclass
class _Fleet:
    """Pods by state; ``draining`` are busy pods told to stop (they finish their clip, then exit)."""

    idle: int = 0
    busy: list[float] = field(default_factory=list)  # heap of finish times
    starting: list[float] = field(default_factory=list)  # heap of ready times
    draining: int = 0

    def spec_replicas(self) -> int:
        """What the Deployment's ``replicas`` says (terminating pods no longer count)."""
        return self.idle + len(self.busy) + len(self.starting) - self.draining

    def running(self) -> int:
        """Pods that exist and are paid for (terminating ones included)."""
        return self.idle + len(self.busy) + len(self.starting)

    def advance(self, t: float) -> None:
        while self.busy and self.busy[0] <= t:
            heapq.heappop(self.busy)
            if self.draining:
                self.draining -= 1
            else:
                self.idle += 1
        while self.starting and self.starting[0] <= t:
            heapq.heappop(self.starting)
            self.idle += 1


@dataclass
class _Autoscaler:
    """KEDA (metric, activation, cooldown) + the HPA (stabilization window, rate policies)."""

    rule: ScalingRule
    cold_start_s: float
    history: list[tuple[float, int]] = field(default_factory=list)
    ups: list[float] = field(default_factory=list)
    last_active: float = -math.inf
    last_down: float = -math.inf

    def desired(self, fleet: _Fleet, waiting: int, t: float) -> int:
        """KEDA's metric → HPA's desired replicas (before stabilization and rate policies)."""
        rule = self.rule
        metric = waiting + (len(fleet.busy) if rule.counts_running else 0)
        # the old sim also counted jobs in flight as activity (its "pending")
        activity = waiting + len(fleet.busy) if rule.floor_in_flight else metric
        if activity > rule.activation:
            self.last_active = t
        desired = math.ceil(metric / rule.target)
        if rule.floor_in_flight:
            desired = max(desired, len(fleet.busy))
        if activity <= rule.activation and t - self.last_active >= rule.cooldown_s:
            desired = rule.min_replicas  # KEDA deactivates: to minReplicaCount
        else:
            desired = max(desired, 1, rule.min_replicas)  # the HPA never goes below one
        return min(desired, rule.max_replicas)

    def poll(self, fleet: _Fleet, waiting: int, t: float) -> None:
        rule = self.rule
        desired = self.desired(fleet, waiting, t)
        self.history = [(s, d) for s, d in self.history if s >= t - rule.scale_down_window_s]
        self.history.append((t, desired))
        current = fleet.spec_replicas()
        if desired > current:
            self.ups = [s for s in self.ups if s > t - rule.scale_up_period_s]
            for _ in range(min(desired - current, max(0, rule.scale_up_pods - len(self.ups)))):
                heapq.heappush(fleet.starting, t + self.cold_start_s)
                self.ups.append(t)
            return
        stable = max(d for _, d in self.history)
        if stable < current and (t - self.last_down >= rule.scale_down_period_s or stable == 0):
            remove = min(current - stable, rule.scale_down_pods) if stable else current - stable
            from_idle = min(remove, fleet.idle)
            fleet.idle -= from_idle
            fleet.draining += remove - from_idle  # K8s stops busy pods too; they finish first
            self.last_down = t


def simulate(
    arrive: np.ndarray, service: np.ndarray, rule: ScalingRule, cold_start_s: float, days: int, price: float
) -> Outcome:
    """Time-stepped (1 s) FIFO queue whose replicas follow ``rule``; exact enough at 1 s."""
    fleet = _Fleet(idle=rule.min_replicas)
    scaler = _Autoscaler(rule, cold_start_s)
    waits = np.full(len(arrive), np.inf)
    queue_head, nxt, t, paid, peak = 0, 0, 0.0, 0.0, 0
    end = days * DAY_S
    while (t < end or queue_head < nxt or fleet.busy) and t < end + 2 * DAY_S:
        while nxt < len(arrive) and arrive[nxt] <= t:
            nxt += 1
        fleet.advance(t)
        while fleet.idle and queue_head < nxt:
            waits[queue_head] = t - arrive[queue_head]
            heapq.heappush(fleet.busy, t + service[queue_head])
            queue_head += 1
            fleet.idle -= 1
        if t % rule.polling_s < 1.0:
            scaler.poll(fleet, nxt - queue_head, t)
        peak = max(peak, fleet.running())
        paid += fleet.running()
        t += 1.0
    served = np.isfinite(waits)
    busy_s = float(service[served].sum())
    clips_per_day = len(arrive) / days
    return Outcome(
        clips=len(arrive),
        wait_p50=float(np.percentile(waits, 50)),
        wait_p95=float(np.percentile(waits, 95)),
        utilisation=busy_s / paid if paid else 0.0,
        peak_replicas=peak,
        gpu_hours=paid / 3600 / days,
        cost_per_clip=paid / 3600 / days * price / clips_per_day,
    )


# --- report ---------------------------------------------------------------------------------


def fmt_s(seconds: float) -> str:
    if not math.isfinite(seconds) or seconds >= DAY_S:
        return "∞ (backlog)"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.0f} s"


def show_classes(models: Sequence[ServiceModel]) -> None:
    """The per-class seconds of every service model, and where the last model's came from."""
    classes = Table(title="GPU-seconds per clip (median) by preset + mode")
    for column in ("preset", "mode", "mix", *(m.name for m in models), "source"):
        classes.add_column(column, justify="right")
    for c, weight in models[0].mix.items():
        classes.add_row(
            c[0], c[1], f"{weight:g}", *(f"{m.medians[c]:.1f}" for m in models), models[-1].sources[c]
        )
    console.print(classes)


def run(args: argparse.Namespace) -> dict[str, Any]:
    rule = deployed_rule(args.overlay, k8s=args.k8s_dir, lane=args.lane)
    if args.max_replicas:
        rule = replace(rule, max_replicas=args.max_replicas, source=rule.source + " (max overridden)")
    measured = measured_seconds(args.database_url, recent=args.recent) if args.database_url else None
    models = models_for(parse_mix(args.mix), measured)
    console.print(f"rule: {rule}", highlight=False)
    console.print(
        f"cold start {args.cold_start_s:.0f} s ({args.cold_start_source}); ${args.price}/GPU-hour; "
        f"service cv {args.service_cv}; seed {args.seed}",
        highlight=False,
    )
    show_classes(models)
    table = Table(title=f"Autoscaled fleet over a day ({args.overlay} overlay, max {rule.max_replicas})")
    for column in (
        "creators",
        "clips",
        "service",
        "rule",
        "GPU-s/clip",
        "wait p50",
        "wait p95",
        "GPU util",
        "peak pods",
        "GPU-h",
        "$/clip",
    ):
        table.add_column(column, justify="right")
    rows = []
    for creators in args.creators:
        traffic = Traffic(
            creators, args.clips_per_creator, 1, args.evening_peak, args.bursts, args.burst_factor, args.seed
        )
        arrive = arrivals(traffic)
        combos = [(models[0], old_rule(rule.max_replicas), "old"), (models[0], rule, "deployed")]
        combos += [(m, rule, "deployed") for m in models[1:]]
        for model, used, label in combos:
            service = service_times(model, len(arrive), cv=args.service_cv, seed=args.seed)
            out = simulate(arrive, service, used, args.cold_start_s, 1, args.price)
            rows.append({"creators": creators, "service": model.name, "rule": label, **asdict(out)})
            table.add_row(
                str(creators),
                str(out.clips),
                model.name,
                label,
                f"{model.mean_s():.1f}",
                fmt_s(out.wait_p50),
                fmt_s(out.wait_p95),
                f"{out.utilisation:.0%}",
                str(out.peak_replicas),
                f"{out.gpu_hours:.1f}",
                f"{out.cost_per_clip:.4f}",
            )
        table.add_section()
    console.print(table)
    return {"rule": asdict(rule), "rows": rows}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--overlay", default="base", help="base, or a folder under deploy/k8s/overlays")
    p.add_argument("--k8s-dir", type=Path, default=K8S, help="a deploy/k8s tree (an edited copy)")
    p.add_argument("--lane", default="fast", help="which trigger of the ScaledObject drives the sim")
    p.add_argument("--max-replicas", type=int, help="override the manifest's maxReplicaCount")
    p.add_argument("--creators", type=int, nargs="+", default=[500, 2000, 5000], help="arrival rates")
    p.add_argument("--clips-per-creator", type=float, default=1.0, help="mean clips per creator per day")
    p.add_argument("--evening-peak", type=float, default=3.0, help="evening rate / working-day rate")
    p.add_argument("--bursts", type=int, default=3, help="15-minute bursts per day")
    p.add_argument("--burst-factor", type=float, default=4.0)
    p.add_argument(
        "--mix",
        nargs="+",
        default=["wan-2.1-t2v-1.3b:quality=0.8", "wan-2.1-t2v-1.3b:draft=0.2"],
        help="preset:mode=weight of the clips asked for",
    )
    p.add_argument("--database-url", help="also use measured Job.gpu_seconds (median per preset + mode)")
    p.add_argument("--recent", type=int, default=500, help="newest finished jobs to read")
    p.add_argument("--service-cv", type=float, default=0.15)
    p.add_argument("--cold-start-s", type=float, default=DEFAULT_COLD_START_S, help="new pod to first claim")
    p.add_argument("--cold-start-source", default="docs/capacity.md's stated estimate, not measured")
    p.add_argument("--price", type=float, default=2.5, help="US dollars per GPU-hour")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--json", type=Path, help="also write the results here")
    return p


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parser().parse_args(argv)
    result = run(args)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2, default=str))
    return result


if __name__ == "__main__":
    main()
