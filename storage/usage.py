"""Counts and sums for rate limits and GPU-second quotas (per user, per community, since a time).

Everything is keyed on the job's ``created_at`` (indexed together with the user and with the
platform + community), so a job counts in the window in which it was asked for, also when
it finishes later. Filters combine: ``user_id`` + ``community_id`` = one member in one server.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from reelbot.domain.types import JobState, Platform
from reelbot.storage.models import Clip, Job


def window_filters(
    model: Any,
    since: datetime,
    *,
    user_field: str,
    user: object | None,
    platform: Platform | None,
    community_id: str | None,
) -> list[ColumnElement[bool]]:
    """The window's filters on a table with ``created_at``, ``platform`` and ``guild_id``
    (jobs and tasks): since ``since``, one person (``user_field`` names their column),
    one platform, one community of it."""
    if community_id is not None and platform is None:
        raise ValueError("community_id needs its platform (ids are only unique per platform)")
    filters: list[ColumnElement[bool]] = [col(model.created_at) >= since]
    if user is not None:
        filters.append(col(getattr(model, user_field)) == user)
    if platform is not None:
        filters.append(col(model.platform) == platform)
    if community_id is not None:
        filters.append(col(model.guild_id) == community_id)
    return filters


def _job_filters(
    since: datetime, user_id: uuid.UUID | None, platform: Platform | None, community_id: str | None
) -> list[ColumnElement[bool]]:
    return window_filters(
        Job, since, user_field="user_id", user=user_id, platform=platform, community_id=community_id
    )


def count_jobs_since(
    *,
    session: Session,
    since: datetime,
    user_id: uuid.UUID | None = None,
    platform: Platform | None = None,
    community_id: str | None = None,
    states: Sequence[JobState] | None = None,
) -> int:
    """Jobs asked for since ``since`` (all states unless ``states`` is given)."""
    filters = _job_filters(since, user_id, platform, community_id)
    if states is not None:
        filters.append(col(Job.state).in_(list(states)))
    return int(session.exec(select(func.count()).select_from(Job).where(*filters)).one())


def count_clips_since(
    *,
    session: Session,
    since: datetime,
    user_id: uuid.UUID | None = None,
    platform: Platform | None = None,
    community_id: str | None = None,
) -> int:
    """Clips produced from jobs asked for since ``since`` (deleted clips still count)."""
    filters = _job_filters(since, user_id, platform, community_id)
    statement = (
        select(func.count()).select_from(Clip).join(Job, col(Job.id) == col(Clip.job_id)).where(*filters)
    )
    return int(session.exec(statement).one())


def gpu_seconds_since(
    *,
    session: Session,
    since: datetime,
    user_id: uuid.UUID | None = None,
    platform: Platform | None = None,
    community_id: str | None = None,
) -> float:
    """GPU-seconds measured by workers for jobs asked for since ``since`` (done or failed)."""
    filters = _job_filters(since, user_id, platform, community_id)
    statement = select(func.coalesce(func.sum(Job.gpu_seconds), 0.0)).where(*filters)
    return float(session.exec(statement).one())
