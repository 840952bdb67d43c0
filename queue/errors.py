"""The queue's own errors: plain exceptions with data, no message keys (callers translate).

The service turns :class:`PendingCapReached` into its user-facing ``LimitReached``.
"""

from __future__ import annotations


class QueueError(Exception):
    """Base of every error the queue raises on purpose."""


class PendingCapReached(QueueError):
    """The user already has ``limit`` jobs queued or running (``count`` counted); nothing written."""

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(f"pending cap reached: {count} of {limit}")
        self.count = count
        self.limit = limit
