"""Running a task row (not a clip render) with the clip job's guarantees.

The worker claims messages without knowing what they are; :meth:`Worker.process` hands a
message whose id names a task row here. Same rules as a clip job (see ``loop.py``):

* run the kind (``kinds.run_task``) in a thread while the claim is heartbeated;
* record the result, publish ``done``, only then ack (shielded from cancellation); a
  redelivered task that is already done or failed publishes its result again and is acked —
  it never runs twice, and :func:`storage.tasks.mark_done` lets only one worker record it;
* a fault of Redis, the database or the disk gives the task back (``queued``) and the
  worker waits it out; a failure of the task's own (bad input, ffmpeg) fails it with the
  message key and its fields, and removes the files it may have written.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from typing import TYPE_CHECKING, Any

from reelbot.domain.errors import ReelbotError
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.types import JobState
from reelbot.generator.worker.faults import is_transient, shielded
from reelbot.generator.worker.kinds import outputs_of, run_task
from reelbot.queue.records import Delivery
from reelbot.storage import tasks as task_repo

if TYPE_CHECKING:
    from reelbot.generator.worker.loop import Worker

log = logging.getLogger("reelbot.generator.worker")
PROGRESS_MIN_INTERVAL_S = 0.5  # as for renders: progress is a hint, not a flood


class TaskRunner:
    """The task half of one worker (owns no loop of its own)."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.parts = worker.parts
        self.done = 0  # tasks this worker recorded as done

    async def process(self, task: Any, delivery: Delivery) -> None:
        """Handle one claimed message whose id is a task row, end to end."""
        if JobState(task.state).finished:
            await shielded(self._republish(task, delivery))
            return
        try:
            started = await self.parts.run_db(
                task_repo.mark_running,
                task_id=task.id,
                worker=self.worker.name,
                reclaim=delivery.attempt > 1,
            )
        except Exception as exc:
            if is_transient(exc):
                await self._give_back(delivery, exc)
            raise
        if not started:
            await self.worker.queue.ack(delivery)
            return
        if not await shielded(self._stop_if_cancelled(task, delivery)):
            await self._run(task, delivery)

    async def _run(self, task: Any, delivery: Delivery) -> None:
        origin = task_repo.task_origin(task)
        await self.parts.publish(
            JobEvent(kind=EventKind.STARTED, job_id=task.id, origin=origin, task=task.kind)
        )
        lost = asyncio.Event()
        heartbeat = asyncio.create_task(self.worker._heartbeat(delivery, lost))
        started = time.monotonic()
        try:
            result = await asyncio.to_thread(
                run_task,
                task.kind,
                task.payload_json,
                self.worker.settings,
                self.parts.media,
                self._reporter(task, origin),
            )
            if not await shielded(self._stop_if_cancelled(task, delivery)):
                await shielded(self._record_publish_ack(task, origin, delivery, result, started))
        except ReelbotError as exc:
            await shielded(self._fail_and_ack(task.id, delivery, exc.key, **exc.details))
        except Exception as exc:
            if is_transient(exc):
                log.warning("task %s: transient failure (%s); it waits for a retry", task.id, exc)
                await self._give_back(delivery, exc)
                raise
            log.exception("task %s (%s): unexpected error", task.id, task.kind)
            await shielded(self._fail_and_ack(task.id, delivery, "error.internal", job_id=str(task.id)[:8]))
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    def _reporter(self, task: Any, origin: Any) -> Any:
        """A progress callback for the task's thread: throttled events and a stored step."""
        loop = asyncio.get_running_loop()
        last = [0.0]

        def report(step: int, total: int) -> None:
            now = time.monotonic()
            if step != total and now - last[0] < PROGRESS_MIN_INTERVAL_S:
                return
            last[0] = now
            event = JobEvent(
                kind=EventKind.PROGRESS,
                job_id=task.id,
                origin=origin,
                step=step,
                total_steps=total,
                task=task.kind,
            )
            asyncio.run_coroutine_threadsafe(self._progress(event), loop)

        return report

    async def _progress(self, event: JobEvent) -> None:
        with contextlib.suppress(Exception):  # progress is a hint; never fail a task over it
            await self.parts.run_db(
                task_repo.record_progress,
                task_id=event.job_id,
                step=event.step or 0,
                total_steps=event.total_steps or 0,
            )
            await self.parts.publish(event)

    async def _record_publish_ack(
        self, task: Any, origin: Any, delivery: Delivery, result: dict[str, Any], started: float
    ) -> None:
        """Mark done, publish DONE, ack — in this order (a crash in between: the redelivery
        publishes the stored result again). The result keeps the measured run time (``run_s``,
        the figure a task kind's cost profile is refitted from: app/task_costs.py)."""
        seconds = time.monotonic() - started
        measured = {**result, "run_s": round(seconds, 3)}
        if await self.parts.run_db(task_repo.mark_done, task_id=task.id, result=measured):
            self.done += 1
            await self.parts.publish(
                JobEvent(
                    kind=EventKind.DONE,
                    job_id=task.id,
                    origin=origin,
                    clip_id=task.clip_id,
                    task=task.kind,
                    timings={task.kind: seconds},
                )
            )
            log.info("task %s (%s) done in %.2fs", task.id, task.kind, seconds)
        else:
            log.warning("task %s was finished by another worker; keeping its result", task.id)
        await self.worker.queue.ack(delivery)

    async def _republish(self, task: Any, delivery: Delivery) -> None:
        """Outbox: a finished task's result event from its stored state, then the ack."""
        origin = task_repo.task_origin(task)
        state = JobState(task.state)
        event: JobEvent | None = None
        if state is JobState.DONE:
            event = JobEvent(
                kind=EventKind.DONE, job_id=task.id, origin=origin, clip_id=task.clip_id, task=task.kind
            )
        elif state is JobState.FAILED:
            event = JobEvent(
                kind=EventKind.FAILED,
                job_id=task.id,
                origin=origin,
                error_key=task.error_key or "error.internal",
                error_detail=task.error_detail,
                task=task.kind,
            )
        if event is not None:
            await self.parts.publish(event)
            self.worker.republished += 1
            log.info("task %s was already %s: its result event is published again", task.id, state.value)
        await self.worker.queue.ack(delivery)

    async def _stop_if_cancelled(self, task: Any, delivery: Delivery) -> bool:
        """At a stage boundary (before the run, before storing its result): a task cancelled
        meanwhile is marked cancelled, the files it wrote are removed (nothing half-written
        stays in the media store), the chat told once, the message acked. True if it was."""
        if not await self.worker.queue.is_cancelled(task.id):
            return False
        for media_key in outputs_of(task.kind, task.payload_json or {}):
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.parts.media.delete, media_key)
        if await self.parts.run_db(task_repo.mark_cancelled, task_id=task.id):
            origin = task_repo.task_origin(task)
            await self.parts.publish(
                JobEvent(kind=EventKind.CANCELLED, job_id=task.id, origin=origin, task=task.kind)
            )
        await self.worker.queue.ack(delivery)
        return True

    async def _give_back(self, delivery: Delivery, exc: BaseException) -> None:
        with contextlib.suppress(Exception):
            await self.worker.queue.record_error(delivery, f"{type(exc).__name__}: {exc}")
        with contextlib.suppress(Exception):
            await self.parts.run_db(task_repo.requeue, task_id=delivery.job_id)
        with contextlib.suppress(Exception):
            await self.worker.queue.release(self.worker.name, delivery, count_attempt=False)

    async def _fail_and_ack(
        self, task_id: uuid.UUID, delivery: Delivery, key: str, /, **details: Any
    ) -> None:
        await self.fail(task_id, key, **details)
        await self.worker.queue.ack(delivery)

    async def fail(self, task_id: uuid.UUID, key: str, /, **details: Any) -> bool:
        """Fail the task (a reason of its own, or dead-lettered); False when it is no task row."""
        task = await self.parts.run_db(task_repo.get_task, task_id=task_id)
        if task is None:
            return False
        detail = json.dumps(details, ensure_ascii=False, default=str) if details else None
        if not await self.parts.run_db(
            task_repo.mark_failed, task_id=task_id, error_key=key, error_detail=detail
        ):
            return True  # already finished: say nothing more
        for media_key in outputs_of(task.kind, task.payload_json or {}):
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.parts.media.delete, media_key)
        self.parts.observer.observe_failure(key)
        await self.parts.publish(
            JobEvent(
                kind=EventKind.FAILED,
                job_id=task_id,
                origin=task_repo.task_origin(task),
                error_key=key,
                error_detail=detail,
                task=task.kind,
            )
        )
        return True
