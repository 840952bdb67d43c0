"""Guarded state changes shared by jobs and tasks (:mod:`reelbot.storage.jobs`,
:mod:`reelbot.storage.tasks`): both tables move through the job states, and neither may let
two racing processes (a reclaimed message, a double click, a cancel arriving while a worker
finishes) both win the same change.

So every change here is one conditional ``UPDATE … WHERE id = … AND state IN (…)`` that
reports whether it happened, and every insert under an idempotency key runs in a savepoint
that gives way to the row a concurrent transaction committed first. Plain Core statements
with nothing dialect-specific: SQLite and PostgreSQL behave alike (tests/storage run both).
The caller owns the transaction; these functions only flush.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from reelbot.domain.types import JobState
from reelbot.storage.models import Job, Task, utcnow

#: A row of a table that moves through the job states.
Row = TypeVar("Row", Job, Task)

#: A row that finished with a failure may still be completed by a slow worker that was
#: presumed dead (its work is not thrown away); a cancelled or done row never.
DONE_FROM: tuple[JobState, ...] = (JobState.QUEUED, JobState.RUNNING, JobState.FAILED)
#: ``error_detail`` is for operators; longer text is cut to this many characters.
MAX_ERROR_DETAIL = 4000


def transition(
    session: Session, model: type[Row], row_id: uuid.UUID, from_states: Iterable[JobState], **values: Any
) -> bool:
    """UPDATE the row only if its state is one of ``from_states``; True if it did."""
    statement = (
        update(model)
        .where(col(model.id) == row_id, col(model.state).in_(list(from_states)))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    changed = session.exec(statement).rowcount == 1
    # The row may have changed under an object this session holds: reload it now (not
    # lazily, so it stays readable after the session closes — expire_on_commit is off).
    held = session.identity_map.get(session.identity_key(model, row_id))
    if held is not None:
        session.refresh(held)
    return changed


def start(
    session: Session, model: type[Row], row_id: uuid.UUID, *, worker: str | None, reclaim: bool
) -> bool:
    """queued → running (attempts + 1, ``worker`` recorded, progress cleared); ``reclaim``
    also takes over a running row whose worker died (the queue reclaimed its message)."""
    from_states = (JobState.QUEUED, JobState.RUNNING) if reclaim else (JobState.QUEUED,)
    return transition(
        session,
        model,
        row_id,
        from_states,
        state=JobState.RUNNING,
        started_at=utcnow(),
        attempts=model.attempts + 1,
        worker=worker,
        step=None,
        total_steps=None,
    )


def record_progress(
    session: Session, model: type[Row], row_id: uuid.UUID, step: int, total_steps: int
) -> bool:
    """Remember the last progress of a running row (for status after a restart)."""
    if not 0 <= step <= total_steps:
        raise ValueError(f"step must be within 0..total_steps, got {step}/{total_steps}")
    return transition(session, model, row_id, (JobState.RUNNING,), step=step, total_steps=total_steps)


def requeue(session: Session, model: type[Row], row_id: uuid.UUID) -> bool:
    """running → queued, progress cleared: a worker gives the row back before finishing it."""
    return transition(
        session, model, row_id, (JobState.RUNNING,), state=JobState.QUEUED, step=None, total_steps=None
    )


def finish(session: Session, model: type[Row], row_id: uuid.UUID, **values: Any) -> bool:
    """→ done (with ``values``, e.g. its result), only if not done nor cancelled yet."""
    return transition(
        session,
        model,
        row_id,
        DONE_FROM,
        state=JobState.DONE,
        finished_at=utcnow(),
        error_key=None,
        error_detail=None,
        **values,
    )


def fail(
    session: Session,
    model: type[Row],
    row_id: uuid.UUID,
    from_states: Iterable[JobState],
    *,
    error_key: str,
    error_detail: str | None,
    **values: Any,
) -> bool:
    """→ failed with a message key (+ detail for operators), from one of ``from_states``."""
    return transition(
        session,
        model,
        row_id,
        from_states,
        state=JobState.FAILED,
        finished_at=utcnow(),
        error_key=error_key,
        error_detail=error_detail[:MAX_ERROR_DETAIL] if error_detail else error_detail,
        **values,
    )


def cancel(
    session: Session, model: type[Row], row_id: uuid.UUID, from_states: Iterable[JobState], **values: Any
) -> bool:
    """→ cancelled (finished now), from one of ``from_states``."""
    return transition(
        session, model, row_id, from_states, state=JobState.CANCELLED, finished_at=utcnow(), **values
    )


def by_idempotency_key(session: Session, model: type[Row], idempotency_key: str) -> Row | None:
    return session.exec(select(model).where(col(model.idempotency_key) == idempotency_key)).first()


def insert_unless_raced(
    session: Session, model: type[Row], idempotency_key: str, write: Callable[[], None]
) -> Row | None:
    """Run ``write`` (the inserts of one new row) in a savepoint; None when it went in.

    When a concurrent transaction committed a row under the same idempotency key first, the
    unique index refuses ours and that row is returned instead; any other refusal is raised.
    """
    try:
        with session.begin_nested():
            write()
    except IntegrityError:
        existing = by_idempotency_key(session, model, idempotency_key)
        if existing is None:
            raise
        return existing
    return None


def queued_older_than(session: Session, model: type[Row], seconds: float, limit: int) -> list[Row]:
    """Rows still queued after ``seconds``, oldest first: their queue message may have been
    lost (a crash between the database write and the queue write)."""
    cutoff = utcnow() - timedelta(seconds=seconds)
    statement = (
        select(model)
        .where(col(model.state) == JobState.QUEUED, col(model.created_at) < cutoff)
        .order_by(col(model.created_at))
        .limit(limit)
    )
    return list(session.exec(statement))
