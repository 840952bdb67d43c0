"""The publish stage of a clip job: record the clip, publish its result event, ack — and the
outbox replay of that step for a redelivered job that was already finished.

It lives apart from the claim loop (``loop.py``) so the last stage of the render path
(render → post-process → encode → sign → store → publish) can be read and tested alone; the
order record → publish → ack is the guarantee documented in ``loop.py``.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.types import GenerationRequest, JobState
from reelbot.generator.worker import stages
from reelbot.queue.records import Delivery
from reelbot.storage import clips as clip_repo
from reelbot.storage import jobs as job_repo

if TYPE_CHECKING:
    from reelbot.generator.worker.loop import Worker

log = logging.getLogger("reelbot.generator.worker")


async def record_publish_ack(
    worker: Worker,
    job: Any,
    request: GenerationRequest,
    delivery: Delivery,
    facts: dict[str, Any],
    timings: dict[str, float],
    store_started: float,
) -> None:
    """Mark done, publish DONE, ack — in this order; a crash in between is healed by the
    redelivery (outbox: the finished job publishes its result again)."""
    clip_id = stages.clip_id_for(job.id)
    clip = await worker.parts.run_db(job_repo.mark_done, job_id=job.id, clip_id=clip_id, **facts)
    timings["store"] = time.monotonic() - store_started
    if clip is None:
        # Another worker finished this job first (we were presumed dead): its clip has the
        # same keys as ours, so there is nothing of ours to delete.
        log.warning("job %s was finished by another worker; keeping its clip", job.id)
    else:
        worker.jobs_done += 1
        event = JobEvent(
            kind=EventKind.DONE, job_id=job.id, origin=request.origin, clip_id=clip.id, timings=timings
        )
        await worker.parts.publish(event)
        render_s = sum(v for k, v in timings.items() if k != "queue_wait")
        observer = worker.parts.observer
        observer.observe_job_finished(job.preset, "done", render_s=render_s, gpu_s=facts["gpu_seconds"])
        for stage, seconds in timings.items():
            observer.observe_stage(stage, job.preset, seconds)
    await worker.queue.ack(delivery)
    # The JSON log line carries the render report (mode, counted passes, GPU-seconds) as fields.
    extra = {"render_report": facts.get("render_report"), "gpu_seconds": facts["gpu_seconds"]}
    log.info("job %s done in %.2fs (%s)", job.id, sum(timings.values()), timings, extra=extra)


async def republish(worker: Worker, job: Any, delivery: Delivery) -> None:
    """Outbox: a finished job's result event from its stored state, then the ack."""
    request = GenerationRequest.model_validate_json(job.request_json)
    state = JobState(job.state)
    event: JobEvent | None = None
    if state is JobState.DONE:
        clip = await worker.parts.run_db(clip_repo.get_clip_for_job, job_id=job.id)
        if clip is not None:
            event = JobEvent(kind=EventKind.DONE, job_id=job.id, origin=request.origin, clip_id=clip.id)
    elif state is JobState.FAILED:
        event = JobEvent(
            kind=EventKind.FAILED,
            job_id=job.id,
            origin=request.origin,
            error_key=job.error_key or "error.internal",
            error_detail=job.error_detail,
        )
    if event is not None:
        await worker.parts.publish(event)
        worker.republished += 1
        log.info("job %s was already %s: its result event is published again", job.id, state.value)
    await worker.queue.ack(delivery)
