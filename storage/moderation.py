"""The moderators' audit log: refused prompts and images, per community."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Session, col, select

from reelbot.domain.types import Platform
from reelbot.storage.models import ModerationEvent

EXCERPT_CHARS = 200
KINDS = ("prompt", "image")


def record_moderation_event(
    *,
    session: Session,
    platform: Platform,
    platform_user_id: str,
    kind: str,
    reason: str,
    community_id: str | None = None,
    matched_term: str | None = None,
    excerpt: str | None = None,
    job_id: uuid.UUID | None = None,
) -> ModerationEvent:
    """Log a refusal; the excerpt is cut to a short prefix (enough to judge, not to archive)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    event = ModerationEvent(
        platform=platform,
        community_id=community_id,
        platform_user_id=platform_user_id,
        job_id=job_id,
        kind=kind,
        reason=reason[:128],
        matched_term=matched_term[:256] if matched_term else None,
        excerpt=excerpt[:EXCERPT_CHARS] if excerpt else None,
    )
    session.add(event)
    session.flush()
    return event


def moderation_events(
    *,
    session: Session,
    platform: Platform,
    community_id: str | None,
    since: datetime | None = None,
    platform_user_id: str | None = None,
    limit: int = 50,
) -> list[ModerationEvent]:
    """Newest first, for one community (``None``: direct chats), optionally one user."""
    statement = select(ModerationEvent).where(ModerationEvent.platform == platform)
    if community_id is None:
        statement = statement.where(col(ModerationEvent.community_id).is_(None))
    else:
        statement = statement.where(ModerationEvent.community_id == community_id)
    if since is not None:
        statement = statement.where(col(ModerationEvent.created_at) >= since)
    if platform_user_id is not None:
        statement = statement.where(ModerationEvent.platform_user_id == platform_user_id)
    statement = statement.order_by(col(ModerationEvent.created_at).desc(), col(ModerationEvent.id)).limit(
        limit
    )
    return list(session.exec(statement))
