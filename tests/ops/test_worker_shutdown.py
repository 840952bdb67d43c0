"""The real Worker honours the shutdown contract: stop() mid-job finishes and acks it, claims no more."""

from __future__ import annotations

import asyncio

import pytest

from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform


async def test_stop_mid_job_finishes_it_and_leaves_the_rest_queued(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reelbot.app.service import ReelbotService
    from reelbot.cli.wiring import worker_for
    from reelbot.generator import noop  # noqa: F401 - registers the preset
    from reelbot.ops.metrics import read_lane_stats

    monkeypatch.setenv("REELBOT_NOOP_STEP_S", "0.25")  # 4 steps: a 1-second "render"
    service = await ReelbotService.open(settings)
    try:
        tickets = []
        for i in range(3):
            origin = Origin(platform=Platform.CLI, user_id=f"ops-shutdown-{i}")
            request = GenerationRequest(prompt=f"job {i}", preset="noop", seed=i, origin=origin)
            tickets.append(await service.submit(request, idempotency_key=f"ops-shutdown-{i}"))
        worker = worker_for(service, name="ops-stopper")
        task = asyncio.create_task(worker.run())
        for _ in range(300):
            states = [(await service.job(t.job_id)).state for t in tickets]
            if JobState.RUNNING in states:
                break
            await asyncio.sleep(0.05)
        assert JobState.RUNNING in states
        worker.stop()  # what the SIGTERM handler calls
        await asyncio.wait_for(task, timeout=60)

        states = [(await service.job(t.job_id)).state for t in tickets]
        assert states.count(JobState.DONE) == 1
        assert states.count(JobState.QUEUED) == 2
        lanes = [
            await read_lane_stats(service.redis, service.keys.jobs(lane), service.keys.workers_group)
            for lane in ("fast", "relaxed")
        ]
        assert sum(s.pending for s in lanes) == 0  # the finished job was acked
        assert sum(s.lag for s in lanes) == 2  # the others were never claimed
    finally:
        await service.close()
