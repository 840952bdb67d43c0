"""What a unit of work carries into every log line: the job id and the platform.

They travel in :mod:`contextvars` variables (set once with :func:`job_context`, inherited by
asyncio tasks and ``asyncio.to_thread``), so call sites never pass them by hand; the log
formatting in ``reelbot.ops.logs`` stamps them on each record. Here, in the vocabulary, so a
worker or a bot can set them without depending on the logging set-up.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

JOB_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("reelbot_job_id", default=None)
PLATFORM: contextvars.ContextVar[str | None] = contextvars.ContextVar("reelbot_platform", default=None)


@contextmanager
def job_context(job_id: object | None = None, platform: object | None = None) -> Iterator[None]:
    """Within this block (and tasks started in it) every log record carries these values."""
    tokens: list[tuple[contextvars.ContextVar[str | None], contextvars.Token[str | None]]] = []
    if job_id is not None:
        tokens.append((JOB_ID, JOB_ID.set(str(job_id))))
    if platform is not None:
        tokens.append((PLATFORM, PLATFORM.set(str(platform))))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def bind_job(job_id: object | None, platform: object | None = None) -> None:
    """Set the job context for the rest of the current task (a worker's per-job task)."""
    JOB_ID.set(None if job_id is None else str(job_id))
    if platform is not None:
        PLATFORM.set(str(platform))
