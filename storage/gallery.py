"""Gallery queries: a person's clips, a community's clips, a clip's whole remix family.

Why separate from :mod:`reelbot.storage.clips`: these are read-mostly listings that join a
clip with its job (prompt, preset, seed, where it was posted) and page through them, plus the
three small tables only the galleries use — the per-community switch (off unless admins turn
it on), members who left (their clips leave the community's gallery), and link generations
(revoking a gallery link bumps the generation; links signed with an older one are refused).

Mode filter: the speed mode is not a column, so it matches the stored recipe's JSON text
(``"speed":"draft"``). That is exact: inside a JSON string every quote is escaped, so a prompt
can never contain the unescaped pattern.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func
from sqlmodel import Session, col, select

from reelbot.domain.types import Platform, SpeedMode
from reelbot.storage.models import (
    Asset,
    Clip,
    CommunityDeparture,
    CommunityGallery,
    GalleryLink,
    Job,
    JobReference,
    User,
    utcnow,
)


@dataclass(frozen=True)
class ClipFilter:
    """What a gallery page may narrow to; ``None`` means any."""

    preset: str | None = None
    mode: SpeedMode | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


@dataclass(frozen=True)
class ClipRow:
    """A clip with the parts of its job a gallery card shows."""

    clip: Clip
    job: Job
    owner: User


@dataclass(frozen=True)
class ClipPage:
    rows: list[ClipRow]
    total: int


def _filtered(statement, flt: ClipFilter):  # type: ignore[no-untyped-def]
    if flt.preset:
        statement = statement.where(Job.preset == flt.preset)
    if flt.mode is not None:
        statement = statement.where(col(Job.request_json).contains(f'"speed":"{flt.mode.value}"'))
    if flt.since is not None:
        statement = statement.where(col(Clip.created_at) >= flt.since)
    if flt.until is not None:
        statement = statement.where(col(Clip.created_at) < flt.until)
    return statement


def _page(session: Session, where: Sequence[object], flt: ClipFilter, offset: int, limit: int) -> ClipPage:
    base = (
        select(Clip, Job, User)
        .join(Job, col(Job.id) == col(Clip.job_id))
        .join(User, col(User.id) == col(Clip.user_id))
        .where(col(Clip.deleted_at).is_(None), *where)  # type: ignore[arg-type]
    )
    base = _filtered(base, flt)
    counted = _filtered(
        select(func.count())
        .select_from(Clip)
        .join(Job, col(Job.id) == col(Clip.job_id))
        .join(User, col(User.id) == col(Clip.user_id))
        .where(col(Clip.deleted_at).is_(None), *where),  # type: ignore[arg-type]
        flt,
    )
    total = int(session.exec(counted).one())
    ordered = base.order_by(col(Clip.created_at).desc(), col(Clip.id)).offset(offset).limit(limit)
    rows = [ClipRow(clip=c, job=j, owner=u) for c, j, u in session.exec(ordered)]
    return ClipPage(rows=rows, total=total)


def user_clips(
    *, session: Session, user_id: uuid.UUID, flt: ClipFilter, offset: int = 0, limit: int = 24
) -> ClipPage:
    """One person's live clips, newest first."""
    return _page(session, [Clip.user_id == user_id], flt, offset, limit)


def community_clips(
    *,
    session: Session,
    platform: Platform,
    community_id: str,
    flt: ClipFilter,
    offset: int = 0,
    limit: int = 24,
) -> ClipPage:
    """Live clips made in one community by people who have not left it, newest first."""
    departed = exists().where(
        and_(
            CommunityDeparture.platform == platform,
            CommunityDeparture.community_id == community_id,
            col(CommunityDeparture.platform_user_id) == col(User.platform_user_id),
        )
    )
    where = [Job.platform == platform, Job.guild_id == community_id, ~departed]
    return _page(session, where, flt, offset, limit)


def presets_used(
    *,
    session: Session,
    user_id: uuid.UUID | None = None,
    platform: Platform | None = None,
    community_id: str | None = None,
) -> list[str]:
    """The presets a gallery's clips were made with (the filter's choices)."""
    statement = (
        select(Job.preset).join(Clip, col(Clip.job_id) == col(Job.id)).where(col(Clip.deleted_at).is_(None))
    )
    if user_id is not None:
        statement = statement.where(Clip.user_id == user_id)
    if community_id is not None:
        statement = statement.where(Job.platform == platform, Job.guild_id == community_id)
    return sorted(set(session.exec(statement.distinct())))


@dataclass(frozen=True)
class FamilyNode:
    clip: Clip
    job: Job
    owner: User


def family(*, session: Session, clip_id: uuid.UUID) -> list[FamilyNode]:
    """Every clip sharing ``clip_id``'s root (deleted ones too: they keep their place), oldest first."""
    clip = session.get(Clip, clip_id)
    if clip is None:
        return []
    statement = (
        select(Clip, Job, User)
        .join(Job, col(Job.id) == col(Clip.job_id))
        .join(User, col(User.id) == col(Clip.user_id))
        .where(Clip.root_clip_id == clip.root_clip_id)
        .order_by(col(Clip.depth), col(Clip.created_at), col(Clip.id))
    )
    return [FamilyNode(clip=c, job=j, owner=u) for c, j, u in session.exec(statement)]


def reference_assets(*, session: Session, job_id: uuid.UUID) -> list[tuple[str, Asset]]:
    """``[(role, asset)]`` of a job's reference images, in request order."""
    statement = (
        select(JobReference, Asset)
        .join(Asset, col(Asset.sha256) == col(JobReference.asset_sha256))
        .where(JobReference.job_id == job_id)
        .order_by(col(JobReference.position))
    )
    return [(str(ref.role), asset) for ref, asset in session.exec(statement)]


# -- the community switch and departures ------------------------------------------------------


def gallery_enabled(*, session: Session, platform: Platform, community_id: str) -> bool:
    row = session.get(CommunityGallery, (platform, community_id))
    return bool(row and row.enabled)


def set_gallery_enabled(
    *, session: Session, platform: Platform, community_id: str, enabled: bool, by: str | None
) -> None:
    row = session.get(CommunityGallery, (platform, community_id), with_for_update=True)
    if row is None:
        row = CommunityGallery(platform=platform, community_id=community_id)
    row.enabled = enabled
    row.updated_by = by
    row.updated_at = utcnow()
    session.add(row)


def record_departure(
    *, session: Session, platform: Platform, community_id: str, platform_user_id: str
) -> None:
    if session.get(CommunityDeparture, (platform, community_id, platform_user_id)) is None:
        session.add(
            CommunityDeparture(
                platform=platform, community_id=community_id, platform_user_id=platform_user_id
            )
        )


def record_return(*, session: Session, platform: Platform, community_id: str, platform_user_id: str) -> None:
    row = session.get(CommunityDeparture, (platform, community_id, platform_user_id))
    if row is not None:
        session.delete(row)


# -- link generations -----------------------------------------------------------------------


def link_generation(*, session: Session, scope: str) -> int:
    row = session.get(GalleryLink, scope)
    return row.generation if row else 0


def bump_link_generation(*, session: Session, scope: str) -> int:
    """Revoke every link of ``scope`` issued so far; returns the new generation."""
    row = session.get(GalleryLink, scope, with_for_update=True)
    if row is None:
        row = GalleryLink(scope=scope, generation=0)
    row.generation += 1
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row.generation
