"""What the service answers with: frozen views of a submission, a job and a clip (the bots
render them; nothing here touches storage)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from reelbot.domain.reports import RenderReport
from reelbot.domain.types import GenerationRequest, JobState, Origin, RemixKind


@dataclass(frozen=True)
class Ticket:
    """The immediate answer to a submission."""

    job_id: uuid.UUID
    state: JobState
    position: int | None
    duplicate: bool
    notice_key: str | None = None  # something to tell the user, e.g. "quota.relaxed_notice"


@dataclass(frozen=True)
class JobView:
    id: uuid.UUID
    state: JobState
    position: int | None
    step: int | None
    total_steps: int | None
    clip_id: uuid.UUID | None
    error_key: str | None
    error_detail: str | None
    request: GenerationRequest
    created_at: datetime
    report: RenderReport | None = None  # what the worker's render ran (done jobs; None before 0004)


@dataclass(frozen=True)
class ClipView:
    id: uuid.UUID
    job_id: uuid.UUID
    request: GenerationRequest
    parent_clip_id: uuid.UUID | None
    remix_kind: RemixKind | None
    author: Origin
    video_key: str | None
    thumbnail_key: str | None
    size_bytes: int
    width: int
    height: int
    fps: int
    num_frames: int
    duration_s: float
    created_at: datetime
    deleted: bool
    lineage: list[tuple[uuid.UUID, RemixKind | None]]
    report: RenderReport | None = None  # its job's render report: mode, counted passes, GPU-seconds
