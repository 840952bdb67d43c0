"""Lookups: reading the queue without changing it — a job's place, what stands ahead of it,
and each lane's depth — for wait estimates, status replies and metrics.
"""

from __future__ import annotations

import uuid

import redis.asyncio as aioredis

from reelbot.queue import scripts
from reelbot.queue.base import QueueBase
from reelbot.queue.keys import LANES, Keys, Lane
from reelbot.queue.records import Standing
from reelbot.queue.replies import as_text
from reelbot.queue.settings import QueueSettings


class Lookups(QueueBase):
    """position, standing and depth."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, settings: QueueSettings) -> None:
        super().__init__(redis, keys, settings)
        self._position = redis.register_script(scripts.POSITION)
        self._standing = redis.register_script(scripts.STANDING)

    async def position(self, job_id: uuid.UUID) -> int | None:
        """1-based place among jobs not yet handed to a worker (all of fast before relaxed).

        None once a worker has it, or when the job is not queued at all.
        """
        reply = await self._position(
            keys=[self.keys.index, *(self.keys.jobs(lane) for lane in LANES)],
            args=[str(job_id), self.group, *(lane.value for lane in LANES)],
        )
        return None if reply is None else int(reply)

    async def standing(self, job_id: uuid.UUID, *, limit: int = 500) -> Standing | None:
        """The job's lane and places, the jobs ahead of it and those being worked on (one
        atomic read); None once a worker has it, or when it is not queued at all.

        ``limit`` bounds each id list (and the work Redis does): a caller extrapolates beyond.
        """
        if limit < 1:
            raise ValueError(f"limit must be at least 1 (got {limit})")
        reply = await self._standing(
            keys=[self.keys.index, *(self.keys.jobs(lane) for lane in LANES)],
            args=[str(job_id), self.group, limit, *(lane.value for lane in LANES)],
        )
        if not reply:
            return None
        lane, lane_position, position, count = as_text(reply[0]), int(reply[1]), int(reply[2]), int(reply[3])
        ids = [uuid.UUID(as_text(raw)) for raw in reply[4:]]
        return Standing(Lane(lane), lane_position, position, ids[:count], ids[count:])

    async def depth(self) -> dict[str, dict[str, int]]:
        """Per lane: ``waiting`` (not yet delivered), ``pending`` (claimed, not acked), ``dead``.

        For metrics: ``{"fast": {"waiting": 3, "pending": 1, "dead": 0}, "relaxed": {...}}``.
        """
        pipe = self.redis.pipeline(transaction=False)
        for lane in LANES:
            pipe.xlen(self.keys.jobs(lane))
            pipe.xpending(self.keys.jobs(lane), self.group)
            pipe.xlen(self.keys.dead(lane))
        replies = await pipe.execute(raise_on_error=False)
        out: dict[str, dict[str, int]] = {}
        for i, lane in enumerate(LANES):
            length, pending_info, dead = replies[3 * i : 3 * i + 3]
            length = length if isinstance(length, int) else 0
            pending = pending_info["pending"] if isinstance(pending_info, dict) else 0
            out[lane.value] = {
                "waiting": max(length - pending, 0),
                "pending": pending,
                "dead": dead if isinstance(dead, int) else 0,
            }
        return out
