"""Many workers at once on the real Redis: every job is acknowledged exactly once."""

from __future__ import annotations

import asyncio
import collections
import uuid

import redis.asyncio as aioredis

from reelbot.queue.keys import Keys, Lane
from reelbot.queue.records import EnqueueItem
from reelbot.queue.settings import QueueSettings
from reelbot.queue.streams import JobQueue

JOBS = 400
WORKERS = 4


async def test_parallel_consumers_ack_every_job_exactly_once(
    redis_client: aioredis.Redis, keys: Keys, queue_settings: QueueSettings
) -> None:
    producer = JobQueue(redis_client, keys, queue_settings)
    await producer.ensure_groups()
    items = [
        EnqueueItem(uuid.uuid4(), f"idem-{i}", f"user-{i % 7}", lane=Lane.RELAXED if i % 3 else Lane.FAST)
        for i in range(JOBS)
    ]
    results = await producer.enqueue_many(items, max_pending=JOBS)
    assert all(not isinstance(r, Exception) and not r.duplicate for r in results)

    # One worker takes a batch and dies without acknowledging: the others must reclaim it.
    crashed = JobQueue(redis_client, keys, queue_settings)
    lost = (await crashed.claim("crashed", count=10)).deliveries
    assert len(lost) == 10

    acked: collections.Counter[uuid.UUID] = collections.Counter()
    handled: collections.Counter[uuid.UUID] = collections.Counter()

    async def worker(name: str) -> None:
        q = JobQueue(redis_client, keys, queue_settings)
        idle_rounds = 0
        while idle_rounds < 10:  # ~1 s of nothing after the queue drained, > the idle timeout
            batch = (await q.claim(name, count=5, block_ms=100)).deliveries
            if not batch:
                idle_rounds += 1
                continue
            idle_rounds = 0
            for d in batch:
                handled[d.job_id] += 1
            await asyncio.sleep(0)  # "render"
            for d in batch:
                if await q.ack(d) == 1:
                    acked[d.job_id] += 1

    await asyncio.gather(*(worker(f"w{i}") for i in range(WORKERS)))
    expected = {item.job_id for item in items}
    assert set(acked) == expected
    assert set(acked.values()) == {1}
    assert {d.job_id for d in lost} <= set(handled)
    depth = await producer.depth()
    assert depth == {
        "fast": {"waiting": 0, "pending": 0, "dead": 0},
        "relaxed": {"waiting": 0, "pending": 0, "dead": 0},
    }
    assert await redis_client.hlen(keys.index) == 0
