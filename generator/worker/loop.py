"""The queue worker: claim a job, render it, store the clip, publish its result, only then ack.

Guarantees, and where they come from (docs/reliability.md has the measured figures):

* A job is never lost: the message stays pending until :meth:`JobQueue.ack`, which runs after
  the clip is recorded and its result published. A worker that dies leaves it pending; another
  worker reclaims it after ``queue.reclaim_idle_ms`` (a live worker heartbeats its claim).
* A result is never lost (outbox): the result event is derived from the stored state. A
  redelivered job that is already DONE or FAILED publishes its result event again before it is
  acknowledged; bots de-duplicate by job id, so a crash between "marked done" and "acked"
  delivers the clip once. The record-publish-ack step is shielded from task cancellation.
* A job is done exactly once: :func:`storage.jobs.mark_done` records the clip only if the job
  is not done yet. A job's files live under keys derived from its id, so a retry after a crash
  overwrites (adopts) what a killed attempt wrote; a job that fails for good has them removed.
* Faults are transient, bugs are not: Redis or database errors and a full disk leave the job
  waiting (given back to the queue, state ``queued``), the worker backs off and keeps running,
  reporting not-ready (:meth:`Worker.readiness`) until a claim works again. After Redis comes
  back empty, queued jobs are re-enqueued from the database at once, oldest first. A job that
  fails for a reason of its own (bad input, model error, a bug) is marked failed with a reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from reelbot.domain.context import job_context
from reelbot.domain.errors import ReelbotError
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.types import GenerationRequest, JobState
from reelbot.generator.cache import EngineCache, detect_device
from reelbot.generator.provenance import signing_configured
from reelbot.generator.worker import mode_marks, publish, stages
from reelbot.generator.worker.batch import Batcher
from reelbot.generator.worker.faults import TRANSIENT_ERRORS, JobTakenOver, is_transient, shielded
from reelbot.generator.worker.parts import WorkerParts
from reelbot.generator.worker.progress import Steps
from reelbot.generator.worker.sweep import sweep_orphans
from reelbot.generator.worker.tasks import TaskRunner
from reelbot.generator.worker.warmup import ColdStart, warm_up_marked
from reelbot.queue.connect import warn_without_persistence
from reelbot.queue.records import Delivery
from reelbot.storage import jobs as job_repo
from reelbot.storage import tasks as task_repo

log = logging.getLogger("reelbot.generator.worker")  # one logger name for the whole package
RECONCILE_EVERY_S = 60.0  # re-enqueue jobs whose message was lost (see ReelbotService.reconcile)
BACKOFF_MIN_S, BACKOFF_MAX_S = 0.2, 5.0  # waiting out a fault: doubling, capped
C2PA_HEADROOM_BYTES = 32 * 1024  # a test-CA manifest measured ~3.5 KiB; real chains are longer


class Worker:
    """One worker process's loop. ``burst=True`` stops when the queue is empty (tests, demo)."""

    def __init__(
        self,
        parts: WorkerParts,
        *,
        name: str | None = None,
        burst: bool = False,
        cache: EngineCache | None = None,
        warm_up: bool | None = None,
    ) -> None:
        self.parts = parts
        self.settings = parts.settings
        self.queue = parts.queue
        self.name = name or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.burst = burst
        self.cache = cache or EngineCache(detect_device(self.settings))
        self.stopping = asyncio.Event()
        self.jobs_done = 0
        self.republished = 0  # result events published again for redelivered finished jobs
        self.fault: str | None = None  # set while waiting out Redis/database/disk trouble
        # Warm before ready and before the first claim (default: long-running workers; a burst
        # worker's first job is its warm-up). Not ready until then (docs/capacity.md).
        self.warm_first = self.settings.engine.warm_up and not burst if warm_up is None else warm_up
        self.cold_start = ColdStart()
        self.warming = self.warm_first
        self._backoff = BACKOFF_MIN_S
        self._groups_seen = 0
        # A C2PA manifest adds a few KiB after encoding: leave room so a signed clip still
        # fits the upload cap (Discord's 10 MiB by default).
        encode = self.settings.encode
        if signing_configured(self.settings.provenance):
            budget = max(encode.max_bytes // 2, encode.max_bytes - C2PA_HEADROOM_BYTES)
            encode = encode.model_copy(update={"max_bytes": budget})
        self._encode_settings = encode
        self.tasks = TaskRunner(self)  # messages whose id is a task row (draft assembly, finish)
        self.batcher = Batcher(self)  # engine.batch_size > 1: compatible jobs share a pipeline call

    def stop(self) -> None:
        """Stop claiming; the current job finishes (SIGTERM handler calls this)."""
        self.stopping.set()

    async def readiness(self) -> None:
        """A ``/readyz`` check: raises while the worker waits out a fault."""
        if self.warming:
            raise RuntimeError("worker warming up")
        if self.fault is not None:
            raise RuntimeError(f"worker waiting out a fault ({self.fault})")

    # -- the loop -----------------------------------------------------------------------------

    async def run(self) -> None:
        if self.warm_first:  # load + one 1-step render, so no creator waits for them
            await warm_up_marked(self.queue, self.settings, self.cache, self.cold_start)  # marks what fails
        await self._guarded(self._start)
        if self.warm_first:
            self.cold_start.mark("ready")
            self.parts.observer.observe_cold_start(self.cold_start.preset, self.cold_start.marks)
            log.info("worker %s %s", self.name, self.cold_start.summary())
            self.warming = False
        last_reconcile = time.monotonic()
        log.info("worker %s started", self.name)
        while not self.stopping.is_set():
            if time.monotonic() - last_reconcile > RECONCILE_EVERY_S:
                await self._guarded(self.parts.reconcile)
                await mode_marks.reconcile(self.queue, self.cache.context)  # a LoRA file fixed: unmark
                last_reconcile = time.monotonic()
            empty = await self._guarded(self._turn)
            if self.burst and empty:
                break
        with contextlib.suppress(Exception):  # Redis away at shutdown: the stamp ages out
            await self.queue.forget_consumer(self.name)  # no longer counted for ETAs
        log.info("worker %s stopped after %d jobs", self.name, self.jobs_done)

    async def _start(self) -> bool:
        await warn_without_persistence(self.queue.redis, who=f"worker {self.name}")
        await self.queue.ensure_groups()
        # Half-written files of a killed process (temp names never become visible media).
        await asyncio.to_thread(self.parts.media.sweep_temp_files)
        await asyncio.to_thread(sweep_orphans, self.parts.media, self.parts.db)  # files with no clip
        # Every queued job without a message goes back now, whatever its age (enqueueing is
        # idempotent by the job's key, so a submit racing this is answered with its own job).
        await self.parts.reconcile(older_than_s=0.0)
        return True

    async def _guarded(self, step: Any) -> Any:
        """Run one step of the loop until it works, waiting out transient faults with backoff."""
        while True:
            try:
                result = await step()
            except Exception as exc:
                if not is_transient(exc):
                    raise
                if self.stopping.is_set():
                    return None  # shutting down: no point waiting for the fault to pass
                await self._wait_out(exc)
                continue
            if self.fault is not None:
                await self._recovered()
            return result

    async def _wait_out(self, exc: BaseException) -> None:
        if self.fault is None:
            log.warning("worker %s: %s; waiting for it to come back", self.name, type(exc).__name__)
        self.fault = type(exc).__name__
        self.parts.observer.observe_failure(f"transient.{self.fault}")
        await asyncio.sleep(self._backoff)
        self._backoff = min(self._backoff * 2, BACKOFF_MAX_S)

    async def _recovered(self) -> None:
        log.warning("worker %s: %s is over; re-enqueueing queued jobs", self.name, self.fault)
        self.fault, self._backoff = None, BACKOFF_MIN_S
        # Redis may have come back empty: jobs the database holds as queued go back at once.
        with contextlib.suppress(Exception):
            await self.parts.reconcile(older_than_s=0.0)

    async def _turn(self) -> bool:
        """One claim and its jobs; True when the queue had nothing for us."""
        block_ms = self.settings.queue.block_ms if not self.burst else 200
        claimed = await self.queue.claim(self.name, count=self.batcher.size, block_ms=block_ms)
        if self.queue.groups_recreated != self._groups_seen:  # Redis lost its streams
            self._groups_seen = self.queue.groups_recreated
            await self.parts.reconcile(older_than_s=0.0)
        for dead in claimed.dead:
            self.parts.observer.observe_dead_letter()
            await self._fail(dead.job_id, "job.failed_retries", attempts=dead.attempt, error=dead.error)
        async with self.batcher.turn(claimed.deliveries):
            for delivery in claimed.deliveries:
                if not await self.batcher.reached(delivery):
                    continue  # taken over while it waited in this turn, or handed back (stopping)
                with job_context(delivery.job_id):  # every log line of this job carries its id
                    await self.process(delivery)
        if claimed.deliveries or claimed.dead:
            return False
        depth = await self.queue.depth() if self.burst else {}
        return not any(lane.get("waiting", 0) for lane in depth.values())

    # -- one job --------------------------------------------------------------------------------

    async def process(self, delivery: Delivery) -> None:
        """Handle one claimed message end to end."""
        job_id = delivery.job_id
        try:
            job = await self.parts.run_db(job_repo.get_job, job_id=job_id)
            if job is None and (task := await self.parts.run_db(task_repo.get_task, task_id=job_id)):
                await self.tasks.process(task, delivery)
                return
            if job is None:
                log.warning("job %s has a queue message but no row; dropping the message", job_id)
                await self.queue.ack(delivery)
                return
            if JobState(job.state).finished:
                # Redelivery of a finished job: never render twice; its result event again (outbox).
                await shielded(publish.republish(self, job, delivery))
                return
            request = GenerationRequest.model_validate_json(job.request_json)
            if await self.queue.is_cancelled(job_id):
                await self._cancelled(job_id, request, delivery)
                return
            if not self.batcher.started(job_id) and not await self.parts.run_db(
                job_repo.mark_running, job_id=job_id, worker=self.name, reclaim=delivery.attempt > 1
            ):
                await self.queue.ack(delivery)
                return
        except Exception as exc:
            if is_transient(exc):
                await self._give_back(delivery, exc)
            raise
        await self._run_clip(job, request, delivery)

    async def _run_clip(self, job: Any, request: GenerationRequest, delivery: Delivery) -> None:
        """The ``clip`` job kind: render through the stages, then record, publish, ack."""
        job_id = job.id
        if not self.batcher.started(job_id):  # a batch companion was started with the batch
            await self.parts.publish(JobEvent(kind=EventKind.STARTED, job_id=job_id, origin=request.origin))
            self.parts.observer.observe_job_started(job.preset, time.time() - job.created_at.timestamp())
        lost = asyncio.Event()
        heartbeat = asyncio.create_task(self._heartbeat(delivery, lost))
        try:
            await self._render_and_store(job, request, delivery, lost)
        except ReelbotError as exc:
            if exc.key == "job.interrupted":
                await self._cancelled(job_id, request, delivery)
            else:
                await shielded(self._fail_and_ack(job_id, delivery, exc.key, **exc.details))
        except JobTakenOver:
            log.warning("job %s was reclaimed by another worker; dropping this render", job_id)
        except Exception as exc:
            if is_transient(exc):
                log.warning("job %s: transient failure (%s); it waits for a retry", job_id, exc)
                await self._give_back(delivery, exc)
                raise
            # A bug of ours (encode, stitch, storage code): fail this job with the id quoted to the
            # user, keep the worker serving the others.
            log.exception("job %s: unexpected error", job_id)
            await shielded(self._fail_and_ack(job_id, delivery, "error.internal", job_id=str(job_id)[:8]))
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    async def _render_and_store(
        self, job: Any, request: GenerationRequest, delivery: Delivery, lost: asyncio.Event
    ) -> None:
        timings: dict[str, float] = {"queue_wait": max(0.0, time.time() - job.created_at.timestamp())}
        inputs = await stages.in_thread(stages.load_inputs, request, self.parts.media, self.parts.db)
        result = await self._render(job.id, request, inputs, lost)
        timings.update(result.timings)
        fps = result.rendered.plan.fps
        frames = await stages.in_thread(
            stages.post_process, result.rendered.frames, inputs, fps, self.settings
        )
        started = time.monotonic()
        with tempfile.TemporaryDirectory(dir=self.settings.data_dir) as tmp:
            audio = await stages.in_thread(stages.audio_for, result, inputs)  # the model's sound, or None
            encoded, video, thumb = await stages.in_thread(
                stages.encode, frames, fps, Path(tmp), self._encode_settings,
                self.settings.encode.thumbnail_width, request.prompt[:200], audio,
            )  # fmt: skip
            credentials = stages.credentials_for(job.id, request)
            encoded = await stages.in_thread(stages.sign, video, encoded, self.settings, credentials)
            timings["encode"] = time.monotonic() - started
            started = time.monotonic()
            video_key, thumb_key = await stages.in_thread(
                stages.store, self.parts.media, job.id, video, thumb
            )
        facts = {
            "video_key": video_key,
            "thumbnail_key": thumb_key,
            "size_bytes": encoded.size_bytes,
            "width": int(frames.shape[2]),
            "height": int(frames.shape[1]),
            "fps": fps,
            "num_frames": int(frames.shape[0]),
            "duration_s": frames.shape[0] / fps,
            "has_audio": audio is not None,
            "gpu_seconds": result.gpu_seconds,
            # Mode, counted passes, device: the estimates refit on what really ran.
            "render_report": report.to_dict() if (report := result.rendered.report) is not None else None,
        }
        await shielded(publish.record_publish_ack(self, job, request, delivery, facts, timings, started))

    async def _render(
        self, job_id: uuid.UUID, request: GenerationRequest, inputs: stages.Inputs, lost: asyncio.Event
    ) -> stages.RenderResult:
        """The model run in a thread, with cancel polling and throttled progress events."""
        steps = Steps(self.queue, self.progress, job_id, request, lost)
        poller = asyncio.create_task(steps.poll_cancel())
        try:
            result = await self.batcher.render(job_id, request, steps.on_step) or await stages.in_thread(
                self._guard_pipeline, stages.render, request, inputs, self.settings, self.cache, steps.on_step
            )
        except ReelbotError as exc:
            if exc.key == "job.interrupted" and lost.is_set():
                raise JobTakenOver from exc  # stopped for the other worker, not cancelled
            await mode_marks.record(self.queue, mode_marks.failed_load(exc, self.cache.context.cache_dir))
            raise
        finally:
            steps.done = True
            poller.cancel()
        await mode_marks.record(self.queue, mode_marks.loaded(result.rendered.report))  # loads here: clear
        return result

    def _guard_pipeline(self, render: Any, *args: Any) -> Any:
        """Run ``render``, turning model failures into a failed job with a readable reason."""
        try:
            return render(*args)
        except ReelbotError:
            raise
        except Exception as exc:
            if type(exc).__name__ == "OutOfMemoryError" or "out of memory" in str(exc).lower():
                self.cache.clear()  # drop warm engines: the next job loads into a clean device
                raise ReelbotError("job.out_of_memory") from exc
            log.exception("pipeline error")
            raise ReelbotError("job.pipeline_error", error=f"{type(exc).__name__}: {exc}"[:300]) from exc

    async def _give_back(self, delivery: Delivery, exc: BaseException) -> None:
        """A fault, not the job's: it waits as ``queued`` and its message goes back to the queue
        without using up a delivery (best effort: Redis or the database may be the fault)."""
        with contextlib.suppress(Exception):
            await self.queue.record_error(delivery, f"{type(exc).__name__}: {exc}")
        with contextlib.suppress(Exception):
            await self.parts.run_db(job_repo.requeue, job_id=delivery.job_id)
        with contextlib.suppress(Exception):
            await self.queue.release(self.name, delivery, count_attempt=False)

    async def progress(self, event: JobEvent) -> None:
        with contextlib.suppress(Exception):  # progress is a hint; never fail a job over it
            await self.parts.run_db(
                job_repo.record_progress, job_id=event.job_id, step=event.step, total_steps=event.total_steps
            )
            await self.parts.publish(event)

    async def _heartbeat(self, delivery: Delivery, lost: asyncio.Event) -> None:
        """Keep our claim fresh; set ``lost`` if another worker has taken the message over."""
        while True:
            await asyncio.sleep(self.settings.queue.heartbeat_s)
            with contextlib.suppress(*TRANSIENT_ERRORS):
                if not await self.queue.heartbeat(self.name, delivery):
                    lost.set()
                    return

    async def _cancelled(self, job_id: uuid.UUID, request: GenerationRequest, delivery: Delivery) -> None:
        # Only the process that moves the job to cancelled tells the chat (the service may have).
        if await self.parts.run_db(job_repo.mark_cancelled, job_id=job_id):
            for media_key in stages.media_keys_for(job_id):  # what a killed attempt may have left
                await asyncio.to_thread(self.parts.media.delete, media_key)
            self.parts.observer.observe_job_state("cancelled")
            await self.parts.publish(JobEvent(kind=EventKind.CANCELLED, job_id=job_id, origin=request.origin))
        await self.queue.ack(delivery)

    async def _fail_and_ack(self, job_id: uuid.UUID, delivery: Delivery, key: str, /, **details: Any) -> None:
        await self._fail(job_id, key, **details)
        await self.queue.ack(delivery)

    async def _fail(self, job_id: uuid.UUID, key: str, /, **details: Any) -> None:
        job = await self.parts.run_db(job_repo.get_job, job_id=job_id)
        if job is None:
            await self.tasks.fail(job_id, key, **details)  # a dead-lettered task, if it is one
            return
        detail = json.dumps(details, ensure_ascii=False, default=str) if details else None
        if not await self.parts.run_db(
            job_repo.mark_failed, job_id=job_id, error_key=key, error_detail=detail
        ):
            return  # already finished (e.g. done by a worker presumed dead): say nothing more
        for media_key in stages.media_keys_for(job_id):  # files a killed attempt may have left
            await asyncio.to_thread(self.parts.media.delete, media_key)
        self.parts.observer.observe_job_state("failed")
        self.parts.observer.observe_failure(key)
        request = GenerationRequest.model_validate_json(job.request_json)
        await self.parts.publish(
            JobEvent(
                kind=EventKind.FAILED,
                job_id=job_id,
                origin=request.origin,
                error_key=key,
                error_detail=detail,
            )
        )
