"""One render report per clip, where the issue says it is seen: stored with the job, in the
clip's and the job's views (what Info renders), in `reelbot status` and in the worker's JSON
log line — the same counted figures everywhere (real Redis, SQLite, tiny Wan worker, ffmpeg)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reelbot.app.service import ReelbotService
from reelbot.cli import app
from reelbot.cli.wiring import worker_for
from reelbot.domain.reports import RenderReport
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, Origin, Platform, SpeedMode
from reelbot.generator.cache import EngineCache
from reelbot.ops.logs import setup_logging
from reelbot.storage import jobs as job_repo

from .processes import worker_env

ORIGIN = Origin(platform=Platform.CLI, user_id="reporter")


async def test_a_draft_clips_report_is_the_same_in_views_status_and_the_worker_log(
    settings: Settings, tiny_cache: EngineCache, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = setup_logging(settings.model_copy(update={"log_json": True}), stream=stream)
    service = await ReelbotService.open(settings)
    try:
        request = GenerationRequest(prompt="a heron", seed=5, speed=SpeedMode.DRAFT, origin=ORIGIN)
        ticket = await service.submit(request, idempotency_key="report-1")
        await worker_for(service, name="reporter", burst=True, cache=tiny_cache).run()
        row = await service.run_db(job_repo.get_job, job_id=ticket.job_id)
        job = await service.job(ticket.job_id)
        assert job.clip_id is not None
        clip = await service.clip(job.clip_id)
        (usage, *_) = await service.usage(ORIGIN)  # /usage: the person's daily window
    finally:
        await service.close()
        root.removeHandler(handler)
        root.setLevel(level)

    stored = row.render_report
    assert stored["mode"] == "draft" and stored["passes"] == 4 and stored["steps"] == 4
    assert stored["lora"] == "tiny_draft_lora.safetensors"
    assert job.report == clip.report == RenderReport.from_dict(stored)
    # One figure: the clip is charged the report's GPU-seconds (the cold engine's load is not in it).
    assert row.gpu_seconds == stored["gpu_seconds"] > 0
    assert usage.used == pytest.approx(row.gpu_seconds)

    records = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    (done,) = [r for r in records if r["logger"] == "reelbot.generator.worker" and "done in" in r["msg"]]
    assert done["job_id"] == str(ticket.job_id)
    assert done["render_report"] == stored and done["gpu_seconds"] == row.gpu_seconds

    for name, value in worker_env(settings).items():
        if name.startswith("REELBOT_"):
            monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    # `reelbot status` runs its own event loop: in a thread, as from a shell beside this test.
    result = await asyncio.to_thread(CliRunner().invoke, app, ["status", str(ticket.job_id)])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["state"] == "done" and shown["render"] == stored


async def test_a_job_not_rendered_yet_has_no_report(service: ReelbotService) -> None:
    ticket = await service.submit(GenerationRequest(prompt="a heron", origin=ORIGIN), idempotency_key="r-2")
    assert (await service.job(ticket.job_id)).report is None


async def test_the_server_default_mode_is_what_runs_where_the_preset_has_it(
    settings: Settings, tiny_cache: EngineCache
) -> None:
    """REELBOT_ENGINE__SPEED=draft: a request without a mode renders in draft on tiny (counted:
    4 passes) and in quality on tiny-ltx, which has no draft (the server's default, not the
    person's choice, so not a refusal); the reports the worker stored say so."""
    engine = settings.engine.model_copy(update={"speed": "draft"})
    service = await ReelbotService.open(settings.model_copy(update={"engine": engine}))
    try:
        tickets = {
            preset: await service.submit(
                GenerationRequest(prompt="a heron", preset=preset, seed=5, seconds=1.0, origin=ORIGIN),
                idempotency_key=f"default-{preset}",
            )
            for preset in ("tiny", "tiny-ltx")
        }
        await worker_for(service, name="default", burst=True, cache=tiny_cache).run()
        reports = {preset: (await service.job(t.job_id)).report for preset, t in tickets.items()}
    finally:
        await service.close()
    tiny, ltx = reports["tiny"], reports["tiny-ltx"]
    assert tiny is not None and (tiny.mode, tiny.passes) == ("draft", 4) and tiny.lora is not None
    assert ltx is not None and ltx.mode == "quality" and ltx.lora is None
