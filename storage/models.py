"""The tables: users, jobs, clips, assets, job references, communities, moderation events.

Habits from full-stack-fastapi-template: UUID primary keys, timezone-aware timestamps
(``sqlmodel``'s UTCDateTime: stored in UTC, read back aware even from SQLite), one class
per table. The schema itself is created by the alembic migrations in
``reelbot.storage.migrations`` (``reelbot.storage.db.migrate``); a test checks that they
match these classes exactly.

A job's ``request_json`` is the full :class:`~reelbot.domain.types.GenerationRequest` as JSON text
(``job.request()`` parses it) — the recipe — so any clip can be re-rolled or remixed later
from its id alone. The columns beside it (preset, seed, origin ids, parent) are copies for
queries and indexes.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from reelbot.domain.types import GenerationRequest, JobState, Platform, ReferenceRole, RemixKind
from reelbot.storage.types import StrEnumType

# Stable constraint names, so migrations can drop/alter them on PostgreSQL later.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID_LEN = 128  # platform ids (Discord snowflakes, LINE ids) are strings up to this long


def utcnow() -> datetime:
    """Now, timezone-aware (naive datetimes are refused by the column type)."""
    return datetime.now(UTC)


class User(SQLModel, table=True):
    """A person on one platform; the same human on Discord and LINE is two users."""

    __tablename__ = "user"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    platform: Platform = Field(sa_type=StrEnumType(Platform, 16))
    platform_user_id: str = Field(max_length=ID_LEN)
    display_name: str | None = Field(default=None, max_length=128)
    locale: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


class Job(SQLModel, table=True):
    """One request to render a clip, from submission to its end state."""

    __tablename__ = "job"
    __table_args__ = (
        Index(None, "user_id", "state"),  # count_active_jobs_for_user, jobs_for_user(active_only)
        Index(None, "user_id", "created_at"),  # jobs_for_user, rate limits per user
        Index(None, "platform", "guild_id", "created_at"),  # rate limits / quotas per community
        Index(None, "state", "created_at"),  # operators: what is queued / running
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="user.id")
    state: JobState = Field(default=JobState.QUEUED, sa_type=StrEnumType(JobState, 32))
    request_json: str = Field(sa_type=Text)  # GenerationRequest JSON, without the interaction token
    idempotency_key: str = Field(max_length=255, unique=True)
    preset: str = Field(max_length=64)
    seed: int = Field(sa_type=BigInteger)  # up to 2**32-1 does not fit a 32-bit INTEGER
    lane: str = Field(default="fast", max_length=16)  # "fast" | "relaxed"
    # No foreign key: clip.job_id already points at job, and a cycle would complicate inserts.
    parent_clip_id: uuid.UUID | None = Field(default=None, index=True)
    remix_kind: RemixKind | None = Field(default=None, sa_type=StrEnumType(RemixKind, 16))
    platform: Platform = Field(sa_type=StrEnumType(Platform, 16))
    channel_id: str | None = Field(default=None, max_length=ID_LEN, index=True)
    guild_id: str | None = Field(default=None, max_length=ID_LEN)  # Discord server / LINE group
    message_id: str | None = Field(default=None, max_length=ID_LEN, index=True)
    attempts: int = 0
    worker: str | None = Field(default=None, max_length=128)  # who runs / ran it last
    step: int | None = None
    total_steps: int | None = None
    error_key: str | None = Field(default=None, max_length=128)
    error_detail: str | None = Field(default=None, sa_type=Text)
    gpu_seconds: float | None = None
    # What the render really ran (RenderReport: mode, counted passes, device …); estimates refit on it.
    render_report: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    moderation_json: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    consent_required: bool = False
    consent_given_by: str | None = Field(default=None, max_length=ID_LEN)
    consent_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None

    def request(self) -> GenerationRequest:
        """The stored recipe as the domain object."""
        return GenerationRequest.model_validate_json(self.request_json)


class Clip(SQLModel, table=True):
    """The one finished clip of a job. Soft-deleted rows stay as the audit trail."""

    __tablename__ = "clip"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    job_id: uuid.UUID = Field(foreign_key="job.id", unique=True)  # one clip per job, ever
    user_id: uuid.UUID = Field(foreign_key="user.id", index=True)
    parent_clip_id: uuid.UUID | None = Field(default=None, foreign_key="clip.id", index=True)
    remix_kind: RemixKind | None = Field(default=None, sa_type=StrEnumType(RemixKind, 16))
    root_clip_id: uuid.UUID = Field(index=True)  # its own id for an original clip
    depth: int = 0  # 0 for an original, parent's depth + 1 for a remix
    video_key: str | None = Field(default=None, max_length=512)  # cleared on delete
    thumbnail_key: str | None = Field(default=None, max_length=512)
    size_bytes: int
    width: int
    height: int
    fps: int
    num_frames: int
    duration_s: float  # total, including the parent's part for an extension
    has_audio: bool = False  # an AAC stream muxed in (a preset with sound, e.g. LTX-2)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    deleted_at: datetime | None = None
    deleted_by: str | None = Field(default=None, max_length=ID_LEN)

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None


class Asset(SQLModel, table=True):
    """An uploaded reference image, stored once per distinct content (sha256)."""

    __tablename__ = "asset"

    sha256: str = Field(primary_key=True, max_length=64)
    mime: str = Field(max_length=64)
    width: int
    height: int
    size_bytes: int
    storage_key: str = Field(max_length=512)  # media store key
    created_at: datetime = Field(default_factory=utcnow)


class JobReference(SQLModel, table=True):
    """Which stored images a job used, in which role and order (the audit keeps the hashes)."""

    __tablename__ = "job_reference"

    job_id: uuid.UUID = Field(foreign_key="job.id", primary_key=True)
    position: int = Field(primary_key=True)
    asset_sha256: str = Field(foreign_key="asset.sha256", max_length=64, index=True)
    role: ReferenceRole = Field(sa_type=StrEnumType(ReferenceRole, 16))


class Community(SQLModel, table=True):
    """A Discord server or LINE group, and the policy its admins set for it."""

    __tablename__ = "community"
    __table_args__ = (UniqueConstraint("platform", "community_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    platform: Platform = Field(sa_type=StrEnumType(Platform, 16))
    community_id: str = Field(max_length=ID_LEN)
    settings_json: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str | None = Field(default=None, max_length=ID_LEN)


class ModerationEvent(SQLModel, table=True):
    """A refused prompt or image, for the moderators' audit log."""

    __tablename__ = "moderation_event"
    __table_args__ = (Index(None, "platform", "community_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    platform: Platform = Field(sa_type=StrEnumType(Platform, 16))
    community_id: str | None = Field(default=None, max_length=ID_LEN)
    platform_user_id: str = Field(max_length=ID_LEN, index=True)
    job_id: uuid.UUID | None = Field(default=None)
    kind: str = Field(max_length=16)  # "prompt" | "image"
    reason: str = Field(max_length=128)  # a message key or a short code
    matched_term: str | None = Field(default=None, max_length=256)
    excerpt: str | None = Field(default=None, sa_type=String(512))


class CommunityGallery(SQLModel, table=True):
    """Whether a community's gallery page is switched on (off unless its admins said so)."""

    __tablename__ = "community_gallery"

    platform: Platform = Field(sa_type=StrEnumType(Platform, 16), primary_key=True)
    community_id: str = Field(max_length=ID_LEN, primary_key=True)
    enabled: bool = False
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str | None = Field(default=None, max_length=ID_LEN)


class CommunityDeparture(SQLModel, table=True):
    """A member who left a community: their clips leave its gallery (the bots record it)."""

    __tablename__ = "community_departure"

    platform: Platform = Field(sa_type=StrEnumType(Platform, 16), primary_key=True)
    community_id: str = Field(max_length=ID_LEN, primary_key=True)
    platform_user_id: str = Field(max_length=ID_LEN, primary_key=True)
    left_at: datetime = Field(default_factory=utcnow)


class GalleryLink(SQLModel, table=True):
    """The generation of a gallery's signed links: revoking bumps it, older links stop working."""

    __tablename__ = "gallery_link"

    scope: str = Field(primary_key=True, max_length=300)  # "user:<uuid>" | "community:<platform>:<id>"
    generation: int = 0
    updated_at: datetime = Field(default_factory=utcnow)


class Task(SQLModel, table=True):
    """A worker task that is not a clip render (``assemble_draft``, ``finish``): its plain
    payload, its state (the job states) and its result. Its id travels on the same queue
    streams as job ids; the worker tells the two apart by which table holds the row."""

    __tablename__ = "task"
    __table_args__ = (
        Index(None, "state", "created_at"),  # reconcile: queued tasks without a message
        Index(None, "clip_id", "kind", "state"),  # a clip's finished variants
        Index(None, "user_key", "created_at"),  # quota windows per person (tasks' charges)
        Index(None, "platform", "guild_id", "created_at"),  # quota windows per community
        Index(None, "kind", "state", "created_at"),  # the refit: a kind's newest done tasks
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kind: str = Field(max_length=32)  # a name registered with generator.worker.kinds.task_kind
    state: JobState = Field(default=JobState.QUEUED, sa_type=StrEnumType(JobState, 32))
    idempotency_key: str = Field(max_length=255, unique=True)
    lane: str = Field(default="fast", max_length=16)
    platform: Platform = Field(sa_type=StrEnumType(Platform, 16))
    user_key: str = Field(max_length=160)  # Origin.user_key: the queue's per-user cap
    origin_json: str = Field(sa_type=Text)  # Origin JSON (no interaction token): where events go
    clip_id: uuid.UUID | None = Field(default=None)  # the clip it works on (a finished variant's parent)
    guild_id: str | None = Field(default=None, max_length=ID_LEN)  # its community's quota windows
    estimate_s: float | None = None  # what its quota reservation took (app.task_costs)
    run_s: float | None = None  # measured worker-seconds once done: what its quota windows charge
    payload_json: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    result_json: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    attempts: int = 0
    worker: str | None = Field(default=None, max_length=128)
    step: int | None = None
    total_steps: int | None = None
    error_key: str | None = Field(default=None, max_length=128)
    error_detail: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None


TABLES = (
    User,
    Job,
    Clip,
    Asset,
    JobReference,
    Community,
    ModerationEvent,
    CommunityGallery,
    CommunityDeparture,
    GalleryLink,
    Task,
)
