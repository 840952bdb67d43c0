"""Presence: which workers are alive, from stamps they leave when they claim or heartbeat.

A stamp of its own because Redis 7.0 registers a consumer in the group only once it is
handed a message: a worker waiting on an empty queue is invisible to XINFO. The service's
wait estimate counts live workers from here.
"""

from __future__ import annotations

import time

import redis.asyncio as aioredis

from reelbot.queue import scripts
from reelbot.queue.base import QueueBase
from reelbot.queue.keys import Keys
from reelbot.queue.settings import QueueSettings

#: A consumer stamps itself alive at most this often (claims can come many times a second).
SEEN_EVERY_S = 1.0
#: Names silent this long leave the workers-seen set (it never grows with old workers).
SEEN_KEEP_MS = 24 * 3600 * 1000


class Presence(QueueBase):
    """mark_seen, forget_consumer and live_consumers."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, settings: QueueSettings) -> None:
        super().__init__(redis, keys, settings)
        self._seen = redis.register_script(scripts.SEEN)
        self._live = redis.register_script(scripts.LIVE)
        # When each consumer of this process was last stamped in the workers-seen set.
        self._stamped: dict[str, float] = {}

    async def mark_seen(self, consumer: str) -> None:
        """Stamp ``consumer`` as alive (every claim and heartbeat does; at most about once a
        second per consumer, so a busy claim loop costs no extra round trip each time)."""
        now = time.monotonic()
        if now - self._stamped.get(consumer, float("-inf")) < SEEN_EVERY_S:
            return
        self._stamped[consumer] = now
        await self._seen(keys=[self.keys.workers_seen], args=[consumer, SEEN_KEEP_MS])

    async def forget_consumer(self, consumer: str) -> None:
        """A worker that stops cleanly takes its stamp away: it no longer counts as serving."""
        self._stamped.pop(consumer, None)
        await self.redis.zrem(self.keys.workers_seen, consumer)

    async def live_consumers(self, *, within_ms: int | None = None) -> int:
        """How many workers claimed or heartbeat within ``within_ms`` (default: the reclaim
        idle time, after which a silent worker's job is taken over: it counts as dead).

        A stopped worker still counts until that time has passed.
        """
        window = self.settings.reclaim_idle_ms if within_ms is None else within_ms
        return int(await self._live(keys=[self.keys.workers_seen], args=[max(0, window)]))
