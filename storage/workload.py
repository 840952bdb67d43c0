"""The job rows that cost and wait estimates read: what finished renders measured, and the
requests of jobs still in the queue.

Two narrow reads instead of whole ``Job`` objects: an acknowledgement or a ``/queue`` may ask
for hundreds of rows, and only the recipe, the measured seconds and the progress matter.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from reelbot.domain.types import JobState
from reelbot.storage.models import Job

#: Ids per ``IN (…)`` query: well under SQLite's and PostgreSQL's parameter limits.
IDS_PER_QUERY = 500


@dataclass(frozen=True)
class MeasuredRender:
    """One finished job: its preset, its stored recipe (JSON), the GPU-seconds it took and the
    worker's render report (mode, counted passes …; None for jobs finished before it was kept)."""

    preset: str
    request_json: str
    gpu_seconds: float
    report: dict[str, Any] | None = None


@dataclass(frozen=True)
class QueuedWork:
    """A job in the queue or on a worker: its recipe and how far it got (``step`` of ``total``)."""

    job_id: uuid.UUID
    request_json: str
    step: int | None
    total_steps: int | None


def recent_measured_renders(*, session: Session, limit: int) -> list[MeasuredRender]:
    """The newest ``limit`` finished jobs with measured GPU-seconds, newest first.

    Ordered by ``created_at`` so the ``(state, created_at)`` index answers it without a sort.
    """
    statement = (
        select(Job.preset, Job.request_json, Job.gpu_seconds, Job.render_report)
        .where(Job.state == JobState.DONE, col(Job.gpu_seconds).is_not(None))
        .order_by(col(Job.created_at).desc())
        .limit(limit)
    )
    return [
        MeasuredRender(preset=preset, request_json=request_json, gpu_seconds=float(seconds), report=report)
        for preset, request_json, seconds, report in session.exec(statement)
        if seconds is not None
    ]


def queued_work(*, session: Session, job_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, QueuedWork]:
    """The recipe and progress of each of ``job_ids`` that has a row (missing ids are left out)."""
    ids = list(dict.fromkeys(job_ids))
    found: dict[uuid.UUID, QueuedWork] = {}
    for start in range(0, len(ids), IDS_PER_QUERY):
        chunk = ids[start : start + IDS_PER_QUERY]
        statement = select(Job.id, Job.request_json, Job.step, Job.total_steps).where(col(Job.id).in_(chunk))
        for job_id, request_json, step, total in session.exec(statement):
            found[job_id] = QueuedWork(job_id, request_json, step, total)
    return found
