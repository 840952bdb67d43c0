"""The queue worker: claim a job, render it, store the clip, and only then acknowledge.

Guarantees, and where they come from:

* A job is never lost: the message stays pending until :meth:`JobQueue.ack`, which runs after
  the clip is recorded. A worker that dies leaves it pending; another worker reclaims it
  after ``queue.reclaim_idle_ms`` (a live worker heartbeats to keep its claim).
* A job is done exactly once: :func:`storage.jobs.mark_done` records the clip only if the job
  is not done yet; a worker that loses that race deletes its own files. A redelivered job
  that is already finished is acknowledged without rendering.
* A job that fails for a reason of its own (bad input, pipeline error, out of memory) is
  marked failed at once with a clear reason; only unexpected infrastructure errors (Redis,
  database) leave it pending for a retry, up to ``queue.max_deliveries`` — then it goes to
  the dead-letter stream and the user is told.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import socket
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import redis.exceptions
import sqlalchemy.exc

from reelbot.app.service import ReelbotService
from reelbot.domain.errors import ReelbotError
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.images import open_image
from reelbot.domain.types import GenerationRequest, JobState, ReferenceRole, RemixKind
from reelbot.generator.cache import EngineCache, detect_device
from reelbot.generator.encode import decode_frames, encode_mp4, write_thumbnail
from reelbot.generator.provenance import ClipCredentials, apply_watermark, sign_clip, signing_configured
from reelbot.generator.runner import Rendered, plan_for, render_request
from reelbot.ops import metrics
from reelbot.ops.logs import job_context
from reelbot.queue.streams import Delivery
from reelbot.storage import assets as asset_repo
from reelbot.storage import clips as clip_repo
from reelbot.storage import jobs as job_repo
from reelbot.storage.db import session_scope

log = logging.getLogger(__name__)

PROGRESS_MIN_INTERVAL_S = 0.5  # progress events are hints; don't flood the events stream
RECONCILE_EVERY_S = 60.0  # re-enqueue jobs whose message was lost (see ReelbotService.reconcile)
#: Failures of the infrastructure, not of the job: the message stays pending for a retry.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionError,
    TimeoutError,
    redis.exceptions.RedisError,
    sqlalchemy.exc.OperationalError,
)


class JobTakenOver(Exception):
    """Our claim on the message was lost (we were presumed dead and another worker has it)."""


C2PA_HEADROOM_BYTES = 32 * 1024  # a test-CA manifest measured ~3.5 KiB; real chains are longer


class Worker:
    """One worker process's loop. ``burst=True`` stops when the queue is empty (tests, demo)."""

    def __init__(
        self,
        service: ReelbotService,
        *,
        name: str | None = None,
        burst: bool = False,
        cache: EngineCache | None = None,
    ) -> None:
        self.service = service
        self.settings = service.settings
        self.name = name or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.burst = burst
        self.cache = cache or EngineCache(detect_device(self.settings))
        self.stopping = asyncio.Event()
        self.jobs_done = 0
        # A C2PA manifest adds a few KiB after encoding: leave room so a signed clip still
        # fits the upload cap (Discord's 10 MiB by default).
        encode = self.settings.encode
        if signing_configured(self.settings.provenance):
            budget = max(encode.max_bytes // 2, encode.max_bytes - C2PA_HEADROOM_BYTES)
            encode = encode.model_copy(update={"max_bytes": budget})
        self._encode_settings = encode

    def stop(self) -> None:
        """Stop claiming; the current job finishes (SIGTERM handler calls this)."""
        self.stopping.set()

    async def run(self) -> None:
        await self.service.queue.ensure_groups()
        # Half-written files of a killed process (temp names never become visible media).
        await asyncio.to_thread(self.service.media.sweep_temp_files)
        await self.service.reconcile()
        last_reconcile = time.monotonic()
        log.info("worker %s started", self.name)
        while not self.stopping.is_set():
            if time.monotonic() - last_reconcile > RECONCILE_EVERY_S:
                with contextlib.suppress(*TRANSIENT_ERRORS):
                    await self.service.reconcile()
                last_reconcile = time.monotonic()
            claimed = await self.service.queue.claim(
                self.name, count=1, block_ms=self.settings.queue.block_ms if not self.burst else 200
            )
            for dead in claimed.dead:
                metrics.observe_dead_letter()
                await self._fail(dead.job_id, "job.failed_retries", attempts=dead.attempt, error=dead.error)
            for delivery in claimed.deliveries:
                with job_context(delivery.job_id):  # every log line of this job carries its id
                    await self.process(delivery)
            if self.burst and not claimed.deliveries and not claimed.dead:
                depth = await self.service.queue.depth()
                if not any(lane.get("waiting", 0) for lane in depth.values()):
                    break
        log.info("worker %s stopped after %d jobs", self.name, self.jobs_done)

    async def process(self, delivery: Delivery) -> None:
        """Handle one claimed message end to end."""
        job_id = delivery.job_id
        job = await self.service.run_db(job_repo.get_job, job_id=job_id)
        if job is None:
            log.warning("job %s has a queue message but no row; dropping the message", job_id)
            await self.service.queue.ack(delivery)
            return
        if JobState(job.state).finished:
            # Redelivery of a job that already finished (or was cancelled): never render twice.
            await self.service.queue.ack(delivery)
            return
        request = GenerationRequest.model_validate_json(job.request_json)
        if await self.service.queue.is_cancelled(job_id):
            await self._cancelled(job_id, request, delivery)
            return
        if not await self.service.run_db(
            job_repo.mark_running, job_id=job_id, worker=self.name, reclaim=delivery.attempt > 1
        ):
            await self.service.queue.ack(delivery)
            return
        events = self.service.events(request.origin.platform)
        await events.publish(JobEvent(kind=EventKind.STARTED, job_id=job_id, origin=request.origin))
        metrics.observe_job_started(job.preset, time.time() - job.created_at.timestamp())
        lost = asyncio.Event()
        heartbeat = asyncio.create_task(self._heartbeat(delivery, lost))
        try:
            await self._render_and_store(job, request, delivery, lost)
        except ReelbotError as exc:
            if exc.key == "job.interrupted":
                await self._cancelled(job_id, request, delivery)
            else:
                await self._fail(job_id, exc.key, **exc.details)
                await self.service.queue.ack(delivery)
        except TRANSIENT_ERRORS as exc:
            # Infrastructure trouble: leave the message pending; another try (here or on another
            # worker) reclaims it, up to queue.max_deliveries, then it is dead-lettered.
            log.exception("job %s: transient failure, leaving it for a retry", job_id)
            with contextlib.suppress(Exception):
                await self.service.queue.record_error(delivery, f"{type(exc).__name__}: {exc}")
        except JobTakenOver:
            log.warning("job %s was reclaimed by another worker; dropping this render", job_id)
        except Exception:
            # A bug of ours (encode, stitch, storage code): fail this job with the id quoted to the
            # user, keep the worker serving the others.
            log.exception("job %s: unexpected error", job_id)
            await self._fail(job_id, "error.internal", job_id=str(job_id)[:8])
            await self.service.queue.ack(delivery)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    async def _render_and_store(
        self, job: Any, request: GenerationRequest, delivery: Delivery, lost: asyncio.Event
    ) -> None:
        loop = asyncio.get_running_loop()
        job_id = job.id
        events = self.service.events(request.origin.platform)
        timings: dict[str, float] = {"queue_wait": max(0.0, time.time() - job.created_at.timestamp())}
        references, context, context_fps = await asyncio.to_thread(self._load_inputs, request)
        cancelled = False
        last_sent = 0.0
        step_times: list[float] = []

        async def poll_cancel() -> None:
            nonlocal cancelled
            while not cancelled:
                cancelled = await self.service.queue.is_cancelled(job_id)
                await asyncio.sleep(1.0)

        def on_step(step: int, total: int) -> bool:
            nonlocal last_sent
            now = time.monotonic()
            step_times.append(now)
            if step == total or now - last_sent >= PROGRESS_MIN_INTERVAL_S:
                last_sent = now
                event = JobEvent(
                    kind=EventKind.PROGRESS,
                    job_id=job_id,
                    origin=request.origin,
                    step=step,
                    total_steps=total,
                )
                asyncio.run_coroutine_threadsafe(self._progress(event), loop)
            return not (cancelled or lost.is_set())

        def render() -> tuple[Rendered, float]:
            started = time.monotonic()
            preset, _ = plan_for(request, self.settings)
            self.cache.get(preset)  # load once; later jobs find it warm
            timings["load"] = time.monotonic() - started
            rendered = render_request(
                request,
                references,
                settings=self.settings,
                cache=self.cache,
                on_step=on_step,
                context_frames=context[-1:] if context is not None else None,
            )
            return rendered, started

        poller = asyncio.create_task(poll_cancel())
        try:
            rendered, render_started = await asyncio.to_thread(self._guard_pipeline, render)
        except ReelbotError as exc:
            if exc.key == "job.interrupted" and lost.is_set():
                raise JobTakenOver from exc  # stopped for the other worker, not cancelled
            raise
        finally:
            poller.cancel()
        render_done = time.monotonic()
        last_step = step_times[-1] if step_times else render_done
        timings["denoise"] = last_step - (render_started + timings["load"])
        timings["decode"] = render_done - last_step
        gpu_seconds = render_done - render_started

        frames = rendered.frames
        if context is not None:
            from reelbot.generator.stitch import stitch

            frames = stitch(
                context,
                frames,
                fps=context_fps,
                continuation_fps=rendered.plan.fps,
                max_total_seconds=self.settings.limits.max_total_seconds,
            )

        frames = apply_watermark(frames, self.settings.provenance)  # no-op unless configured
        started = time.monotonic()
        clip_id = uuid.uuid4()
        video_key, thumb_key = f"clips/{clip_id}.mp4", f"thumbs/{clip_id}.jpg"
        with tempfile.TemporaryDirectory(dir=self.settings.data_dir) as tmp:
            tmp_video = Path(tmp) / "clip.mp4"
            tmp_thumb = Path(tmp) / "thumb.jpg"
            encoded = await asyncio.to_thread(
                encode_mp4,
                frames,
                rendered.plan.fps,
                tmp_video,
                self._encode_settings,
                title=request.prompt[:200],
            )
            await asyncio.to_thread(
                write_thumbnail, frames[0], tmp_thumb, self.settings.encode.thumbnail_width
            )
            # C2PA content credentials (when a certificate is configured): AI-generated, by reelbot.
            credentials = ClipCredentials(
                job_id=str(job_id),
                preset=request.preset,
                seed=request.seed,
                parent_clip_id=str(request.parent_clip_id) if request.parent_clip_id else None,
            )
            if await asyncio.to_thread(sign_clip, tmp_video, self.settings.provenance, credentials):
                encoded = dataclasses.replace(encoded, size_bytes=tmp_video.stat().st_size)
            timings["encode"] = time.monotonic() - started
            started = time.monotonic()
            await asyncio.to_thread(self.service.media.put_file, video_key, tmp_video)
            await asyncio.to_thread(self.service.media.put_file, thumb_key, tmp_thumb)
        clip = await self.service.run_db(
            job_repo.mark_done,
            job_id=job_id,
            clip_id=clip_id,
            video_key=video_key,
            thumbnail_key=thumb_key,
            size_bytes=encoded.size_bytes,
            width=int(frames.shape[2]),
            height=int(frames.shape[1]),
            fps=rendered.plan.fps,
            num_frames=int(frames.shape[0]),
            duration_s=frames.shape[0] / rendered.plan.fps,
            gpu_seconds=gpu_seconds,
        )
        timings["store"] = time.monotonic() - started
        if clip is None:
            # Another worker finished this job first (we were presumed dead): keep its clip.
            log.warning("job %s was finished by another worker; discarding this render", job_id)
            self.service.media.delete(video_key)
            self.service.media.delete(thumb_key)
        else:
            self.jobs_done += 1
            await events.publish(
                JobEvent(
                    kind=EventKind.DONE,
                    job_id=job_id,
                    origin=request.origin,
                    clip_id=clip.id,
                    timings=timings,
                )
            )
            render_s = sum(v for k, v in timings.items() if k != "queue_wait")
            metrics.observe_job_finished(job.preset, "done", render_s=render_s, gpu_s=gpu_seconds)
            for stage, seconds in timings.items():
                metrics.observe_stage(stage, job.preset, seconds)
        await self.service.queue.ack(delivery)
        log.info("job %s done in %.2fs (%s)", job_id, sum(timings.values()), timings)

    def _guard_pipeline(self, render: Any) -> Any:
        """Run ``render``, turning model failures into a failed job with a readable reason."""
        try:
            return render()
        except ReelbotError:
            raise
        except Exception as exc:
            if type(exc).__name__ == "OutOfMemoryError" or "out of memory" in str(exc).lower():
                self.cache.clear()  # drop warm engines: the next job loads into a clean device
                raise ReelbotError("job.out_of_memory") from exc
            log.exception("pipeline error")
            raise ReelbotError("job.pipeline_error", error=f"{type(exc).__name__}: {exc}"[:300]) from exc

    def _load_inputs(self, request: GenerationRequest) -> tuple[dict[ReferenceRole, Any], Any, int | None]:
        """Reference images by role, and for an extension the parent clip's frames and fps."""
        references: dict[ReferenceRole, Any] = {}
        with session_scope(self.service.db) as session:
            for ref in request.references:
                asset = asset_repo.get_asset(session=session, sha256=ref.sha256)
                if asset is None:
                    raise ReelbotError("image.not_an_image")
                key = asset.storage_key
                if not self.service.media.exists(key):
                    raise ReelbotError("image.missing")
                references.setdefault(ref.role, open_image(self.service.media.read_bytes(key)))
            context, context_fps = None, None
            if request.remix_kind is RemixKind.EXTEND and request.parent_clip_id is not None:
                parent = clip_repo.get_clip(session=session, clip_id=request.parent_clip_id)
                if (
                    parent is None
                    or parent.video_key is None
                    or not self.service.media.exists(parent.video_key)
                ):
                    raise ReelbotError("clip.not_found")
                context = decode_frames(self.service.media.path(parent.video_key))
                context_fps = parent.fps
        return references, context, context_fps

    async def _progress(self, event: JobEvent) -> None:
        with contextlib.suppress(Exception):  # progress is a hint; never fail a job over it
            await self.service.run_db(
                job_repo.record_progress, job_id=event.job_id, step=event.step, total_steps=event.total_steps
            )
            await self.service.events(event.origin.platform).publish(event)

    async def _heartbeat(self, delivery: Delivery, lost: asyncio.Event) -> None:
        """Keep our claim fresh; set ``lost`` if another worker has taken the message over."""
        while True:
            await asyncio.sleep(self.settings.queue.heartbeat_s)
            with contextlib.suppress(*TRANSIENT_ERRORS):
                if not await self.service.queue.heartbeat(self.name, delivery):
                    lost.set()
                    return

    async def _cancelled(self, job_id: uuid.UUID, request: GenerationRequest, delivery: Delivery) -> None:
        # Only the process that moves the job to cancelled tells the chat (the service may have).
        if await self.service.run_db(job_repo.mark_cancelled, job_id=job_id):
            metrics.observe_job_state("cancelled")
            await self.service.events(request.origin.platform).publish(
                JobEvent(kind=EventKind.CANCELLED, job_id=job_id, origin=request.origin)
            )
        await self.service.queue.ack(delivery)

    async def _fail(self, job_id: uuid.UUID, key: str, /, **details: Any) -> None:
        job = await self.service.run_db(job_repo.get_job, job_id=job_id)
        if job is None:
            return
        detail = json.dumps(details, ensure_ascii=False, default=str) if details else None
        if not await self.service.run_db(
            job_repo.mark_failed, job_id=job_id, error_key=key, error_detail=detail
        ):
            return  # already finished (e.g. done by a worker presumed dead): say nothing more
        metrics.observe_job_state("failed")
        metrics.observe_failure(key)
        request = GenerationRequest.model_validate_json(job.request_json)
        await self.service.events(request.origin.platform).publish(
            JobEvent(
                kind=EventKind.FAILED,
                job_id=job_id,
                origin=request.origin,
                error_key=key,
                error_detail=detail,
            )
        )
