"""What the jobs queue takes and hands out: plain frozen values, no Redis in them.

Kept apart from the code that makes them so that a worker or the service can name a
:class:`Delivery` or a :class:`Standing` without reading how claims or lookups work.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from reelbot.queue.keys import Lane


@dataclass(frozen=True)
class EnqueueItem:
    """One job for :meth:`~reelbot.queue.streams.JobQueue.enqueue_many`."""

    job_id: uuid.UUID
    idempotency_key: str
    user_key: str
    lane: str = Lane.FAST


@dataclass(frozen=True)
class EnqueueResult:
    """``duplicate``: the idempotency key (or job id) was seen before; ``job_id`` is the first job's.

    ``message_id`` is None for a duplicate whose job already left the queue (finished).
    """

    job_id: uuid.UUID
    message_id: str | None
    duplicate: bool


@dataclass(frozen=True)
class Delivery:
    """A message handed to one worker. ``attempt`` is Redis's delivery count (1 = first)."""

    message_id: str
    job_id: uuid.UUID
    lane: Lane
    attempt: int
    user_key: str


@dataclass(frozen=True)
class DeadLetter:
    """A job taken out of circulation, with the last error recorded for it."""

    entry_id: str  # id in the dead-letter stream
    job_id: uuid.UUID
    lane: Lane
    attempt: int
    error: str
    message_id: str  # its id in the jobs stream
    user_key: str


@dataclass(frozen=True)
class Standing:
    """Where one waiting job stands (:meth:`~reelbot.queue.lookups.Lookups.standing`), for a
    wait estimate.

    ``ahead`` are the jobs a worker will take before it, in serving order (all of an earlier
    lane's, then its own lane's); ``in_flight`` the jobs workers hold now. Both lists stop at
    the ``limit`` asked for; ``ahead_count`` is always the full count.
    """

    lane: Lane
    lane_position: int  # 1-based among the undelivered messages of its own lane
    position: int  # 1-based across lanes in serving order (what ``JobQueue.position`` says)
    ahead: list[uuid.UUID]
    in_flight: list[uuid.UUID]

    @property
    def ahead_count(self) -> int:
        return self.position - 1


@dataclass(frozen=True)
class ClaimResult:
    """What :meth:`~reelbot.queue.claims.Claiming.claim` returns.

    ``deliveries`` are the jobs to run now. ``dead`` are jobs that just exceeded
    ``max_deliveries``: they are already in the dead-letter stream and acknowledged; the
    worker must mark each job failed (``error`` says why) and tell its user.
    """

    deliveries: list[Delivery]
    dead: list[DeadLetter]

    def __bool__(self) -> bool:
        return bool(self.deliveries or self.dead)
