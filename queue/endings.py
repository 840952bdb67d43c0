"""Endings: how a job leaves the jobs queue — acknowledged once its result is stored, or
given up on into its lane's dead-letter stream with the last error recorded for it.

Both are one Lua script per job (or per chunk of acks) so the stream entry, the index, the
user's pending set and the error hash never disagree.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis

from reelbot.queue import scripts
from reelbot.queue.base import QueueBase
from reelbot.queue.keys import LANES, Keys, Lane
from reelbot.queue.records import DeadLetter, Delivery
from reelbot.queue.replies import as_text, id_order
from reelbot.queue.settings import QueueSettings

#: Deliveries per ack script call.
ACK_CHUNK = 1000
#: Recorded errors are truncated to this many characters (they travel into dead letters).
MAX_ERROR_CHARS = 2000


class Endings(QueueBase):
    """ack, record_error, dead_letter and dead_letters."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, settings: QueueSettings) -> None:
        super().__init__(redis, keys, settings)
        self._ack = redis.register_script(scripts.ACK)
        self._dead_letter = redis.register_script(scripts.DEAD_LETTER)

    async def ack(self, *deliveries: Delivery) -> int:
        """Acknowledge finished jobs (after their result is stored): XACK, XDEL and removal
        from the index and the user's pending set, atomically, in one round trip (Lua).

        Returns how many were still pending (0 for one that was already acknowledged).
        """
        if not deliveries:
            return 0
        acked = 0
        # Chunks keep each script short and within Lua's unpack() limit (~8000 values).
        for start in range(0, len(deliveries), ACK_CHUNK):
            keys = [self.keys.index, self.keys.errors, *self._streams.values()]
            args: list[Any] = [self.group, len(LANES)]
            for d in deliveries[start : start + ACK_CHUNK]:
                keys.append(self.keys.user_pending(d.user_key))
                args.append(f"{self._lane_no(d.lane)} {d.message_id} {d.job_id}")
            acked += int(await self._ack(keys=keys, args=args))
        return acked

    async def record_error(self, delivery: Delivery, error: str) -> None:
        """Remember the latest error of a job; it goes into the dead letter if it ends there."""
        await self.redis.hset(self.keys.errors, str(delivery.job_id), error[:MAX_ERROR_CHARS])

    async def dead_letter(self, delivery: Delivery, error: str) -> DeadLetter:
        """Give up on a job now (an error retrying cannot fix); it leaves the queue."""
        (letter,) = await self._dead_letter_many([delivery], error=error[:MAX_ERROR_CHARS] or "failed")
        return letter

    async def _dead_letter_many(self, deliveries: Sequence[Delivery], *, error: str) -> list[DeadLetter]:
        """Dead-letter each delivery (one script each, one pipeline); an empty ``error`` lets
        the script take the error recorded for the job."""
        pipe = self.redis.pipeline(transaction=False)
        now_ms = int(time.time() * 1000)
        for d in deliveries:
            await self._dead_letter(
                keys=[
                    self.keys.jobs(d.lane),
                    self.keys.dead(d.lane),
                    self.keys.index,
                    self.keys.errors,
                    self.keys.user_pending(d.user_key),
                ],
                args=[self.group, d.message_id, str(d.job_id), d.user_key, d.lane, d.attempt, error, now_ms],
                client=pipe,
            )
        replies = await pipe.execute()
        return [
            DeadLetter(as_text(entry), d.job_id, d.lane, d.attempt, as_text(err), d.message_id, d.user_key)
            for d, (entry, err) in zip(deliveries, replies, strict=True)
        ]

    async def dead_letters(self, count: int = 100) -> list[DeadLetter]:
        """The newest ``count`` dead letters of all lanes, newest first (for operators)."""
        letters: list[DeadLetter] = []
        for lane in LANES:
            entries: list[Any] = await self.redis.xrevrange(self.keys.dead(lane), count=count) or []
            letters += [_letter(lane, entry_id, fields) for entry_id, fields in entries]
        letters.sort(key=lambda letter: id_order(letter.entry_id), reverse=True)
        return letters[:count]


def _letter(lane: Lane, entry_id: Any, fields: Any) -> DeadLetter:
    """One entry of a dead-letter stream as a :class:`DeadLetter`."""
    f = {as_text(k): as_text(v) for k, v in (fields or {}).items()}
    return DeadLetter(
        entry_id=as_text(entry_id),
        job_id=uuid.UUID(f["job"]),
        lane=Lane(f.get("lane", lane)),
        attempt=int(f.get("attempt", 0)),
        error=f.get("error", ""),
        message_id=f.get("message", ""),
        user_key=f.get("user", ""),
    )
