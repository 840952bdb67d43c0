"""Tasks: worker work that is not a clip render, from stored to done exactly once.

A task row is what the queue's opaque id points at when it is not a job (the worker looks
in both tables). States are the job states (queued → running → done | failed | cancelled)
and every change is a conditional ``UPDATE … WHERE state IN (…)`` that reports whether it
happened (:mod:`reelbot.storage.transitions`, shared with :mod:`reelbot.storage.jobs`): two
workers racing on one redelivered task never both record a result. The caller owns the
transaction; these functions only flush.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, col, select

from reelbot.domain.types import JobState, Origin
from reelbot.storage import transitions
from reelbot.storage.models import Task

ACTIVE_STATES: tuple[JobState, ...] = (JobState.QUEUED, JobState.RUNNING)


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

    def write() -> None:
        session.add(task)
        session.flush()

    winner = transitions.insert_unless_raced(session, Task, idempotency_key, write)
    return (task, True) if winner is None else (winner, False)


def get_task(*, session: Session, task_id: uuid.UUID) -> Task | None:
    return session.get(Task, task_id, populate_existing=True)


def get_task_by_key(*, session: Session, idempotency_key: str) -> Task | None:
    return transitions.by_idempotency_key(session, Task, idempotency_key)


def task_origin(task: Task) -> Origin:
    return Origin.model_validate_json(task.origin_json)


def mark_running(
    *, session: Session, task_id: uuid.UUID, worker: str | None = None, reclaim: bool = False
) -> bool:
    """queued → running (attempts + 1); ``reclaim`` also takes over a dead worker's running task."""
    return transitions.start(session, Task, task_id, worker=worker, reclaim=reclaim)


def record_progress(*, session: Session, task_id: uuid.UUID, step: int, total_steps: int) -> bool:
    return transitions.record_progress(session, Task, task_id, step, total_steps)


def requeue(*, session: Session, task_id: uuid.UUID) -> bool:
    """running → queued: a worker gives the task back (a fault that is not the task's)."""
    return transitions.requeue(session, Task, task_id)


def mark_done(*, session: Session, task_id: uuid.UUID, result: Mapping[str, Any]) -> bool:
    """→ done with its result, only if not done (nor cancelled) yet: False when another worker won.

    A task failed by a worker presumed dead may still be completed by it (nothing is thrown away).
    """
    return transitions.finish(session, Task, task_id, result_json=dict(result))


def mark_failed(
    *, session: Session, task_id: uuid.UUID, error_key: str, error_detail: str | None = None
) -> bool:
    """→ failed with a message key (and its fields as JSON), unless already finished."""
    return transitions.fail(
        session, Task, task_id, ACTIVE_STATES, error_key=error_key, error_detail=error_detail
    )


def mark_cancelled(*, session: Session, task_id: uuid.UUID) -> bool:
    """queued/running → cancelled (False when it had finished or was cancelled already)."""
    return transitions.cancel(session, Task, task_id, ACTIVE_STATES)


def delete_task(*, session: Session, task_id: uuid.UUID) -> bool:
    """Remove a task that never reached the queue (its enqueue was refused)."""
    task = session.get(Task, task_id)
    if task is None or task.state is not JobState.QUEUED:
        return False
    session.delete(task)
    session.flush()
    return True


def active_tasks_for(*, session: Session, user_key: str, limit: int = 20) -> list[Task]:
    """A person's tasks that are queued or running, newest first (the state index narrows it)."""
    statement = (
        select(Task)
        .where(col(Task.state).in_((JobState.QUEUED, JobState.RUNNING)), Task.user_key == user_key)
        .order_by(col(Task.created_at).desc())
        .limit(limit)
    )
    return list(session.exec(statement))


def queued_tasks_older_than(*, session: Session, seconds: float, limit: int = 500) -> list[Task]:
    """Tasks still queued after ``seconds``, oldest first (their message may have been lost)."""
    return transitions.queued_older_than(session, Task, seconds, limit)


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
