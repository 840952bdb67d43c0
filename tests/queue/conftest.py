"""Fixtures for the queue tests: a JobQueue on the real Redis under the test's own prefix."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis

from reelbot.queue.keys import Keys
from reelbot.queue.settings import QueueSettings
from reelbot.queue.streams import JobQueue


@pytest.fixture
def keys(key_prefix: str) -> Keys:
    return Keys(key_prefix)


@pytest.fixture
def queue_settings() -> QueueSettings:
    # Short idle timeout so reclaim tests wait a fraction of a second, not a minute.
    return QueueSettings(reclaim_idle_ms=200, heartbeat_s=0.05, max_deliveries=2)


@pytest.fixture
async def job_queue(redis_client: aioredis.Redis, keys: Keys, queue_settings: QueueSettings) -> JobQueue:
    q = JobQueue(redis_client, keys, queue_settings)
    await q.ensure_groups()
    return q
