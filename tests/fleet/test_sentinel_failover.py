"""Redis Sentinel: the primary is killed mid-flow, the replica is promoted, the queue goes on.

Real processes (tests/fleet/redis_nodes.py): a primary, a replica, a Sentinel. The client is
what every reelbot process opens — ``connect(settings.redis_url)`` with a
``redis+sentinel://`` URL, which hands it to ``connect_sentinel`` — so nothing here knows
which node is the primary.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
import redis.asyncio as aioredis

from reelbot.domain.settings import QueueSettings, Settings
from reelbot.queue.keys import Keys
from reelbot.queue.records import Delivery
from reelbot.queue.sentinel import BlockingSentinelConnectionPool, connect_sentinel, parse_sentinel_url
from reelbot.queue.streams import JobQueue
from tests.fleet.redis_nodes import SERVICE, RedisNodes, wait_until

CAP = 100


async def enqueue(q: JobQueue, name: str) -> uuid.UUID:
    job = uuid.uuid4()
    result = await q.enqueue(job, idempotency_key=name, user_key=f"u:{name}", max_pending=CAP)
    assert not result.duplicate
    return job


async def drain(q: JobQueue, consumer: str) -> list[Delivery]:
    got: list[Delivery] = []
    while True:
        claimed = await q.claim(consumer, count=10)
        if not claimed.deliveries:
            return got
        got.extend(claimed.deliveries)
        await q.ack(*claimed.deliveries)


def test_settings_accept_a_sentinel_url() -> None:
    url = "redis+sentinel://:pw@s0:26379,s1,s2:26380/reelbot/2"
    settings = Settings(_env_file=None, redis_url=url)  # type: ignore[call-arg]
    target = parse_sentinel_url(settings.redis_url)
    assert target.sentinels == [("s0", 26379), ("s1", 26379), ("s2", 26380)]
    assert (target.service_name, target.db, target.password) == ("reelbot", 2, "pw")
    assert "pw" not in repr(target)
    for bad in ("redis+sentinel:///reelbot", "redis+sentinel://s0:26379/", "redis+sentinel://s0/a/1/x"):
        with pytest.raises(ValueError):
            parse_sentinel_url(bad)


async def test_primary_killed_replica_promoted_queue_goes_on(nodes: RedisNodes, key_prefix: str) -> None:
    redis = connect_sentinel(nodes.url, max_connections=8, timeout_s=20)
    assert isinstance(redis.connection_pool, BlockingSentinelConnectionPool)
    q = JobQueue(redis, Keys(key_prefix), QueueSettings(reclaim_idle_ms=300, heartbeat_s=0.1))
    try:
        await q.ensure_groups()
        before = [await enqueue(q, f"before-{i}") for i in range(10)]
        done_before = await q.claim("worker-a", count=3)
        await q.ack(*done_before.deliveries)
        in_flight = (await q.claim("worker-a", count=1)).deliveries  # claimed, never acked
        assert len(done_before.deliveries) == 3 and len(in_flight) == 1
        # What asynchronous replication promises: writes the replica acknowledged survive.
        assert await redis.execute_command("WAIT", 1, 10_000) == 1

        nodes.kill_primary()
        # The same client, no reconnect by hand: the enqueue waits out the failover.
        after = [await enqueue(q, f"after-{i}") for i in range(5)]
        assert nodes.sentinel_primary_port() == nodes.replica_port
        dup = await q.enqueue(
            uuid.uuid4(), idempotency_key="before-0", user_key="u:before-0", max_pending=CAP
        )
        assert dup.duplicate and dup.job_id == before[0]  # idempotency keys survived too

        await asyncio.sleep(0.4)  # past reclaim_idle_ms: worker-a's job is reclaimable
        delivered = await drain(q, "worker-b")
        ids = [d.job_id for d in delivered]
        assert len(ids) == len(set(ids))  # none twice
        done_ids = {d.job_id for d in done_before.deliveries}
        assert set(ids) == (set(before) - done_ids) | set(after)  # none lost, acked ones not again
        assert in_flight[0].job_id in ids
    finally:
        await redis.aclose()


async def test_a_client_started_after_the_failover_finds_the_new_primary(nodes: RedisNodes) -> None:
    nodes.kill_primary()
    wait_until(lambda: nodes.sentinel_primary_port() == nodes.replica_port, "the promotion")
    redis: aioredis.Redis = connect_sentinel(nodes.url, failover_s=5)
    try:
        assert await redis.set("reelbot-sentinel-probe", "1")
        info = await redis.info("server")
        assert int(info["tcp_port"]) == nodes.replica_port
    finally:
        await redis.aclose()
    assert SERVICE in nodes.url


async def test_readiness_check_pings_the_current_primary(nodes: RedisNodes) -> None:
    from reelbot.ops.health import redis_check

    check = redis_check(nodes.url)
    await check()  # raises when Redis cannot be reached
    nodes.kill_primary()
    wait_until(lambda: nodes.sentinel_primary_port() == nodes.replica_port, "the promotion")
    await check()
    nodes.stop()  # no Redis at all any more: the check must fail, not hang or pass
    with pytest.raises(Exception):  # noqa: B017 - redis-py's ConnectionError or MasterNotFoundError
        await check()
