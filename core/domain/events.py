"""Job events: what workers tell the bots, carried on a durable Redis stream per platform.

The queue package moves these as opaque JSON; workers publish, bot processes consume
them in their own consumer group so an event is never lost while a bot is down.
"""

from __future__ import annotations

import json
import uuid
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from reelbot.domain.types import Origin, short_id


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
    error_detail: str | None = None  # JSON object: the message fields of error_key
    timings: dict[str, float] | None = None  # DONE: seconds per stage (queue wait, load, denoise, ...)
    task: str | None = None  # a worker task's kind ("assemble_draft", "finish"); None: a clip job

    def failure_text(self, locale: str | None) -> str:
        """Why a FAILED job failed, in the reader's language, with the job's short id."""
        from reelbot.domain.messages import render

        short = short_id(self.job_id)
        reason = failure_reason(self.error_key, self.error_detail, short, locale)
        return render("job.failed", locale, job_id=short, reason=reason)

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=True)

    @classmethod
    def from_json(cls, raw: str | bytes) -> JobEvent:
        return cls.model_validate_json(raw)


def failure_reason(error_key: str | None, error_detail: str | None, job_id: str, locale: str | None) -> str:
    """The catalogue text of a failure: ``error_detail`` is the JSON object of the key's fields
    (as the worker stores it); plain text from older records is shown as the reason."""
    from reelbot.domain.messages import render

    if not error_key:
        return render("error.internal", locale, job_id=job_id)
    fields: dict[str, object] = {"job_id": job_id}
    if error_detail:
        try:
            parsed = json.loads(error_detail)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            fields.update(parsed)
        else:
            fields.update(error=error_detail, reason=error_detail)
    try:
        return render(error_key, locale, **fields)
    except (KeyError, IndexError):  # a key whose fields this record lacks: still say what failed
        return render("error.internal", locale, job_id=job_id)
