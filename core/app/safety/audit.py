"""The audit trail of a clip: who asked, where, with what, and what the checks said.

Everything is already in the tables (the job's stored recipe, its reference rows, the
moderation record, the consent columns, the clip's lineage); :func:`audit_record` puts it
in one answer for moderators and operators. Deleting a clip removes its media but keeps
these rows (``storage.clips.soft_delete_clip``). After ``safety.audit_retention_days``
the personal parts of a deleted clip's record (prompt text, names, message ids, who
consented, moderation excerpts) are erased by :func:`redact_expired`; what remains
(hashes, preset, seed, lineage, timestamps) still answers "where did this video come from".
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from reelbot.domain.errors import NotFound
from reelbot.domain.types import GenerationRequest

if TYPE_CHECKING:
    from sqlmodel import Session

REDACTED = "[redacted]"


@dataclass(frozen=True)
class AuditRecord:
    """One clip's provenance inside reelbot."""

    clip_id: uuid.UUID
    job_id: uuid.UUID
    created_at: datetime
    platform: str
    user_id: str  # the platform's user id of the person who asked
    display_name: str | None
    community_id: str | None  # Discord server / LINE group
    channel_id: str | None
    prompt: str
    negative_prompt: str
    references: tuple[tuple[str, str], ...]  # (role, sha256), in order
    preset: str
    seed: int
    lane: str
    gpu_seconds: float | None
    moderation: dict[str, Any] | None
    consent_required: bool
    consent_given_by: str | None
    consent_at: datetime | None
    parent_clip_id: uuid.UUID | None
    remix_kind: str | None
    lineage: tuple[uuid.UUID, ...]  # root first, this clip last
    deleted_at: datetime | None
    deleted_by: str | None
    media_present: bool
    redacted: bool


def audit_record(session: Session, clip_id: uuid.UUID) -> AuditRecord:
    """The audit record of a clip, deleted or not; ``NotFound`` if it never existed."""
    from sqlmodel import col, select

    from reelbot.storage.clips import lineage_summary
    from reelbot.storage.models import Clip, Job, JobReference

    clip = session.get(Clip, clip_id)
    if clip is None:
        raise NotFound("clip.not_found")
    job = session.get(Job, clip.job_id)
    assert job is not None  # clip.job_id is a foreign key
    request = GenerationRequest.model_validate_json(job.request_json)
    refs = session.exec(
        select(JobReference).where(JobReference.job_id == job.id).order_by(col(JobReference.position))
    )
    moderation = dict(job.moderation_json) if job.moderation_json else None
    return AuditRecord(
        clip_id=clip.id,
        job_id=job.id,
        created_at=job.created_at,
        platform=str(job.platform),
        user_id=request.origin.user_id,
        display_name=request.origin.display_name,
        community_id=job.guild_id,
        channel_id=job.channel_id,
        prompt=request.prompt,
        negative_prompt=request.negative_prompt,
        references=tuple((str(ref.role), ref.asset_sha256) for ref in refs),
        preset=job.preset,
        seed=int(job.seed),
        lane=job.lane,
        gpu_seconds=job.gpu_seconds,
        moderation=moderation,
        consent_required=job.consent_required,
        consent_given_by=job.consent_given_by,
        consent_at=job.consent_at,
        parent_clip_id=clip.parent_clip_id,
        remix_kind=str(clip.remix_kind) if clip.remix_kind else None,
        lineage=tuple(cid for cid, _ in lineage_summary(session=session, clip_id=clip.id)),
        deleted_at=clip.deleted_at,
        deleted_by=clip.deleted_by,
        media_present=clip.video_key is not None,
        redacted=bool(moderation and moderation.get("redacted_at")),
    )


def redact_expired(session: Session, *, retention_days: int, now: datetime | None = None) -> int:
    """Erase the personal parts of audit records of clips deleted more than
    ``retention_days`` ago; returns how many were redacted (each only once)."""
    from sqlmodel import col, select

    from reelbot.storage.models import Clip, Job, ModerationEvent

    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=retention_days)
    rows = session.exec(
        select(Clip, Job)
        .join(Job, col(Job.id) == col(Clip.job_id))
        .where(col(Clip.deleted_at).is_not(None), col(Clip.deleted_at) < cutoff)
    )
    count = 0
    for clip, job in rows:
        record = dict(job.moderation_json or {})
        if record.get("redacted_at"):
            continue
        request = GenerationRequest.model_validate_json(job.request_json)
        origin = request.origin.model_copy(
            update={"display_name": None, "message_id": None, "interaction_token": None, "locale": None}
        )
        job.request_json = request.model_copy(
            update={"prompt": REDACTED, "negative_prompt": "", "origin": origin}
        ).model_dump_json()
        job.message_id = None
        job.consent_given_by = REDACTED if job.consent_given_by else None
        job.error_detail = None
        record["redacted_at"] = now.isoformat()
        job.moderation_json = record
        clip.deleted_by = REDACTED if clip.deleted_by else None
        session.add(job)
        session.add(clip)
        for event in session.exec(select(ModerationEvent).where(ModerationEvent.job_id == job.id)):
            event.excerpt = None
            session.add(event)
        count += 1
    session.flush()
    return count
