"""Clips: lookup, lineage (root first), children, soft delete.

Every clip row carries its ``root_clip_id`` and ``depth``, so a whole family is one indexed
query and lineage is walked in memory — no recursive SQL, same on SQLite and PostgreSQL.
A deleted clip keeps its row (the audit trail) with its media keys cleared.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session, col, select

from reelbot.domain.types import RemixKind
from reelbot.storage.models import Clip, utcnow
from reelbot.storage.tasks import variant_media_keys


def get_clip(*, session: Session, clip_id: uuid.UUID, include_deleted: bool = True) -> Clip | None:
    clip = session.get(Clip, clip_id)
    if clip is None or (clip.deleted and not include_deleted):
        return None
    return clip


def get_clip_for_job(*, session: Session, job_id: uuid.UUID) -> Clip | None:
    return session.exec(select(Clip).where(Clip.job_id == job_id)).first()


def lineage(*, session: Session, clip_id: uuid.UUID) -> list[Clip]:
    """The chain from the original clip down to ``clip_id`` (root first, ``clip_id`` last).

    Deleted ancestors are included (they keep their place in the chain); an empty list
    means no such clip.
    """
    clip = session.get(Clip, clip_id)
    if clip is None:
        return []
    family = {c.id: c for c in session.exec(select(Clip).where(Clip.root_clip_id == clip.root_clip_id))}
    chain = [clip]
    seen = {clip.id}
    while chain[-1].parent_clip_id is not None:
        parent = family.get(chain[-1].parent_clip_id) or session.get(Clip, chain[-1].parent_clip_id)
        if parent is None or parent.id in seen:  # defensive: a broken or cyclic chain stops here
            break
        chain.append(parent)
        seen.add(parent.id)
    chain.reverse()
    return chain


def lineage_summary(*, session: Session, clip_id: uuid.UUID) -> list[tuple[uuid.UUID, RemixKind | None]]:
    """``[(clip_id, remix_kind)]`` root first — the shape ``ClipView.lineage`` uses."""
    return [(c.id, c.remix_kind) for c in lineage(session=session, clip_id=clip_id)]


def children(*, session: Session, clip_id: uuid.UUID, include_deleted: bool = False) -> list[Clip]:
    """Clips made directly from this one, oldest first."""
    statement = select(Clip).where(Clip.parent_clip_id == clip_id)
    if not include_deleted:
        statement = statement.where(col(Clip.deleted_at).is_(None))
    return list(session.exec(statement.order_by(col(Clip.created_at), col(Clip.id))))


def clips_for_user(
    *, session: Session, user_id: uuid.UUID, include_deleted: bool = False, limit: int = 50
) -> list[Clip]:
    """The user's clips, newest first."""
    statement = select(Clip).where(Clip.user_id == user_id)
    if not include_deleted:
        statement = statement.where(col(Clip.deleted_at).is_(None))
    return list(session.exec(statement.order_by(col(Clip.created_at).desc(), col(Clip.id)).limit(limit)))


def soft_delete_clip(*, session: Session, clip_id: uuid.UUID, deleted_by: str | None = None) -> list[str]:
    """Mark the clip deleted and clear its media keys; return the keys the caller should
    now delete from the media store (empty if it was deleted already or does not exist).

    The row stays: who asked, where, which references, preset, seed, moderation, consent
    and parent remain answerable after the video is gone. Children keep pointing at it.
    """
    clip = session.get(Clip, clip_id, with_for_update=True)
    if clip is None or clip.deleted:
        return []
    keys = [key for key in (clip.video_key, clip.thumbnail_key) if key]
    keys += variant_media_keys(session=session, clip_id=clip_id)  # its finished variants' files
    clip.deleted_at = utcnow()
    clip.deleted_by = deleted_by
    clip.video_key = None
    clip.thumbnail_key = None
    session.add(clip)
    session.flush()
    return keys
