"""A worker process warms its preset before it reports ready and before it claims a job.

The worker is a real `reelbot worker` process (tests/fleet/gated_worker.py holds its preset's
weights load until the test opens a gate, so the test sees it mid-warm-up by state, never by
a wall-clock window). While warming: /readyz is 503 naming the worker, a queued job stays
queued, no cold-start metric yet. After the gate: /readyz 200, the metric has every phase in
order, the log line says it, and the queued job is rendered.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from reelbot.app.service import ReelbotService
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform
from reelbot.generator.worker.warmup import PHASES
from tests.e2e.processes import worker_env
from tests.storage.s3server import free_port

GATED_WORKER = Path(__file__).with_name("gated_worker.py")
ORIGIN = Origin(platform=Platform.CLI, user_id="warm")
HANG_S = 240.0  # only turns a hang into a failure; nothing is asserted about durations


async def get(port: int, path: str) -> tuple[int, str] | None:
    """(status, body), or None while nothing listens yet."""
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                f"http://127.0.0.1:{port}{path}", timeout=aiohttp.ClientTimeout(total=10)
            ) as response,
        ):
            return response.status, await response.text()
    except aiohttp.ClientConnectionError:
        return None


def cold_start_samples(metrics_text: str) -> dict[str, float]:
    pattern = re.compile(
        r'^reelbot_worker_cold_start_seconds\{phase="(\w+)",preset="([\w-]+)"\} (\S+)$', re.M
    )
    return {phase: float(value) for phase, _preset, value in pattern.findall(metrics_text)}


async def test_readyz_is_503_while_warming_and_200_after_with_the_phases(settings: Settings) -> None:
    service = await ReelbotService.open(settings)  # migrates the test's database
    gate = settings.data_dir / "open-the-gate"
    port = free_port()
    env = worker_env(settings) | {"REELBOT_PRESET": "tiny-gated", "REELBOT_LOG_LEVEL": "INFO"}
    log_file = settings.data_dir / "worker.log"
    with log_file.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, str(GATED_WORKER), str(gate), "worker", "--health-port", str(port),
             "--health-host", "127.0.0.1", "--name", "warm-1"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + HANG_S
        while (answer := await get(port, "/readyz")) is None:
            assert proc.poll() is None, log_file.read_text()
            assert time.monotonic() < deadline, "the health endpoints never came up"
            await asyncio.sleep(0.05)
        status, body = answer
        assert status == 503, body
        checks = json.loads(body)["checks"]
        assert checks["worker"] == "RuntimeError" and checks["redis"] == "ok" and checks["database"] == "ok"
        metrics = await get(port, "/metrics")
        assert metrics is not None and cold_start_samples(metrics[1]) == {}

        ticket = await service.submit(
            GenerationRequest(prompt="after the warm-up", origin=ORIGIN), idempotency_key="w1"
        )
        await asyncio.sleep(0)  # the worker cannot claim: its warm-up is held at the gate
        assert (await service.job(ticket.job_id)).state is JobState.QUEUED

        gate.touch()
        while (answer := await get(port, "/readyz")) is None or answer[0] != 200:
            assert proc.poll() is None, log_file.read_text()
            assert time.monotonic() < deadline, f"never ready: {answer}"
            await asyncio.sleep(0.05)
        metrics = await get(port, "/metrics")
        assert metrics is not None
        marks = cold_start_samples(metrics[1])
        assert set(marks) == set(PHASES), marks
        in_order = [marks[phase] for phase in PHASES]
        assert in_order == sorted(in_order) and in_order[0] > 0, marks
        assert 'preset="tiny-gated"' in metrics[1]

        while (view := await service.job(ticket.job_id)).state is not JobState.DONE:
            assert view.state in (JobState.QUEUED, JobState.RUNNING), view
            assert time.monotonic() < deadline, "the queued job was never rendered"
            await asyncio.sleep(0.1)

        proc.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(proc.wait, 60) == 0
        line = next(line for line in log_file.read_text().splitlines() if "after process start" in line)
        assert all(phase in line for phase in PHASES) and "tiny-gated" in line, line
        print(line)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        await service.close()
