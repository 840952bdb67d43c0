"""Tasks: worker work that is not a clip render, from stored to done exactly once.

A task row is what the queue's opaque id points at when it is not a job (the worker looks
in both tables). States are the job states (queued → running → done | failed | cancelled)
and every change is a conditional ``UPDATE … WHERE state IN (…)`` that reports whether it
happened, as in :mod:`reelbot.storage.jobs`: two workers racing on one redelivered task
never both record a result. The caller owns the transaction; these functions only flush.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from reelbot.domain.types import JobState, Origin
from reelbot.storage.models import Task, utcnow

ACTIVE_STATES: tuple[JobState, ...] = (JobState.QUEUED, JobState.RUNNING)
#: A task failed by a worker presumed dead may still be completed by it (nothing is thrown away).
DONE_FROM: tuple[JobState, ...] = (JobState.QUEUED, JobState.RUNNING, JobState.FAILED)


def stored_origin_json(origin: Origin) -> str:
    """The origin as stored: without the platform's short-lived interaction token."""
    return origin.model_copy(update={"interaction_token": None}).model_dump_json()


def create_or_get_task(
    *,
    session: Session,
    kind: str,
    payload: Mapping[str, Any],
    origin: Origin,
    idempotency_key: str,
    clip_id: uuid.UUID | None = None,
    lane: str = "fast",
    task_id: uuid.UUID | None = None,
) -> tuple[Task, bool]:
    """``(task, created)``: a new queued task, or the one stored earlier under the same key."""
    if not kind or len(kind) > 32:
        raise ValueError(f"task kind must be 1-32 characters, got {kind!r}")
    existing = get_task_by_key(session=session, idempotency_key=idempotency_key)
    if existing is not None:
        return existing, False
    task = Task(
        id=task_id or uuid.uuid4(),
        kind=kind,
        idempotency_key=idempotency_key,
        lane=lane,
        platform=origin.platform,
        user_key=origin.user_key,
        origin_json=stored_origin_json(origin),
        clip_id=clip_id,
        payload_json=dict(payload),
    )
    try:
        with session.begin_nested():
            session.add(task)
            session.flush()
    except IntegrityError:
        existing = get_task_by_key(session=session, idempotency_key=idempotency_key)
        if existing is None:
            raise
        return existing, False
    return task, True


def get_task(*, session: Session, task_id: uuid.UUID) -> Task | None:
    return session.get(Task, task_id, populate_existing=True)


def get_task_by_key(*, session: Session, idempotency_key: str) -> Task | None:
    return session.exec(select(Task).where(Task.idempotency_key == idempotency_key)).first()


def task_origin(task: Task) -> Origin:
    return Origin.model_validate_json(task.origin_json)


def _transition(session: Session, task_id: uuid.UUID, from_states: Iterable[JobState], **values: Any) -> bool:
    statement = (
        update(Task)
        .where(col(Task.id) == task_id, col(Task.state).in_(list(from_states)))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    changed = session.exec(statement).rowcount == 1
    held = session.identity_map.get(session.identity_key(Task, task_id))
    if held is not None:
        session.refresh(held)
    return changed


def mark_running(
    *, session: Session, task_id: uuid.UUID, worker: str | None = None, reclaim: bool = False
) -> bool:
    """queued → running (attempts + 1); ``reclaim`` also takes over a dead worker's running task."""
    from_states = (JobState.QUEUED, JobState.RUNNING) if reclaim else (JobState.QUEUED,)
    return _transition(
        session,
        task_id,
        from_states,
        state=JobState.RUNNING,
        started_at=utcnow(),
        attempts=Task.attempts + 1,
        worker=worker,
        step=None,
        total_steps=None,
    )


def record_progress(*, session: Session, task_id: uuid.UUID, step: int, total_steps: int) -> bool:
    if not 0 <= step <= total_steps:
        raise ValueError(f"step must be within 0..total_steps, got {step}/{total_steps}")
    return _transition(session, task_id, (JobState.RUNNING,), step=step, total_steps=total_steps)


def requeue(*, session: Session, task_id: uuid.UUID) -> bool:
    """running → queued: a worker gives the task back (a fault that is not the task's)."""
    return _transition(
        session, task_id, (JobState.RUNNING,), state=JobState.QUEUED, step=None, total_steps=None
    )


def mark_done(*, session: Session, task_id: uuid.UUID, result: Mapping[str, Any]) -> bool:
    """→ done with its result, only if not done (nor cancelled) yet: False when another worker won."""
    return _transition(
        session,
        task_id,
        DONE_FROM,
        state=JobState.DONE,
        result_json=dict(result),
        finished_at=utcnow(),
        error_key=None,
        error_detail=None,
    )


def mark_failed(
    *, session: Session, task_id: uuid.UUID, error_key: str, error_detail: str | None = None
) -> bool:
    """→ failed with a message key (and its fields as JSON), unless already finished."""
    return _transition(
        session,
        task_id,
        ACTIVE_STATES,
        state=JobState.FAILED,
        finished_at=utcnow(),
        error_key=error_key,
        error_detail=error_detail[:4000] if error_detail else error_detail,
    )


def mark_cancelled(*, session: Session, task_id: uuid.UUID) -> bool:
    """queued/running → cancelled (False when it had finished or was cancelled already)."""
    return _transition(session, task_id, ACTIVE_STATES, state=JobState.CANCELLED, finished_at=utcnow())


def delete_task(*, session: Session, task_id: uuid.UUID) -> bool:
    """Remove a task that never reached the queue (its enqueue was refused)."""
    task = session.get(Task, task_id)
    if task is None or task.state is not JobState.QUEUED:
        return False
    session.delete(task)
    session.flush()
    return True


def queued_tasks_older_than(*, session: Session, seconds: float, limit: int = 500) -> list[Task]:
    """Tasks still queued after ``seconds``, oldest first (their message may have been lost)."""
    cutoff = utcnow() - timedelta(seconds=seconds)
    statement = (
        select(Task)
        .where(Task.state == JobState.QUEUED, col(Task.created_at) < cutoff)
        .order_by(col(Task.created_at))
        .limit(limit)
    )
    return list(session.exec(statement))


def finished_variants(*, session: Session, clip_id: uuid.UUID, kind: str = "finish") -> list[Task]:
    """A clip's done tasks of ``kind`` (its finished variants), newest first."""
    statement = (
        select(Task)
        .where(Task.clip_id == clip_id, Task.kind == kind, Task.state == JobState.DONE)
        .order_by(col(Task.finished_at).desc())
    )
    return list(session.exec(statement))


#: Result fields of a task that name media files derived from its clip.
RESULT_MEDIA_FIELDS = ("video_key", "srt_key")


def variant_media_keys(*, session: Session, clip_id: uuid.UUID) -> list[str]:
    """The media keys of every task result derived from ``clip_id`` (its finished variants):
    deleting the clip deletes them too."""
    statement = select(Task).where(Task.clip_id == clip_id, Task.state == JobState.DONE)
    keys = []
    for task in session.exec(statement):
        result = task.result_json or {}
        keys += [str(result[field]) for field in RESULT_MEDIA_FIELDS if result.get(field)]
    return keys
