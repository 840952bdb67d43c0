"""Re-roll / Vary / Extend / Remix keep the parent's speed mode unless the person picks another
(`--speed`), end to end through the command line: real Redis, SQLite, the tiny Wan worker; each
child's mode is read back from the render report its worker stored (`reelbot status`); Render in
quality keeps the draft's seed and reference image."""

from __future__ import annotations

import asyncio
import getpass
import io
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from typer.testing import CliRunner

from reelbot.app.service import ReelbotService
from reelbot.cli import app
from reelbot.domain.settings import Settings
from reelbot.domain.types import Platform

from .processes import worker_env


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in worker_env(settings).items():
        if name.startswith("REELBOT_"):
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.setenv("REELBOT_LIMITS__MAX_PENDING_JOBS_PER_USER", "10")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.chdir(tmp_path)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def queued(*args: str) -> str:
    code, out, err = run(*args)
    assert code == 0, err
    return out.strip().splitlines()[-1]


def status(job_id: str) -> dict[str, object]:
    code, out, err = run("status", job_id)
    assert code == 0, err
    info: dict[str, object] = json.loads(out)
    return info


def render_queue() -> None:
    assert run("worker", "--burst", "--health-port", "0")[0] == 0


def test_children_keep_the_parents_mode_unless_another_is_picked(cli_env: None) -> None:
    parent_job = queued("enqueue", "a lantern festival", "--seconds", "1", "--seed", "7", "--speed", "draft")
    render_queue()
    parent = status(parent_job)
    assert parent["render"]["mode"] == "draft"  # type: ignore[index]
    clip = str(parent["clip"])
    jobs = {
        "reroll": queued("reroll", clip),
        "vary": queued("vary", clip),
        "extend": queued("extend", clip),
        "remix": queued("remix", clip, "a lantern festival in the rain"),
        "reroll in quality": queued("reroll", clip, "--speed", "quality"),
        "extend balanced": queued("extend", clip, "--speed", "balanced"),
    }
    render_queue()
    modes = {}
    for name, job_id in jobs.items():
        info = status(job_id)
        assert info["state"] == "done", (name, info)
        modes[name] = info["render"]["mode"], info["render"]["passes"]  # type: ignore[index]
    # draft: the tiny distilled LoRA's 4 steps, one pass each; quality: 4 steps × CFG
    assert modes == {
        "reroll": ("draft", 4),
        "vary": ("draft", 4),
        "extend": ("draft", 4),
        "remix": ("draft", 4),
        "reroll in quality": ("quality", 8),
        "extend balanced": ("balanced", 8),
    }


def jobs_of_this_user(settings: Settings) -> list[Any]:
    async def load() -> list[Any]:
        service = await ReelbotService.open(settings)
        try:
            depth = await service.queue.depth()
            assert all(lane["waiting"] + lane["pending"] == 0 for lane in depth.values()), depth
            return await service.jobs_for(Platform.CLI, getpass.getuser() or "cli", active_only=False)
        finally:
            await service.close()

    return asyncio.run(load())


def test_a_mode_the_preset_lacks_is_refused_and_nothing_is_queued(cli_env: None, settings: Settings) -> None:
    code, out, err = run("enqueue", "a kite", "--preset", "tiny-ltx", "--speed", "draft")
    assert code == 1 and out == ""
    assert "draft" in err and "quality" in err and "tiny-ltx" in err, err
    parent_job = queued("enqueue", "a kite", "--preset", "tiny-ltx", "--seconds", "1", "--seed", "2")
    render_queue()
    clip = str(status(parent_job)["clip"])
    code, out, err = run("reroll", clip, "--speed", "draft")  # the parent's preset has no draft
    assert code == 1 and out == "" and "tiny-ltx" in err, err
    assert [job.id for job in jobs_of_this_user(settings)] == [uuid.UUID(parent_job)]  # nothing else stored


async def test_render_in_quality_keeps_seed_and_references(service: ReelbotService, tiny_cache: Any) -> None:
    """A draft started from a photo, re-rendered in quality: same seed, same reference image (by
    content hash), its own quality render (the report the worker stored says so)."""
    from reelbot.cli.wiring import worker_for
    from reelbot.domain.types import GenerationRequest, Origin, ReferenceRole, RemixKind, SpeedMode

    buf = io.BytesIO()
    Image.new("RGB", (96, 160), (200, 120, 30)).save(buf, "PNG")
    origin = Origin(platform=Platform.DISCORD, user_id="ivy", channel_id="c1")
    draft = GenerationRequest(prompt="a heron lands", seed=4242, speed=SpeedMode.DRAFT, origin=origin)
    ticket = await service.submit(draft, [(ReferenceRole.FIRST_FRAME, buf.getvalue())], idempotency_key="q-1")
    await worker_for(service, name="q", burst=True, cache=tiny_cache).run()
    parent = await service.clip((await service.job(ticket.job_id)).clip_id)  # type: ignore[arg-type]
    assert parent.report is not None and parent.report.mode == "draft"

    again = await service.start_action("quality", parent.id, origin, idempotency_key="q-2")
    await worker_for(service, name="q", burst=True, cache=tiny_cache).run()
    child_job = await service.job(again.job_id)
    child = await service.clip(child_job.clip_id)  # type: ignore[arg-type]
    request = child.request
    assert (request.speed, request.remix_kind, request.parent_clip_id) == (
        SpeedMode.QUALITY,
        RemixKind.QUALITY,
        parent.id,
    )
    assert request.seed == 4242 and request.references == parent.request.references
    assert [ref.role for ref in request.references] == [ReferenceRole.FIRST_FRAME]
    assert child.report is not None and (child.report.mode, child.report.passes) == ("quality", 8)
