"""A batch stopped again and again uses up none of a companion's attempts (issue 11 item 5).

When a worker stops (SIGTERM) mid-batch, the lead it holds finishes and the companions the
batch marked running go back to the queue. The rule (generator/worker/batch.py,
``Batcher.reached``; storage.jobs.hand_back_unstarted): a companion that never reached its own
turn goes back *uncounted* — its row with the attempt count it had before the claim, its queue
message with the delivery count it had — because its frames were dropped by the worker's own
stop, not by anything the job did. So it ends like a job that waited alone: rendered once,
``attempts == 1``, never dead-lettered.

Real Redis, SQLite, the real tiny Wan pipeline, a real worker and ffmpeg. ``max_deliveries``
is 1 here, so a single delivery counted by a hand-back would dead-letter the job at its next
claim instead of rendering it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from reelbot.app.service import ReelbotService
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform
from reelbot.generator.worker.loop import Worker
from reelbot.storage import jobs as job_repo
from tests.e2e.test_batch_companions import TINY_STEPS, _run

ANN = Origin(platform=Platform.CLI, user_id="ann", channel_id="cli")


@pytest.fixture
async def strict_batching(settings: Settings) -> AsyncIterator[ReelbotService]:
    """Batches of up to 3, and a job is dead-lettered at its second counted delivery."""
    engine = settings.engine.model_copy(update={"batch_size": 3})
    queue = settings.queue.model_copy(update={"max_deliveries": 1})
    svc = await ReelbotService.open(settings.model_copy(update={"engine": engine, "queue": queue}))
    try:
        yield svc
    finally:
        await svc.close()


async def _submit(service: ReelbotService, prompts: tuple[str, ...]) -> list[uuid.UUID]:
    jobs = []
    for seed, prompt in enumerate(prompts, 1):
        request = GenerationRequest(prompt=prompt, seed=seed, seconds=0.5, origin=ANN)
        jobs.append((await service.submit(request, idempotency_key=f"handback:{uuid.uuid4()}")).job_id)
    return jobs


def _stop_at_the_last_forward() -> Any:
    loop = asyncio.get_running_loop()

    def hook(call: int, worker: Worker) -> None:
        if call == 2 * TINY_STEPS:  # SIGTERM mid-batch: the lead finishes, the rest goes back
            loop.call_soon_threadsafe(worker.stop)

    return hook


async def _attempts(service: ReelbotService, job_id: uuid.UUID) -> tuple[JobState, int]:
    row = await service.run_db(job_repo.get_job, job_id=job_id)
    return JobState(row.state), row.attempts


async def test_a_companion_stopped_twice_ends_like_a_job_alone(strict_batching: ReelbotService) -> None:
    service = strict_batching
    first, second, last = await _submit(service, ("a red paper boat", "a lighthouse", "rain on glass"))

    # Stop 1: the batch of three starts all three; the lead finishes, two go back uncounted.
    worker, widths = await _run(service, _stop_at_the_last_forward())
    assert worker.batcher.batches == 1 and widths == [3] * 2 * TINY_STEPS and worker.jobs_done == 1
    assert await _attempts(service, first) == (JobState.DONE, 1)
    for job_id in (second, last):
        assert await _attempts(service, job_id) == (JobState.QUEUED, 0), job_id  # as before the claim

    # Stop 2: the two come back at once (delivery 1 again, or max_deliveries=1 would dead-letter
    # them) and batch again; the lead finishes, the last one goes back uncounted once more.
    worker, widths = await _run(service, _stop_at_the_last_forward())
    assert worker.batcher.batches == 1 and widths == [2] * 2 * TINY_STEPS and worker.jobs_done == 1
    assert await _attempts(service, second) == (JobState.DONE, 1)
    assert await _attempts(service, last) == (JobState.QUEUED, 0)

    # No stop: the companion stopped twice renders once (beside a new job) and ends exactly
    # like that job, which was never stopped.
    alone = (await _submit(service, ("a job never stopped",)))[0]
    worker, _ = await _run(service)
    assert worker.jobs_done == 2 and worker.batcher.batches == 1
    assert await _attempts(service, last) == (JobState.DONE, 1)
    assert await _attempts(service, alone) == (JobState.DONE, 1)
    assert await service.queue.dead_letters() == []  # no delivery was ever counted twice
    assert (await service.job(last)).clip_id is not None
