"""Worker tasks from the application: store a task row, then put its id on the jobs queue.

Why the same queue: a task's id is as opaque to the queue as a job's, so tasks get every
guarantee clip jobs have — acked only after the result is stored, reclaimed from a dead
worker, dead-lettered after ``max_deliveries`` — without a second transport. The order is the
job's: the row first (idempotent by its key), then the enqueue; a refused enqueue removes the
row, and a crash in between is healed by :func:`reconcile_tasks` (every worker runs the
service's reconcile step).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from reelbot.app.intake import check_idempotency_key, check_origin
from reelbot.domain.errors import Forbidden, InvalidRequest, LimitReached, NotFound
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.types import JobState, Origin, short_id
from reelbot.queue.errors import PendingCapReached
from reelbot.queue.keys import Lane
from reelbot.storage import tasks as task_repo

if TYPE_CHECKING:
    from reelbot.app.limits import Reservation
    from reelbot.app.service import ReelbotService

log = logging.getLogger(__name__)

#: The cap for tasks the application itself starts (a draft once its shots are done): never refused.
NO_CAP = 10**6


@dataclass(frozen=True)
class TaskView:
    """A stored task as the bots and the application read it."""

    id: uuid.UUID
    kind: str
    state: JobState
    origin: Origin
    clip_id: uuid.UUID | None
    payload: Mapping[str, Any]
    result: Mapping[str, Any] | None
    error_key: str | None
    error_detail: str | None
    step: int | None
    total_steps: int | None
    created_at: datetime

    @classmethod
    def of(cls, task: Any) -> TaskView:
        return cls(
            id=task.id,
            kind=task.kind,
            state=JobState(task.state),
            origin=task_repo.task_origin(task),
            clip_id=task.clip_id,
            payload=dict(task.payload_json or {}),
            result=dict(task.result_json) if task.result_json is not None else None,
            error_key=task.error_key,
            error_detail=task.error_detail,
            step=task.step,
            total_steps=task.total_steps,
            created_at=task.created_at,
        )


@dataclass(frozen=True)
class TaskTicket:
    task_id: uuid.UUID
    state: JobState
    position: int | None
    duplicate: bool


async def submit_task(
    service: ReelbotService,
    kind: str,
    payload: Mapping[str, Any],
    origin: Origin,
    *,
    idempotency_key: str,
    clip_id: uuid.UUID | None = None,
    max_pending: int | None = None,
    lane: Lane = Lane.FAST,
    task_id: uuid.UUID | None = None,
) -> TaskTicket:
    """Store and enqueue one task; the same key twice answers with the first task.

    ``max_pending`` defaults to the person's pending cap (tasks count with their jobs); a
    refusal stores nothing (``queue.user_pending_cap``). A ``task_id`` reserved against the
    quotas first (:func:`reelbot.app.task_costs.reserve_task`) takes its reservation's
    estimate and lane (relaxed past a fast quota) onto the row; every refusal — and a
    duplicate, whose first task holds its own — gives that reservation back.
    """
    check_idempotency_key(idempotency_key)
    check_origin(origin)
    held = await service.limits.held(task_id) if task_id is not None else None
    try:
        return await _store_and_enqueue(
            service, kind, payload, origin, idempotency_key, clip_id, max_pending, lane, task_id, held
        )
    except BaseException:
        if held is not None and task_id is not None:
            await service.limits.release(task_id)
        raise


async def _store_and_enqueue(
    service: ReelbotService,
    kind: str,
    payload: Mapping[str, Any],
    origin: Origin,
    idempotency_key: str,
    clip_id: uuid.UUID | None,
    max_pending: int | None,
    lane: Lane,
    task_id: uuid.UUID | None,
    held: Reservation | None,
) -> TaskTicket:
    """The body of :func:`submit_task`: row (idempotent by key), then the queue."""
    if held is not None and held.lane is Lane.RELAXED:
        lane = Lane.RELAXED
    task, created = await service.run_db(
        task_repo.create_or_get_task,
        kind=kind,
        payload=payload,
        origin=origin,
        idempotency_key=idempotency_key,
        clip_id=clip_id,
        lane=lane.value,
        task_id=task_id,
        estimate_s=held.estimate_s if held is not None else None,
    )
    if not created:
        if held is not None and task_id is not None and task_id != task.id:
            await service.limits.release(task_id)  # the first task holds its own reservation
        return await _ticket(service, task, duplicate=True)
    cap = service.settings.limits.max_pending_jobs_per_user if max_pending is None else max_pending
    try:
        result = await service.queue.enqueue(
            task.id, idempotency_key=idempotency_key, user_key=origin.user_key, max_pending=cap, lane=lane
        )
    except PendingCapReached as exc:
        await service.run_db(task_repo.delete_task, task_id=task.id)
        raise LimitReached("queue.user_pending_cap", count=exc.count, limit=exc.limit) from exc
    except BaseException:
        log.exception("enqueue failed; removing task %s", task.id)
        await service.run_db(task_repo.delete_task, task_id=task.id)
        raise
    if result.job_id != task.id:  # Redis knows this key for another id: that one is the answer
        await service.run_db(task_repo.delete_task, task_id=task.id)
        if held is not None:
            await service.limits.release(task.id)
        other = await service.run_db(task_repo.get_task, task_id=result.job_id)
        if other is None:
            raise NotFound("job.not_found", job_id=str(result.job_id))
        return await _ticket(service, other, duplicate=True)
    return TaskTicket(task.id, JobState.QUEUED, await service.queue.position(task.id), duplicate=False)


async def _ticket(service: ReelbotService, task: Any, *, duplicate: bool) -> TaskTicket:
    state = JobState(task.state)
    position = await service.queue.position(task.id) if state is JobState.QUEUED else None
    return TaskTicket(task.id, state, position, duplicate)


async def task_view(service: ReelbotService, task_id: uuid.UUID) -> TaskView:
    task = await service.run_db(task_repo.get_task, task_id=task_id)
    if task is None:
        raise NotFound("job.not_found", job_id=str(task_id)[:8])
    return TaskView.of(task)


async def task_by_key(service: ReelbotService, idempotency_key: str) -> TaskView | None:
    task = await service.run_db(task_repo.get_task_by_key, idempotency_key=idempotency_key)
    return TaskView.of(task) if task is not None else None


async def active_tasks(service: ReelbotService, origin: Origin) -> list[TaskView]:
    """``origin``'s person's unfinished tasks (music, finish, drafts), newest first."""
    tasks = await service.run_db(task_repo.active_tasks_for, user_key=origin.user_key)
    return [TaskView.of(task) for task in tasks]


async def cancel_task(service: ReelbotService, task_id: uuid.UUID, *, by: Origin) -> TaskView:
    """Cancel a task of ``by``'s own that has not finished, as :meth:`ReelbotService.cancel`
    does a job: a waiting one leaves the queue and is cancelled here; a running one gets the
    queue's cancel flag, and its worker drops what it wrote instead of storing the result."""
    view = await task_view(service, task_id)
    if view.origin.user_key != by.user_key:
        raise Forbidden("job.not_yours", job_id=str(task_id))
    if view.state.finished:
        raise InvalidRequest("job.not_cancellable", job_id=short_id(task_id), state=view.state.term)
    removed = await service.queue.cancel(task_id)
    if (removed or view.state is not JobState.RUNNING) and await service.run_db(
        task_repo.mark_cancelled, task_id=task_id
    ):
        await service.events(view.origin.platform).publish(
            JobEvent(kind=EventKind.CANCELLED, job_id=task_id, origin=view.origin, task=view.kind)
        )
    return await task_view(service, task_id)


