"""Batch companions are jobs of their own (issue 11 item 5): in a 3-job batch on the real tiny
Wan pipeline every job is marked running once, gets its own progress events and progress row;
a companion cancelled mid-batch ends cancelled with no clip while the call goes on for the
others; a companion whose store fails ends failed with its own error. Real Redis, SQLite,
worker and ffmpeg; the store fault is injected at the media backend boundary (as the disk-full
tests do), for that one job's key."""

from __future__ import annotations

import asyncio
import errno
import logging
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from reelbot.app.service import ReelbotService
from reelbot.cli.wiring import worker_for
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform
from reelbot.generator.cache import EngineCache
from reelbot.generator.presets import LoadContext
from reelbot.generator.worker.loop import Worker
from reelbot.generator.worker.stages import media_keys_for
from reelbot.storage import clips as clip_repo
from reelbot.storage import jobs as job_repo
from reelbot.storage.db import session_scope

ANN = Origin(platform=Platform.CLI, user_id="ann", channel_id="cli")
TINY_STEPS = 4  # the tiny preset's schedule (4 steps with CFG: 8 forwards per call)


async def _three(service: ReelbotService) -> list[uuid.UUID]:
    jobs = []
    for seed, prompt in enumerate(("a red paper boat", "a lighthouse at night", "rain on a window"), 1):
        request = GenerationRequest(prompt=prompt, seed=seed, seconds=0.5, origin=ANN)
        jobs.append((await service.submit(request, idempotency_key=f"batch:{uuid.uuid4()}")).job_id)
    return jobs


async def _events(service: ReelbotService) -> dict[uuid.UUID, list[JobEvent]]:
    stream = service.events(Platform.CLI)
    await stream.ensure_group("test")
    found: dict[uuid.UUID, list[JobEvent]] = {}
    while batch := await stream.read("test", "t", 100, 10):
        for _, event in batch:
            found.setdefault(event.job_id, []).append(event)
        await stream.ack("test", *[entry for entry, _ in batch])
    return found


async def _run(service: ReelbotService, hook: Any = None) -> tuple[Worker, list[int]]:
    """A burst worker on a fresh tiny engine; the batch width of every transformer forward.
    ``hook(call, worker)`` runs in the render thread before each forward."""
    cache = EngineCache(LoadContext(device="cpu", dtype="float32"))
    transformer = cache.get("tiny").t2v.transformer  # type: ignore[attr-defined]
    widths: list[int] = []
    worker = worker_for(service, burst=True, cache=cache, name="batcher")

    def pre_hook(module: Any, args: Any, kwargs: dict[str, Any]) -> None:
        widths.append(int(kwargs["hidden_states"].shape[0]))
        if hook is not None:
            hook(len(widths), worker)

    handle = transformer.register_forward_pre_hook(pre_hook, with_kwargs=True)
    try:
        await worker.run()
    finally:
        handle.remove()
    return worker, widths


def _kinds(events: list[JobEvent]) -> list[EventKind]:
    return [e.kind for e in events]


async def test_every_job_of_a_batch_has_its_own_start_and_progress(batching: ReelbotService) -> None:
    jobs = await _three(batching)
    worker, widths = await _run(batching)

    assert worker.batcher.batches == 1 and worker.jobs_done == 3
    assert widths == [3] * 2 * TINY_STEPS  # one call carried all three
    events = await _events(batching)
    for job_id in jobs:
        row = await batching.run_db(job_repo.get_job, job_id=job_id)
        assert row.state == JobState.DONE and row.attempts == 1 and row.worker == "batcher"
        assert (row.step, row.total_steps) == (TINY_STEPS, TINY_STEPS), job_id  # its progress row
        kinds = _kinds(events[job_id])
        assert kinds[0] is EventKind.QUEUED and kinds[-1] is EventKind.DONE, kinds
        assert kinds.count(EventKind.STARTED) == 1 and kinds.index(EventKind.STARTED) == 1, kinds
        progress = [e for e in events[job_id] if e.kind is EventKind.PROGRESS]
        assert progress and progress[-1].step == progress[-1].total_steps == TINY_STEPS, kinds
        assert kinds.index(EventKind.PROGRESS) < kinds.index(EventKind.DONE)


