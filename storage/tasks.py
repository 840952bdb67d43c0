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
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from reelbot.domain.types import JobState, Origin, Platform
from reelbot.storage import transitions
from reelbot.storage.models import Task
from reelbot.storage.usage import window_filters

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
    estimate_s: float | None = None,
) -> tuple[Task, bool]:
    """``(task, created)``: a new queued task, or the one stored earlier under the same key.

    ``estimate_s``: what its quota reservation took (None: not charged, e.g. a draft's
    assembly); kept so the quota windows still count a waiting task whose Redis reservation
    was lost."""
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
        guild_id=origin.guild_id,
        estimate_s=estimate_s,
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
    The result's measured ``run_s`` is also kept in its own column: the quota windows sum it.
    """
    run_s = result.get("run_s")
    measured = float(run_s) if isinstance(run_s, int | float) and run_s >= 0 else None
    return transitions.finish(session, Task, task_id, result_json=dict(result), run_s=measured)


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


# --- charges: what tasks cost in the quota windows, and what the refit reads -------------------


def _charge_filters(
    since: datetime, user_key: str | None, platform: Platform | None, community_id: str | None
) -> list[ColumnElement[bool]]:
    return window_filters(
        Task, since, user_field="user_key", user=user_key, platform=platform, community_id=community_id
    )


def task_seconds_since(
    *,
    session: Session,
    since: datetime,
    user_key: str | None = None,
    platform: Platform | None = None,
    community_id: str | None = None,
) -> float:
    """Measured seconds (``run_s``) of done tasks asked for since ``since`` — keyed on
    ``created_at`` like a job's, so a task counts in the window in which it was asked for."""
    filters = _charge_filters(since, user_key, platform, community_id)
    statement = select(func.coalesce(func.sum(Task.run_s), 0.0)).where(*filters)
    return float(session.exec(statement).one())


def task_estimates_since(
    *,
    session: Session,
    since: datetime,
    user_key: str | None = None,
    platform: Platform | None = None,
    community_id: str | None = None,
    exclude: Collection[uuid.UUID] = (),
) -> float:
    """Reserved estimates of queued or running tasks asked for since ``since``, leaving out
    ``exclude`` (those whose estimate the limit ledger holds in Redis)."""
    filters = _charge_filters(since, user_key, platform, community_id)
    filters.append(col(Task.state).in_(ACTIVE_STATES))
    if exclude:
        filters.append(col(Task.id).not_in(list(exclude)))
    statement = select(func.coalesce(func.sum(Task.estimate_s), 0.0)).where(*filters)
    return float(session.exec(statement).one())


def task_outcomes(*, session: Session, task_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, JobState]:
    """The state of each of ``task_ids`` that has a row (settling reservations reads it)."""
    ids = list(dict.fromkeys(task_ids))
    if not ids:
        return {}
    rows = session.exec(select(Task.id, Task.state).where(col(Task.id).in_(ids)))
    return {task_id: JobState(state) for task_id, state in rows}


@dataclass(frozen=True)
class MeasuredTask:
    """One done task with its measured seconds: what a task kind's cost profile is refit from."""

    kind: str
    payload: dict[str, Any]
    result: dict[str, Any]
    run_s: float


def recent_measured_tasks(*, session: Session, kinds: Collection[str], limit: int) -> list[MeasuredTask]:
    """The newest ``limit`` done tasks of each of ``kinds`` with a measured ``run_s``, newest first."""
    out: list[MeasuredTask] = []
    for kind in sorted(kinds):
        statement = (
            select(Task.payload_json, Task.result_json, Task.run_s)
            .where(Task.kind == kind, Task.state == JobState.DONE, col(Task.run_s).is_not(None))
            .order_by(col(Task.created_at).desc())
            .limit(limit)
        )
        for payload, result, run_s in session.exec(statement):
            out.append(MeasuredTask(kind, dict(payload or {}), dict(result or {}), float(run_s)))
    return out
