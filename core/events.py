"""Job events: what workers tell the bots, carried on a durable Redis stream per platform.

The queue package moves these as opaque JSON; workers publish, bot processes consume
them in their own consumer group so an event is never lost while a bot is down.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from reelbot.domain import Origin


class EventKind(StrEnum):
    QUEUED = "queued"
    STARTED = "started"
    PROGRESS = "progress"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class JobEvent(BaseModel):
    """One step in a job's life, addressed to the chat it came from."""

    model_config = ConfigDict(frozen=True)

    kind: EventKind
    job_id: uuid.UUID
    origin: Origin
    step: int | None = None
    total_steps: int | None = None
    position: int | None = None
    clip_id: uuid.UUID | None = None
    error_key: str | None = None  # message-catalogue key for FAILED
    error_detail: str | None = None
    timings: dict[str, float] | None = None  # DONE: seconds per stage (queue wait, load, denoise, ...)

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=True)

    @classmethod
    def from_json(cls, raw: str | bytes) -> JobEvent:
        return cls.model_validate_json(raw)
