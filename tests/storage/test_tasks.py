"""Task repository on SQLite and PostgreSQL: the same guarded changes as jobs
(storage/transitions.py serves both), idempotent create, one result per task."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform
from reelbot.storage import tasks, transitions
from reelbot.storage.db import session_scope
from reelbot.storage.models import Task


def _key() -> str:
    return f"test:{uuid.uuid4().hex}"


@pytest.fixture
def origin(make_request: Callable[..., GenerationRequest]) -> Origin:
    return make_request().origin


def _task(session: Session, origin: Origin, key: str | None = None) -> Task:
    task, created = tasks.create_or_get_task(
        session=session, kind="finish", payload={"clip": "x"}, origin=origin, idempotency_key=key or _key()
    )
    assert created
    return task


def test_same_idempotency_key_gives_the_same_task(session: Session, origin: Origin) -> None:
    key = _key()
    first = _task(session, origin, key)
    again, created = tasks.create_or_get_task(
        session=session, kind="finish", payload={"other": 1}, origin=origin, idempotency_key=key
    )
    assert (again.id, created) == (first.id, False)
    assert tasks.task_origin(first).interaction_token is None
    count = session.exec(select(func.count()).select_from(Task).where(Task.idempotency_key == key)).one()
    assert count == 1


def _row(key: str) -> Task:
    return Task(kind="finish", idempotency_key=key, platform=Platform.DISCORD, user_key="u", origin_json="{}")


def test_an_insert_that_lost_the_race_gets_the_winner(engine: Engine, origin: Origin) -> None:
    """The insert itself meets the unique index (past any lookup): the savepoint rolls back
    and the row the other transaction committed comes back; the session stays usable."""
    key = _key()
    with session_scope(engine) as s1:
        first = _task(s1, origin, key)
    with session_scope(engine) as s2:
        winner = transitions.insert_unless_raced(s2, Task, key, lambda: s2.add(_row(key)))
        assert winner is not None and winner.id == first.id
        assert tasks.get_task(session=s2, task_id=first.id) is not None


def test_an_integrity_error_with_no_winner_is_raised(session: Session) -> None:
    key = _key()

    def write() -> None:
        session.add(_row(key))
        session.flush()
        session.add(_row(key))  # the same key twice in one write: nobody else holds it

    with pytest.raises(IntegrityError):
        transitions.insert_unless_raced(session, Task, key, write)
    assert tasks.get_task_by_key(session=session, idempotency_key=key) is None


def test_state_changes_are_guarded(session: Session, origin: Origin) -> None:
    task = _task(session, origin)
    assert tasks.record_progress(session=session, task_id=task.id, step=1, total_steps=4) is False
    assert tasks.mark_running(session=session, task_id=task.id, worker="w1") is True
    assert tasks.mark_running(session=session, task_id=task.id) is False  # only from queued
    assert tasks.mark_running(session=session, task_id=task.id, worker="w2", reclaim=True) is True
    assert tasks.record_progress(session=session, task_id=task.id, step=3, total_steps=4) is True
    fresh = tasks.get_task(session=session, task_id=task.id)
    assert fresh is not None
    assert (fresh.state, fresh.attempts, fresh.worker, fresh.step) == (JobState.RUNNING, 2, "w2", 3)
    assert tasks.requeue(session=session, task_id=task.id) is True
    assert (task.state, task.step, task.total_steps) == (JobState.QUEUED, None, None)  # held object reloaded
    assert tasks.mark_running(session=session, task_id=task.id) is True
    assert tasks.mark_failed(session=session, task_id=task.id, error_key="finish.x", error_detail="d" * 5000)
    assert task.error_detail == "d" * 4000
    assert tasks.mark_cancelled(session=session, task_id=task.id) is False  # finished already
    # a worker presumed dead may still complete a failed task; then nothing moves it again
    assert tasks.mark_done(session=session, task_id=task.id, result={"video_key": "v.mp4"}) is True
    assert (task.state, task.error_key, task.result_json) == (JobState.DONE, None, {"video_key": "v.mp4"})
    assert tasks.mark_done(session=session, task_id=task.id, result={}) is False
    assert tasks.mark_failed(session=session, task_id=task.id, error_key="x") is False
    with pytest.raises(ValueError):
        tasks.record_progress(session=session, task_id=task.id, step=5, total_steps=4)


def test_a_cancelled_task_never_completes(session: Session, origin: Origin) -> None:
    task = _task(session, origin)
    assert tasks.mark_cancelled(session=session, task_id=task.id) is True
    assert task.finished_at is not None
    assert tasks.mark_done(session=session, task_id=task.id, result={}) is False
    assert tasks.delete_task(session=session, task_id=task.id) is False  # only a queued one goes
    queued = _task(session, origin)
    assert tasks.delete_task(session=session, task_id=queued.id) is True
    assert tasks.get_task(session=session, task_id=queued.id) is None


def test_queued_tasks_older_than(session: Session, origin: Origin) -> None:
    task = _task(session, origin)
    assert task.id in {t.id for t in tasks.queued_tasks_older_than(session=session, seconds=-60)}
    assert task.id not in {t.id for t in tasks.queued_tasks_older_than(session=session, seconds=3600)}


def test_two_workers_finishing_concurrently_record_one_result(engine: Engine, origin: Origin) -> None:
    """Two threads, two connections, one task: exactly one mark_done wins."""
    with session_scope(engine) as s:
        task = _task(s, origin)
        tasks.mark_running(session=s, task_id=task.id)
    barrier = threading.Barrier(2)
    results: list[bool] = []
    errors: list[BaseException] = []

    def finish(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            with session_scope(engine) as s:
                results.append(tasks.mark_done(session=s, task_id=task.id, result={"by": n}))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=finish, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert sorted(results) == [False, True]
