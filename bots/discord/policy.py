"""Per-server limits that server admins set with ``/reelbot settings``, checked before a job.

The limits live in storage (:mod:`reelbot.storage.communities`, one row per server, ``None`` =
reelbot's default). Checked here, before the status message is posted: pending jobs per
person, clips per hour per person and per server. A refusal is a
:class:`~reelbot.domain.errors.LimitReached` whose text says when to try again (when the oldest job
of the last hour leaves the window).
"""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlmodel import col, select

from reelbot.domain.errors import LimitReached
from reelbot.domain.types import JobState, Origin, Platform
from reelbot.storage.communities import CommunitySettings, community_settings, update_community_settings
from reelbot.storage.db import session_scope
from reelbot.storage.models import Job, User

if TYPE_CHECKING:
    from reelbot.app.service import ReelbotService

WINDOW = timedelta(hours=1)
_NOT_COUNTED = (JobState.FAILED, JobState.CANCELLED)


def _window_stats(
    session: Any, since: datetime, *, guild_id: str, user_id: str | None
) -> tuple[int, datetime | None]:
    query = select(func.count(), func.min(Job.created_at)).where(
        col(Job.platform) == Platform.DISCORD,
        col(Job.guild_id) == guild_id,
        col(Job.created_at) >= since,
        col(Job.state).not_in(list(_NOT_COUNTED)),
    )
    if user_id is not None:
        query = query.join(User, col(User.id) == col(Job.user_id)).where(
            col(User.platform_user_id) == user_id
        )
    count, oldest = session.exec(query).one()
    return int(count), oldest


def _minutes_left(oldest: datetime | None, now: datetime) -> int:
    if oldest is None:
        return 1
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return max(1, math.ceil((oldest + WINDOW - now).total_seconds() / 60))


async def load_settings(service: ReelbotService, guild_id: str | None) -> CommunitySettings:
    def load() -> CommunitySettings:
        with session_scope(service.db) as session:
            return community_settings(session=session, platform=Platform.DISCORD, community_id=guild_id)

    return await asyncio.to_thread(load)


async def save_settings(
    service: ReelbotService, guild_id: str, changes: dict[str, Any], by: str
) -> CommunitySettings:
    def save() -> CommunitySettings:
        with session_scope(service.db) as session:
            return update_community_settings(
                session=session,
                platform=Platform.DISCORD,
                community_id=guild_id,
                changes=changes,
                updated_by=by,
            )

    return await asyncio.to_thread(save)


async def check_limits(service: ReelbotService, origin: Origin, *, jobs: int = 1) -> None:
    """Raise LimitReached if this server's own limits refuse ``jobs`` more jobs from ``origin`` now.

    ``jobs`` is the number of clips the request makes (a storyboard's shots): each counts
    against the clips-per-hour limits. The pending cap only needs one free slot, since a
    storyboard queues its shots one slot at a time as they come free.
    """
    if not origin.guild_id:
        return
    policy = await load_settings(service, origin.guild_id)
    if policy.max_pending_per_user is not None:
        active = await service.jobs_for(Platform.DISCORD, origin.user_id, active_only=True)
        if len(active) >= policy.max_pending_per_user:
            raise LimitReached("queue.user_pending_cap", count=len(active), limit=policy.max_pending_per_user)
    if policy.clips_per_hour_per_user is None and policy.clips_per_hour is None:
        return
    now = datetime.now(UTC)
    guild_id = origin.guild_id

    def stats() -> tuple[tuple[int, datetime | None], tuple[int, datetime | None]]:
        with session_scope(service.db) as session:
            return (
                _window_stats(session, now - WINDOW, guild_id=guild_id, user_id=origin.user_id),
                _window_stats(session, now - WINDOW, guild_id=guild_id, user_id=None),
            )

    (user_count, user_oldest), (guild_count, guild_oldest) = await asyncio.to_thread(stats)
    if policy.clips_per_hour_per_user is not None and user_count + jobs > policy.clips_per_hour_per_user:
        raise LimitReached(
            "discord.user_rate_limited",
            count=user_count,
            limit=policy.clips_per_hour_per_user,
            minutes=_minutes_left(user_oldest, now),
        )
    if policy.clips_per_hour is not None and guild_count + jobs > policy.clips_per_hour:
        raise LimitReached(
            "discord.guild_rate_limited",
            count=guild_count,
            limit=policy.clips_per_hour,
            minutes=_minutes_left(guild_oldest, now),
        )