async def cancel_work(service: ReelbotService, work_id: uuid.UUID, *, by: Origin) -> tuple[str, JobState]:
    """Cancel a clip job or a task, whichever ``work_id`` names (both ride the queue under
    opaque ids, so a person holding one id need not know which it is): ``("job", state)`` or
    ``(task kind, state)``, the state after the cancel (``running``: it stops at its next
    boundary). Unknown to both tables: ``job.not_found``."""
    task = await service.run_db(task_repo.get_task, task_id=work_id)
    if task is None:
        return "job", (await service.cancel(work_id, by=by)).state
    return task.kind, (await cancel_task(service, work_id, by=by)).state


async def reconcile_tasks(service: ReelbotService, *, older_than_s: float = 30.0) -> int:
    """Enqueue ``queued`` tasks that have no queue message (idempotent by their key)."""
    tasks = await service.run_db(task_repo.queued_tasks_older_than, seconds=older_than_s)
    requeued = 0
    for task in tasks:
        result = await service.queue.enqueue(
            task.id,
            idempotency_key=task.idempotency_key,
            user_key=task.user_key,
            max_pending=NO_CAP,  # accepted once already: never refuse it now
            lane=task.lane,
        )
        requeued += not result.duplicate
    if requeued:
        log.warning("re-enqueued %d queued tasks that had no queue message", requeued)
    return requeued
