"""The real worker feeds the metrics and stamps its log lines with the job id.

Uses the bench-only ``noop`` preset (generator/noop.py) so no model loads: the whole real
path — service, Redis Streams, database, encode, media store — runs in about a second.
"""

from __future__ import annotations

import io
import json
import logging

import pytest

from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, Origin, Platform
from reelbot.ops import metrics
from reelbot.ops.logs import setup_logging


async def test_worker_job_moves_metrics_and_logs_carry_job_id(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reelbot.app.service import ReelbotService
    from reelbot.cli.wiring import worker_for
    from reelbot.generator import noop  # noqa: F401 - registers the preset

    monkeypatch.setenv("REELBOT_NOOP_STEP_S", "0")
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = setup_logging(settings.model_copy(update={"log_json": True}), stream=stream)
    before = {
        "done": metrics.sample_value("reelbot_job_transitions_total", {"state": "done"}),
        "running": metrics.sample_value("reelbot_job_transitions_total", {"state": "running"}),
        "encode": metrics.sample_value(
            "reelbot_job_stage_seconds_count", {"stage": "encode", "preset": "noop"}
        ),
        "wait": metrics.sample_value("reelbot_job_wait_seconds_count", {"preset": "noop"}),
    }
    service = await ReelbotService.open(settings)
    try:
        origin = Origin(platform=Platform.CLI, user_id="ops-observer")
        ticket = await service.submit(
            GenerationRequest(prompt="a gradient", preset="noop", seed=3, origin=origin),
            idempotency_key="ops-observability-1",
        )
        await worker_for(service, name="ops-worker", burst=True).run()
        view = await service.job(ticket.job_id)
    finally:
        await service.close()
        root.removeHandler(handler)
        root.setLevel(level)

    assert view.clip_id is not None
    assert metrics.sample_value("reelbot_job_transitions_total", {"state": "done"}) == before["done"] + 1
    assert (
        metrics.sample_value("reelbot_job_transitions_total", {"state": "running"}) == before["running"] + 1
    )
    assert (
        metrics.sample_value("reelbot_job_stage_seconds_count", {"stage": "encode", "preset": "noop"})
        == before["encode"] + 1
    )
    assert metrics.sample_value("reelbot_job_wait_seconds_count", {"preset": "noop"}) == before["wait"] + 1
    assert metrics.sample_value("reelbot_gpu_seconds_total", {"preset": "noop"}) > 0
    assert metrics.sample_value("reelbot_worker_busy") == 0

    records = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    done_lines = [r for r in records if r["logger"] == "reelbot.generator.worker" and "done in" in r["msg"]]
    assert done_lines and all(r["job_id"] == str(ticket.job_id) for r in done_lines)
    assert "test-secret-0123456789abcdef" not in stream.getvalue()
