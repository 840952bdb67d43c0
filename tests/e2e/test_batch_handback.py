"""A batch stopped again and again uses up none of a companion's attempts (issue 11 item 5).

When a worker stops (SIGTERM) mid-batch, the lead it holds finishes and the companions the
batch marked running go back to the queue. The rule (generator/worker/batch.py,
``Batcher.reached``; storage.jobs.hand_back_unstarted): a companion that never reached its own
turn goes back *uncounted* — its row with the attempt count it had before the claim, its queue
message with the delivery count it had — because its frames were dropped by the worker's own
stop, not by anything the job did. So it ends like a job that waited alone: rendered once,
``attempts == 1``, never dead-lettered.

A worker *killed* (SIGKILL, a real child process) before a claimed job's turn uses up none of
that job's deliveries either: jobs claimed ahead wait uncounted (``JobQueue.hold_uncounted``)
and count only once their render starts.

Real Redis, SQLite, the real tiny Wan pipeline, real workers and ffmpeg. ``max_deliveries``
is 1 here, so a single delivery counted by a hand-back would dead-letter the job at its next
claim instead of rendering it.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from reelbot.app.service import ReelbotService
from reelbot.cli.wiring import worker_for
from reelbot.domain.events import EventKind
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform
from reelbot.generator.cache import EngineCache
from reelbot.generator.worker.loop import Worker
from reelbot.storage import jobs as job_repo
from tests.e2e.processes import worker_env
from tests.e2e.test_batch_companions import TINY_STEPS, _events, _run

KILLER = Path(__file__).with_name("kill_batch_worker.py")

ANN = Origin(platform=Platform.CLI, user_id="ann", channel_id="cli")


@pytest.fixture
async def strict_batching(settings: Settings) -> AsyncIterator[ReelbotService]:
    """Batches of up to 3, and a job is dead-lettered at its second counted delivery."""
    engine = settings.engine.model_copy(update={"batch_size": 3})
    update = {"max_deliveries": 1, "reclaim_idle_ms": 1000, "heartbeat_s": 0.2}  # a kill is noticed fast
    queue = settings.queue.model_copy(update=update)
    svc = await ReelbotService.open(settings.model_copy(update={"engine": engine, "queue": queue}))
    try:
        yield svc
    finally:
        await svc.close()


async def _submit(service: ReelbotService, prompts: tuple[str, ...], seconds: float = 0.5) -> list[uuid.UUID]:
    jobs = []
    for seed, prompt in enumerate(prompts, 1):
        request = GenerationRequest(prompt=prompt, seed=seed, seconds=seconds, origin=ANN)
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
    events = await _events(service)
    for job_id in (second, last):
        assert await _attempts(service, job_id) == (JobState.QUEUED, 0), job_id  # as before the claim
        kinds = [e.kind for e in events[job_id]]
        assert kinds[-2:] == [EventKind.PROGRESS, EventKind.QUEUED], kinds  # its chat: waiting again

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


async def test_a_worker_killed_before_their_turn_uses_up_no_delivery_of_the_waiting_jobs(
    strict_batching: ReelbotService, tiny_cache: EngineCache
) -> None:
    """A batching worker claims three jobs and is SIGKILLed as the first starts: that one's
    delivery counted (with max_deliveries=1 it is given up, as a job killed mid-render alone
    would be); the two claimed ahead — a compatible one the batch had not started yet and an
    incompatible one waiting its turn — are reclaimed uncounted and render."""
    service = strict_batching
    (lead, companion), (other,) = (
        await _submit(service, ("a kite", "a paper boat")),
        await _submit(service, ("a longer clip",), seconds=1.0),  # another frame count: its own turn
    )
    settings = service.settings
    env = {**worker_env(settings), "REELBOT_ENGINE__BATCH_SIZE": "3", "REELBOT_QUEUE__MAX_DELIVERIES": "1"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(KILLER), env=env, cwd=settings.data_dir.parent,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    _, err = await proc.communicate()
    assert proc.returncode == -9, err.decode()[-2000:]
    assert await _attempts(service, companion) == (JobState.QUEUED, 0)  # never started

    await asyncio.sleep(settings.queue.reclaim_idle_ms / 1000 + 0.3)  # a lower bound only
    rescuer = worker_for(service, name="rescuer", burst=True, cache=tiny_cache)
    await rescuer.run()

    letters = await service.queue.dead_letters()
    assert [(d.job_id, d.attempt) for d in letters] == [(lead, 2)]  # killed in its own start
    assert (await service.job(lead)).state is JobState.FAILED
    for job_id in (companion, other):
        assert await _attempts(service, job_id) == (JobState.DONE, 1), job_id
