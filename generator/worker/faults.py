"""Which failures are the infrastructure's (wait for them) and which are the job's, and how the
end of a job is kept whole through a shutdown."""

from __future__ import annotations

import asyncio
import errno
from collections.abc import Awaitable
from typing import TypeVar

import redis.exceptions
import sqlalchemy.exc

T = TypeVar("T")

#: Failures of the infrastructure, not of the job (a full disk is an OSError; see is_transient).
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionError,
    TimeoutError,
    redis.exceptions.RedisError,
    sqlalchemy.exc.OperationalError,
)
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def is_transient(exc: BaseException) -> bool:
    """Redis, the database or the disk, not the job: worth waiting for."""
    if isinstance(exc, TRANSIENT_ERRORS):
        return True
    return isinstance(exc, OSError) and exc.errno in DISK_FULL


class JobTakenOver(Exception):
    """Our claim on the message was lost (we were presumed dead and another worker has it)."""


async def shielded(coro: Awaitable[T]) -> T:
    """Run ``coro`` to its end even if the caller is cancelled (shutdown), as arq does for its
    result write: a half-done "record, publish, ack" is what a cancellation must not leave."""
    task = asyncio.ensure_future(coro)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise
