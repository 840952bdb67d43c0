"""Producing: jobs into the lanes' streams, once per idempotency key, within a user's cap.

Each job is atomic on its own inside one Lua script (``scripts.ENQUEUE``): the idempotency
key, the per-user pending set, the index entry and the XADD happen together or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import redis.asyncio as aioredis

from reelbot.queue import scripts
from reelbot.queue.base import QueueBase
from reelbot.queue.errors import PendingCapReached
from reelbot.queue.keys import LANES, Keys, Lane
from reelbot.queue.records import EnqueueItem, EnqueueResult
from reelbot.queue.replies import as_text
from reelbot.queue.settings import QueueSettings

#: Jobs per enqueue script call: bounds how long one call keeps Redis busy (~1 ms).
ENQUEUE_CHUNK = 200


class Producing(QueueBase):
    """enqueue, enqueue_many and lookup."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, settings: QueueSettings) -> None:
        super().__init__(redis, keys, settings)
        self._enqueue = redis.register_script(scripts.ENQUEUE)

    async def enqueue(
        self,
        job_id: uuid.UUID,
        *,
        idempotency_key: str,
        user_key: str,
        max_pending: int,
        lane: str = Lane.FAST,
    ) -> EnqueueResult:
        """Queue a job once per idempotency key.

        Raises :class:`~reelbot.queue.errors.PendingCapReached` when the user already has
        ``max_pending`` jobs queued or running; nothing is written then.
        """
        (result,) = await self.enqueue_many(
            [EnqueueItem(job_id, idempotency_key, user_key, lane)], max_pending=max_pending
        )
        if isinstance(result, PendingCapReached):
            raise result
        return result

    async def enqueue_many(
        self, items: Iterable[EnqueueItem], *, max_pending: int
    ) -> list[EnqueueResult | PendingCapReached]:
        """Queue many jobs in one round trip (each one idempotent and capped on its own).

        A refused item yields its ``PendingCapReached`` in place of a result; the others are queued.
        Large batches go as several script calls in one pipeline, so Redis never runs one
        script for long.
        """
        batch = list(items)
        if not batch:
            return []
        calls = self._enqueue_calls(batch, max_pending)
        if len(calls) == 1:
            replies = [await self._enqueue(keys=calls[0][0], args=calls[0][1])]
        else:
            pipe = self.redis.pipeline(transaction=False)
            for keys, args in calls:
                await self._enqueue(keys=keys, args=args, client=pipe)
            replies = await pipe.execute()
        flat = [reply for chunk in replies for reply in chunk]
        return [
            _enqueue_result(item.job_id, reply, max_pending) for item, reply in zip(batch, flat, strict=True)
        ]

    def _enqueue_calls(self, batch: list[EnqueueItem], max_pending: int) -> list[tuple[list[str], list[Any]]]:
        """The script calls for ``batch``: ``ENQUEUE_CHUNK`` jobs each, keys and args."""
        head = [self.keys.index, *self._streams.values()]
        head_args = [self.settings.idempotency_ttl_s, max_pending, len(LANES), *LANES]
        calls: list[tuple[list[str], list[Any]]] = []
        for start in range(0, len(batch), ENQUEUE_CHUNK):
            keys: list[str] = list(head)
            args: list[Any] = list(head_args)
            for item in batch[start : start + ENQUEUE_CHUNK]:
                if not item.idempotency_key:
                    raise ValueError("idempotency_key must not be empty")
                keys += [self.keys.idempotency(item.idempotency_key), self.keys.user_pending(item.user_key)]
                args.append(f"{self._lane_no(item.lane)} {item.job_id} {item.user_key}")
            calls.append((keys, args))
        return calls

    async def lookup(self, idempotency_key: str) -> uuid.UUID | None:
        """The job first enqueued under ``idempotency_key``, if it is still remembered."""
        raw = await self.redis.get(self.keys.idempotency(idempotency_key))
        return None if raw is None else uuid.UUID(as_text(raw))


def _enqueue_result(job_id: uuid.UUID, reply: Any, max_pending: int) -> EnqueueResult | PendingCapReached:
    """One job's answer from the script: ``C <count>`` (capped), ``D …`` (duplicate) or its id."""
    text = as_text(reply)
    if text.startswith("C "):
        return PendingCapReached(count=int(text[2:]), limit=max_pending)
    if text.startswith("D "):
        parts = text.split(" ", 4)  # D first-job [lane message-id user]
        return EnqueueResult(uuid.UUID(parts[1]), parts[3] if len(parts) > 3 else None, duplicate=True)
    return EnqueueResult(job_id, text, duplicate=False)
