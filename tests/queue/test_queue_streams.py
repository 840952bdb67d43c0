"""JobQueue against the real Redis: idempotency, caps, claim/ack, reclaim, dead letters, lanes."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
import redis.asyncio as aioredis

from reelbot.queue.errors import PendingCapReached
from reelbot.queue.keys import Keys, Lane
from reelbot.queue.records import EnqueueItem
from reelbot.queue.settings import QueueSettings
from reelbot.queue.streams import JobQueue

CAP = 10


async def put(q: JobQueue, user: str = "discord:1", lane: str = Lane.FAST, cap: int = CAP) -> uuid.UUID:
    job = uuid.uuid4()
    result = await q.enqueue(job, idempotency_key=f"k-{job}", user_key=user, max_pending=cap, lane=lane)
    assert result.job_id == job and not result.duplicate
    return job


async def test_same_idempotency_key_gives_one_job_and_one_message(
    job_queue: JobQueue, redis_client: aioredis.Redis, keys: Keys
) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    a = await job_queue.enqueue(first, idempotency_key="webhook-42", user_key="line:U1", max_pending=CAP)
    b = await job_queue.enqueue(second, idempotency_key="webhook-42", user_key="line:U1", max_pending=CAP)
    assert (a.job_id, a.duplicate) == (first, False)
    assert (b.job_id, b.duplicate, b.message_id) == (first, True, a.message_id)
    # The same job id under another key is a duplicate too (re-enqueue after a crash).
    c = await job_queue.enqueue(first, idempotency_key="other", user_key="line:U1", max_pending=CAP)
    assert (c.job_id, c.duplicate) == (first, True)
    assert await redis_client.xlen(keys.jobs(Lane.FAST)) == 1
    assert await job_queue.lookup("webhook-42") == first
    assert await job_queue.lookup("never-used") is None
    # After the job finished, the key still answers with the first job (no second render).
    claimed = await job_queue.claim("w1")
    await job_queue.ack(*claimed.deliveries)
    d = await job_queue.enqueue(second, idempotency_key="webhook-42", user_key="line:U1", max_pending=CAP)
    assert (d.job_id, d.duplicate, d.message_id) == (first, True, None)


async def test_concurrent_identical_enqueues_make_one_message(
    job_queue: JobQueue, redis_client: aioredis.Redis, keys: Keys
) -> None:
    results = await asyncio.gather(
        *(
            job_queue.enqueue(uuid.uuid4(), idempotency_key="double-click", user_key="d:1", max_pending=CAP)
            for _ in range(20)
        )
    )
    assert len({r.job_id for r in results}) == 1
    assert sum(not r.duplicate for r in results) == 1
    assert await redis_client.xlen(keys.jobs(Lane.FAST)) == 1


async def test_per_user_cap_refuses_and_writes_nothing(
    job_queue: JobQueue, redis_client: aioredis.Redis, keys: Keys
) -> None:
    await put(job_queue, "discord:7", cap=2)
    await put(job_queue, "discord:7", cap=2, lane=Lane.RELAXED)
    refused = uuid.uuid4()
    with pytest.raises(PendingCapReached) as info:
        await job_queue.enqueue(refused, idempotency_key="third", user_key="discord:7", max_pending=2)
    # The queue reports data; the service turns it into LimitReached("queue.user_pending_cap")
    # with its en/zh-TW text (tests/e2e/test_render_path.py checks that translation).
    assert (info.value.count, info.value.limit) == (2, 2)
    assert await job_queue.lookup("third") is None
    assert await redis_client.xlen(keys.jobs(Lane.FAST)) == 1
    # Another user is not affected.
    await put(job_queue, "discord:8", cap=2)
    # Finishing one job frees a slot.
    claimed = await job_queue.claim("w1")
    assert claimed.deliveries[0].user_key == "discord:7"
    await job_queue.ack(*claimed.deliveries)
    again = await job_queue.enqueue(refused, idempotency_key="third", user_key="discord:7", max_pending=2)
    assert again.job_id == refused and not again.duplicate


async def test_claim_then_ack_removes_everything(
    job_queue: JobQueue, redis_client: aioredis.Redis, keys: Keys
) -> None:
    jobs = [await put(job_queue) for _ in range(3)]
    claimed = await job_queue.claim("w1", count=2)
    assert [d.job_id for d in claimed.deliveries] == jobs[:2]
    assert all(d.attempt == 1 and d.lane == Lane.FAST for d in claimed.deliveries)
    assert claimed.dead == []
    depth = await job_queue.depth()
    assert depth["fast"] == {"waiting": 1, "pending": 2, "dead": 0}
    assert await job_queue.ack(*claimed.deliveries) == 2
    assert await job_queue.ack(*claimed.deliveries) == 0  # a second ack is harmless
    assert await redis_client.xlen(keys.jobs(Lane.FAST)) == 1
    assert await redis_client.scard(keys.user_pending("discord:1")) == 1
    assert await redis_client.hlen(keys.index) == 1
    assert (await job_queue.depth())["fast"] == {"waiting": 1, "pending": 0, "dead": 0}


async def test_dead_consumers_message_is_reclaimed_after_idle_timeout(job_queue: JobQueue) -> None:
    job = await put(job_queue)
    (taken,) = (await job_queue.claim("dies")).deliveries
    assert not (await job_queue.claim("survivor")).deliveries  # not idle long enough yet
    await asyncio.sleep(0.3)
    (again,) = (await job_queue.claim("survivor")).deliveries
    assert (again.job_id, again.message_id, again.attempt) == (job, taken.message_id, 2)
    assert await job_queue.heartbeat("dies", taken) is False  # the old owner learns it lost it
    assert await job_queue.ack(again) == 1


async def test_heartbeat_keeps_a_long_render(job_queue: JobQueue, redis_client: aioredis.Redis) -> None:
    await put(job_queue)
    (mine,) = (await job_queue.claim("busy")).deliveries
    other = JobQueue(redis_client, job_queue.keys, job_queue.settings)
    for _ in range(8):  # 0.8 s, four times the idle timeout
        await asyncio.sleep(0.1)
        assert await job_queue.heartbeat("busy", mine) is True
        assert not await other.claim("thief")
    assert await job_queue.ack(mine) == 1
    assert await job_queue.heartbeat("busy", mine) is False


async def test_dead_letter_after_max_deliveries_with_last_error(
    job_queue: JobQueue, redis_client: aioredis.Redis, keys: Keys
) -> None:
    job = await put(job_queue, "discord:9", cap=1)
    first = (await job_queue.claim("w1")).deliveries[0]
    await job_queue.record_error(first, "CUDA out of memory")
    await asyncio.sleep(0.3)
    second = (await job_queue.claim("w2")).deliveries[0]
    assert second.attempt == 2  # max_deliveries == 2: still handed out
    await job_queue.record_error(second, "CUDA out of memory (again)")
    await asyncio.sleep(0.3)
    result = await job_queue.claim("w3")
    assert result.deliveries == []
    (letter,) = result.dead
    assert (letter.job_id, letter.attempt, letter.lane) == (job, 3, Lane.FAST)
    assert letter.error == "CUDA out of memory (again)"
    assert letter.user_key == "discord:9"
    assert [d.job_id for d in await job_queue.dead_letters()] == [job]
    assert (await job_queue.depth())["fast"] == {"waiting": 0, "pending": 0, "dead": 1}
    assert await redis_client.xlen(keys.jobs(Lane.FAST)) == 0
    # The user's slot is free again and nothing comes back on later claims.
    await put(job_queue, "discord:9", cap=1)
    assert [d.job_id for d in (await job_queue.claim("w3")).deliveries] != [job]


async def test_explicit_dead_letter(job_queue: JobQueue) -> None:
    job = await put(job_queue, lane=Lane.RELAXED)
    (d,) = (await job_queue.claim("w1")).deliveries
    letter = await job_queue.dead_letter(d, "prompt makes the pipeline raise ValueError")
    assert letter.job_id == job and letter.lane == Lane.RELAXED
    (listed,) = await job_queue.dead_letters(10)
    assert listed.error == "prompt makes the pipeline raise ValueError"
    assert listed.entry_id == letter.entry_id
    assert (await job_queue.depth())["relaxed"] == {"waiting": 0, "pending": 0, "dead": 1}


async def test_positions_fast_ahead_of_relaxed(job_queue: JobQueue) -> None:
    r1 = await put(job_queue, lane=Lane.RELAXED)
    f1 = await put(job_queue)
    f2 = await put(job_queue)
    r2 = await put(job_queue, lane=Lane.RELAXED)
    assert [await job_queue.position(j) for j in (f1, f2, r1, r2)] == [1, 2, 3, 4]
    (d,) = (await job_queue.claim("w1")).deliveries
    assert d.job_id == f1
    assert [await job_queue.position(j) for j in (f1, f2, r1, r2)] == [None, 1, 2, 3]
    assert await job_queue.position(uuid.uuid4()) is None


async def test_relaxed_lane_waits_for_fast(job_queue: JobQueue) -> None:
    r1 = await put(job_queue, lane=Lane.RELAXED)
    f1 = await put(job_queue)
    f2 = await put(job_queue)
    first = await job_queue.claim("w1", count=5)
    assert [d.job_id for d in first.deliveries] == [f1, f2]
    second = await job_queue.claim("w1", count=5)
    assert [(d.job_id, d.lane) for d in second.deliveries] == [(r1, Lane.RELAXED)]
    await job_queue.ack(*first.deliveries, *second.deliveries)
    assert not await job_queue.claim("w1", count=5)


async def test_cancel_waiting_and_running_jobs(
    job_queue: JobQueue, redis_client: aioredis.Redis, keys: Keys
) -> None:
    running = await put(job_queue, "discord:3", cap=2)
    waiting = await put(job_queue, "discord:3", cap=2)
    (d,) = (await job_queue.claim("w1")).deliveries
    assert d.job_id == running
    assert await job_queue.cancel(waiting) is True
    assert await job_queue.position(waiting) is None
    assert await job_queue.is_cancelled(waiting)
    assert await redis_client.scard(keys.user_pending("discord:3")) == 1
    assert not await job_queue.claim("w1")  # the cancelled message is gone
    # A running job cannot be pulled out of the worker's hands: it gets the flag instead.
    assert not await job_queue.is_cancelled(running)
    assert await job_queue.cancel(running) is False
    assert await job_queue.is_cancelled(running)
    assert await job_queue.cancel(uuid.uuid4()) is False


async def test_release_hands_a_job_back_at_once(job_queue: JobQueue, redis_client: aioredis.Redis) -> None:
    job = await put(job_queue)
    (d,) = (await job_queue.claim("stopping")).deliveries
    assert await job_queue.release("stopping", d) is True
    other = JobQueue(redis_client, job_queue.keys, job_queue.settings)
    (again,) = (await other.claim("next")).deliveries
    assert (again.job_id, again.attempt) == (job, 1)  # a hand-back does not use up a delivery


async def test_blocking_claim_wakes_on_new_job(job_queue: JobQueue) -> None:
    async def later() -> uuid.UUID:
        await asyncio.sleep(0.2)
        return await put(job_queue, lane=Lane.RELAXED)

    producer = asyncio.create_task(later())
    result = await job_queue.claim("w1", block_ms=5000)
    assert [d.job_id for d in result.deliveries] == [await producer]
    assert not await job_queue.claim("w1", block_ms=50)


async def test_claim_recreates_deleted_streams(
    job_queue: JobQueue, redis_client: aioredis.Redis, keys: Keys
) -> None:
    await redis_client.delete(keys.jobs(Lane.FAST), keys.jobs(Lane.RELAXED))
    assert not await job_queue.claim("w1")
    job = await put(job_queue)
    assert [d.job_id for d in (await job_queue.claim("w1")).deliveries] == [job]


async def test_enqueue_many_pipelines_and_reports_each(
    job_queue: JobQueue, redis_client: aioredis.Redis, keys: Keys
) -> None:
    ids = [uuid.uuid4() for _ in range(4)]
    items = [
        EnqueueItem(ids[0], "a", "u:1"),
        EnqueueItem(ids[1], "a", "u:1"),  # duplicate of the first
        EnqueueItem(ids[2], "b", "u:1", lane=Lane.RELAXED),
        EnqueueItem(ids[3], "c", "u:1"),  # over the cap of 2
    ]
    results = await job_queue.enqueue_many(items, max_pending=2)
    assert not isinstance(results[0], PendingCapReached) and results[0].job_id == ids[0]
    assert not isinstance(results[1], PendingCapReached) and results[1].duplicate
    assert results[1].job_id == ids[0]
    assert not isinstance(results[2], PendingCapReached) and not results[2].duplicate
    assert isinstance(results[3], PendingCapReached)
    assert await redis_client.xlen(keys.jobs(Lane.FAST)) == 1
    assert await redis_client.xlen(keys.jobs(Lane.RELAXED)) == 1


async def test_stale_pending_member_does_not_block_a_user(
    job_queue: JobQueue, redis_client: aioredis.Redis, keys: Keys
) -> None:
    # A job id left in the user's set without being in the queue (manual clean-up gone wrong).
    await redis_client.sadd(keys.user_pending("line:U9"), str(uuid.uuid4()))
    job = await put(job_queue, "line:U9", cap=1)
    assert await redis_client.smembers(keys.user_pending("line:U9")) == {str(job).encode()}


async def test_same_job_twice_in_one_batch_is_one_message(
    job_queue: JobQueue, redis_client: aioredis.Redis, keys: Keys
) -> None:
    job = uuid.uuid4()
    results = await job_queue.enqueue_many(
        [EnqueueItem(job, "x", "u:1"), EnqueueItem(job, "y", "u:1")], max_pending=CAP
    )
    assert [(r.job_id, r.duplicate) for r in results if not isinstance(r, PendingCapReached)] == [
        (job, False),
        (job, True),
    ]
    assert await redis_client.xlen(keys.jobs(Lane.FAST)) == 1


async def test_unknown_lane_is_refused_by_name(job_queue: JobQueue) -> None:
    with pytest.raises(ValueError, match="turbo"):
        await job_queue.enqueue(uuid.uuid4(), idempotency_key="k", user_key="u", max_pending=1, lane="turbo")


async def test_big_batches_are_split_but_all_queued(
    job_queue: JobQueue, redis_client: aioredis.Redis, keys: Keys
) -> None:
    items = [EnqueueItem(uuid.uuid4(), f"k{i}", f"u{i % 3}") for i in range(450)]
    results = await job_queue.enqueue_many(items, max_pending=1000)
    assert [r.job_id for r in results if not isinstance(r, PendingCapReached)] == [i.job_id for i in items]
    assert await redis_client.xlen(keys.jobs(Lane.FAST)) == 450
    assert await job_queue.position(items[-1].job_id) == 450


async def test_works_with_a_decoding_client(
    key_prefix: str, keys: Keys, queue_settings: QueueSettings
) -> None:
    """The service may open Redis with decode_responses=True: replies are str, not bytes."""
    client = aioredis.from_url(
        os.environ.get("REELBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"), decode_responses=True
    )
    try:
        q = JobQueue(client, keys, queue_settings)
        await q.ensure_groups()
        job = await put(q, "cli:me", cap=2)
        assert await q.position(job) == 1
        (d,) = (await q.claim("w")).deliveries
        assert d.job_id == job and d.user_key == "cli:me"
        assert await q.heartbeat("w", d)
        await q.dead_letter(d, "bad input")
        assert [x.error for x in await q.dead_letters()] == ["bad input"]
        other = await put(q, "cli:me", cap=2)
        assert await q.cancel(other) is True
        assert (await q.depth())["fast"] == {"waiting": 0, "pending": 0, "dead": 1}
    finally:
        async for key in client.scan_iter(match=f"{key_prefix}*"):
            await client.delete(key)
        await client.aclose()


async def test_ack_of_a_large_batch(job_queue: JobQueue, redis_client: aioredis.Redis, keys: Keys) -> None:
    items = [EnqueueItem(uuid.uuid4(), f"k{i}", "bulk") for i in range(1500)]
    await job_queue.enqueue_many(items, max_pending=2000)
    claimed = (await job_queue.claim("w", count=1500)).deliveries
    assert len(claimed) == 1500
    assert await job_queue.ack(*claimed) == 1500
    assert await redis_client.xlen(keys.jobs(Lane.FAST)) == 0
    assert await redis_client.scard(keys.user_pending("bulk")) == 0


async def test_a_claim_after_redis_lost_the_streams_recreates_them_and_says_so(
    job_queue: JobQueue, redis_client: aioredis.Redis, keys: Keys
) -> None:
    assert job_queue.groups_recreated == 0
    await redis_client.delete(keys.jobs(Lane.FAST), keys.jobs(Lane.RELAXED))  # an empty Redis
    assert not await job_queue.claim("w", count=1)
    assert job_queue.groups_recreated == 1  # the worker re-enqueues from the database on this
    assert not await job_queue.claim("w", count=1)
    assert job_queue.groups_recreated == 1
