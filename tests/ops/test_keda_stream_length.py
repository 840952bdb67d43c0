"""What the KEDA trigger relies on: a jobs stream's length counts waiting AND rendering jobs,
and drops to 0 only when every job is acknowledged (so scale-to-zero never kills a render)."""

from __future__ import annotations

import uuid

import redis.asyncio as aioredis

from reelbot.queue.keys import Keys, Lane
from reelbot.queue.settings import QueueSettings
from reelbot.queue.streams import JobQueue


async def test_stream_length_is_waiting_plus_rendering(redis_client: aioredis.Redis, key_prefix: str) -> None:
    keys = Keys(key_prefix)
    queue = JobQueue(redis_client, keys, QueueSettings())
    await queue.ensure_groups()
    for n in range(3):
        await queue.enqueue(uuid.uuid4(), idempotency_key=f"k{n}", user_key=f"u{n}", max_pending=5)
    stream = keys.jobs(Lane.FAST)
    assert await redis_client.xlen(stream) == 3
    claimed = await queue.claim("w1", count=2)
    assert await redis_client.xlen(stream) == 3  # two rendering + one waiting
    await queue.ack(claimed.deliveries[0])
    assert await redis_client.xlen(stream) == 2
    last = await queue.claim("w1", count=1)
    await queue.ack(claimed.deliveries[1])
    assert await redis_client.xlen(stream) == 1  # the last job is still rendering: keep its worker
    await queue.ack(*last.deliveries)
    assert await redis_client.xlen(stream) == 0
