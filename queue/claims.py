"""Claiming: handing messages to workers and keeping them theirs while they render.

A claim first takes over messages a dead worker left pending longer than
``reclaim_idle_ms`` (XAUTOCLAIM, resumed per lane from a cursor), then new ones from
``fast``, and from ``relaxed`` only when ``fast`` has none. A message delivered more than
``max_deliveries`` times is dead-lettered instead (:class:`~reelbot.queue.endings.Endings`)
and comes back in :attr:`ClaimResult.dead`. A worker keeps its message with
:meth:`Claiming.heartbeat` and hands it back with :meth:`Claiming.release`.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from reelbot.queue import scripts
from reelbot.queue.endings import Endings
from reelbot.queue.keys import LANES, Keys, Lane
from reelbot.queue.presence import Presence
from reelbot.queue.records import ClaimResult, Delivery
from reelbot.queue.replies import as_text, stream_items
from reelbot.queue.settings import QueueSettings

log = logging.getLogger("reelbot.queue.streams")  # the name of JobQueue's module, as before the split


class Claiming(Presence, Endings):
    """claim, heartbeat and release (claims stamp presence and dead-letter the over-delivered)."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, settings: QueueSettings) -> None:
        super().__init__(redis, keys, settings)
        self._claim = redis.register_script(scripts.CLAIM)
        self._touch = redis.register_script(scripts.TOUCH)
        # XAUTOCLAIM cursors per lane: scanning resumes where it stopped, so a long pending
        # list full of busy (heartbeating) messages cannot hide a stale one at its end.
        self._cursors: dict[Lane, str] = dict.fromkeys(LANES, "0-0")
        self._last_reclaim = float("-inf")
        #: How often a claim found the streams or the group gone (Redis lost its data) and
        #: recreated them: a worker then re-enqueues queued jobs from the database at once.
        self.groups_recreated = 0
        # Reclaim scans cost a little on every claim; a dead worker's job only needs to be
        # noticed within a fraction of the idle timeout.
        self._reclaim_every_s = min(self.settings.reclaim_idle_ms / 4, 1000) / 1000

    async def claim(self, consumer: str, *, count: int = 1, block_ms: int | None = None) -> ClaimResult:
        """Up to ``count`` jobs for ``consumer``: reclaimed ones first, then fast, then relaxed.

        With ``block_ms`` and nothing available, waits that long for a new message on either
        lane (the blocking read may then return up to ``count`` per lane).
        """
        if count < 1:
            raise ValueError(f"count must be at least 1 (got {count})")
        await self.mark_seen(consumer)
        try:
            result = await self._claim_once(consumer, count)
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            await self.ensure_groups()  # the streams were deleted under us: recreate, go on
            self.groups_recreated += 1
            result = await self._claim_once(consumer, count)
        if result or not block_ms:
            return result
        return await self._claim_blocking(consumer, count, block_ms)

    async def _claim_once(self, consumer: str, count: int) -> ClaimResult:
        now = time.monotonic()
        reclaim = now - self._last_reclaim >= self._reclaim_every_s
        if reclaim:
            self._last_reclaim = now
        reply = await self._claim(
            keys=[self.keys.jobs(lane) for lane in LANES],
            args=[
                self.group,
                consumer,
                count,
                self.settings.reclaim_idle_ms,
                "1" if reclaim else "0",
                *(self._cursors[lane] for lane in LANES),
            ],
        )
        for i, lane in enumerate(LANES):
            self._cursors[lane] = as_text(reply[i])
        deliveries = []
        for raw in reply[len(LANES)]:
            lane_no, tries, message_id, job, user = as_text(raw).split(" ", 4)
            deliveries.append(Delivery(message_id, uuid.UUID(job), LANES[int(lane_no) - 1], int(tries), user))
        return await self._split_dead(deliveries)

    async def _claim_blocking(self, consumer: str, count: int, block_ms: int) -> ClaimResult:
        streams: dict[Any, Any] = {self.keys.jobs(lane): ">" for lane in LANES}
        try:
            reply = await self.redis.xreadgroup(self.group, consumer, streams, count=count, block=block_ms)
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            await self.ensure_groups()
            self.groups_recreated += 1
            return ClaimResult([], [])
        by_stream = {self.keys.jobs(lane): lane for lane in LANES}
        deliveries: list[Delivery] = []
        for stream, entries in stream_items(reply):
            lane = by_stream[stream]
            for message_id, fields in entries:
                deliveries.append(_fresh_delivery(lane, message_id, fields))
        deliveries.sort(key=lambda d: LANES.index(d.lane))
        return ClaimResult(deliveries, [])

    async def _split_dead(self, deliveries: list[Delivery]) -> ClaimResult:
        limit = self.settings.max_deliveries
        live = [d for d in deliveries if d.attempt <= limit]
        over = [d for d in deliveries if d.attempt > limit]
        dead = await self._dead_letter_many(over, error="") if over else []
        for letter in dead:
            log.warning(
                "job %s dead-lettered after %d deliveries: %s", letter.job_id, letter.attempt, letter.error
            )
        return ClaimResult(live, dead)

    async def heartbeat(self, consumer: str, delivery: Delivery) -> bool:
        """Reset the message's idle time so a long render is not reclaimed.

        Returns False when the message is no longer this consumer's (another worker
        reclaimed it after this one stalled, or it was acknowledged): stop working on it.
        """
        await self.mark_seen(consumer)
        return await self._touch_message(consumer, delivery, "beat")

    async def hold_uncounted(self, consumer: str, delivery: Delivery, *, counted: bool = False) -> bool:
        """Keep a message claimed *ahead* of its turn (a batching worker's claim of several)
        without it using up a delivery: a worker killed before the job's turn leaves it to be
        reclaimed with the delivery count it had before this claim. ``counted=True`` when its
        turn comes (it starts rendering): from then on a kill counts, as for any job.
        False: no longer this consumer's."""
        await self.mark_seen(consumer)
        return await self._touch_message(consumer, delivery, "count", count_attempt=counted)

    async def release(self, consumer: str, delivery: Delivery, *, count_attempt: bool = False) -> bool:
        """Hand a claimed message back (graceful shutdown): the next claim may take it at once.

        With ``count_attempt=False`` the hand-back does not use up one of its deliveries.
        """
        return await self._touch_message(consumer, delivery, "release", count_attempt=count_attempt)

    async def _touch_message(
        self, consumer: str, delivery: Delivery, mode: str, *, count_attempt: bool = False
    ) -> bool:
        retry_count = delivery.attempt if count_attempt else max(delivery.attempt - 1, 0)
        owned = await self._touch(
            keys=[self.keys.jobs(delivery.lane)],
            args=[
                self.group,
                consumer,
                delivery.message_id,
                mode,
                self.settings.reclaim_idle_ms,
                retry_count,
            ],
        )
        if mode == "release" and owned:
            self._last_reclaim = float("-inf")  # let our own next claim pick it up
        return bool(owned)


def _fresh_delivery(lane: Lane, message_id: Any, fields: dict[Any, Any]) -> Delivery:
    """A never-delivered message read by XREADGROUP ``>`` (its first attempt)."""
    decoded = {as_text(k): as_text(v) for k, v in fields.items()}
    return Delivery(as_text(message_id), uuid.UUID(decoded["job"]), lane, 1, decoded.get("user", ""))