async def test_a_companion_cancelled_mid_batch_is_not_stored_and_the_others_finish(
    batching: ReelbotService, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="reelbot.generator.worker")
    lead, cancelled, other = await _three(batching)
    loop = asyncio.get_running_loop()

    def cancel_on_first_forward(call: int, _worker: Worker) -> None:
        if call == 1:  # inside the batched call, from the render thread
            asyncio.run_coroutine_threadsafe(batching.cancel(cancelled, by=ANN), loop).result(10)
            time.sleep(1.5)  # past the companion's cancel poll (every 1 s), still mid-call

    worker, widths = await _run(batching, cancel_on_first_forward)

    # The companion's cancel did not stop the call: all 8 forwards carried the three jobs.
    assert worker.batcher.batches == 1 and widths == [3] * 2 * TINY_STEPS
    views = {j: await batching.job(j) for j in (lead, cancelled, other)}
    assert views[lead].state is JobState.DONE and views[other].state is JobState.DONE
    assert views[cancelled].state is JobState.CANCELLED and views[cancelled].clip_id is None
    with session_scope(batching.db) as session:
        assert clip_repo.get_clip_for_job(session=session, job_id=cancelled) is None
    assert not any(batching.media.exists(key) for key in media_keys_for(cancelled))
    kinds = _kinds((await _events(batching))[cancelled])
    assert kinds.count(EventKind.CANCELLED) == 1 and EventKind.DONE not in kinds, kinds
    assert EventKind.STARTED in kinds and EventKind.PROGRESS in kinds, kinds  # it was running
    assert f"job {cancelled} was cancelled mid-batch" in caplog.text  # seen by its own poller


async def test_a_companion_whose_store_fails_fails_alone(batching: ReelbotService) -> None:
    lead, broken, other = await _three(batching)
    real_put = batching.media.put_file
    broken_video, _ = media_keys_for(broken)

    def put_file(key: str, src: Path) -> None:
        if key == broken_video:
            raise PermissionError(errno.EACCES, "Permission denied", key)
        real_put(key, src)

    batching.media.put_file = put_file  # type: ignore[method-assign]
    worker, widths = await _run(batching)

    assert worker.batcher.batches == 1 and widths == [3] * 2 * TINY_STEPS
    assert worker.jobs_done == 2
    for job_id in (lead, other):
        assert (await batching.job(job_id)).state is JobState.DONE
    row = await batching.run_db(job_repo.get_job, job_id=broken)
    assert row.state == JobState.FAILED and row.error_key == "error.internal"
    assert str(broken)[:8] in (row.error_detail or "")  # its own error, quoting its own id
    with session_scope(batching.db) as session:
        assert clip_repo.get_clip_for_job(session=session, job_id=broken) is None
    assert not batching.media.exists(media_keys_for(broken)[1])
    failed = [e for e in (await _events(batching))[broken] if e.kind is EventKind.FAILED]
    assert [e.error_key for e in failed] == ["error.internal"]


async def test_a_cancelled_lead_stops_the_call_and_its_started_companions_render_alone(
    batching: ReelbotService,
) -> None:
    lead, *companions = await _three(batching)
    loop = asyncio.get_running_loop()

    def cancel_the_lead(call: int, _worker: Worker) -> None:
        if call == 1:
            asyncio.run_coroutine_threadsafe(batching.cancel(lead, by=ANN), loop).result(10)
            time.sleep(1.5)  # past the lead's cancel poll: the call stops at its next step

    worker, widths = await _run(batching, cancel_the_lead)

    assert worker.batcher.batches == 0 and worker.jobs_done == 2
    assert 3 in widths and widths[-4 * TINY_STEPS :] == [1] * 4 * TINY_STEPS  # then two alone
    assert (await batching.job(lead)).state is JobState.CANCELLED
    events = await _events(batching)
    for job_id in companions:
        row = await batching.run_db(job_repo.get_job, job_id=job_id)
        assert row.state == JobState.DONE and row.attempts == 1  # started once, by the batch
        assert _kinds(events[job_id]).count(EventKind.STARTED) == 1


async def test_a_stopping_worker_requeues_the_companions_it_started(batching: ReelbotService) -> None:
    lead, *companions = await _three(batching)
    loop = asyncio.get_running_loop()

    def stop_on_the_last_forward(call: int, worker: Worker) -> None:
        if call == 2 * TINY_STEPS:  # SIGTERM mid-batch: the lead finishes, the rest goes back
            loop.call_soon_threadsafe(worker.stop)

    worker, widths = await _run(batching, stop_on_the_last_forward)

    assert worker.batcher.batches == 1 and worker.jobs_done == 1 and widths == [3] * 2 * TINY_STEPS
    assert (await batching.job(lead)).state is JobState.DONE
    for job_id in companions:
        row = await batching.run_db(job_repo.get_job, job_id=job_id)
        assert row.state == JobState.QUEUED and row.step is None, job_id  # not stuck "running"
    again = await batching.queue.claim("another-worker", count=3)
    assert {d.job_id for d in again.deliveries} == set(companions)  # claimable again at once
