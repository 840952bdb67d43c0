"""JobQueue.standing (a waiting job's lane, places, the jobs ahead and in flight) and
live_consumers (workers seen lately), against the real Redis."""

from __future__ import annotations

import uuid

from reelbot.queue.keys import Lane
from reelbot.queue.streams import JobQueue
from tests.queue.test_queue_streams import put


async def test_standing_lists_the_jobs_ahead_in_serving_order(job_queue: JobQueue) -> None:
    f1, f2 = await put(job_queue), await put(job_queue)
    r1 = await put(job_queue, lane=Lane.RELAXED)
    f3 = await put(job_queue)
    r2 = await put(job_queue, lane=Lane.RELAXED)

    fast = await job_queue.standing(f3)
    assert fast is not None
    assert (fast.lane, fast.lane_position, fast.position) == (Lane.FAST, 3, 3)
    assert fast.ahead == [f1, f2] and fast.in_flight == [] and fast.ahead_count == 2

    # A relaxed job waits behind the whole fast lane, then its own lane.
    relaxed = await job_queue.standing(r2)
    assert relaxed is not None
    assert (relaxed.lane, relaxed.lane_position, relaxed.position) == (Lane.RELAXED, 2, 5)
    assert relaxed.ahead == [f1, f2, f3, r1]
    assert await job_queue.position(r2) == relaxed.position  # the same place position() gives

    # A claimed job is in flight for everyone behind it, and no longer waiting itself.
    claimed = await job_queue.claim("w1")
    assert [d.job_id for d in claimed.deliveries] == [f1]
    assert await job_queue.standing(f1) is None
    after = await job_queue.standing(r2)
    assert after is not None and after.ahead == [f2, f3, r1] and after.in_flight == [f1]
    assert after.position == 4

    assert await job_queue.standing(uuid.uuid4()) is None


async def test_standing_caps_the_lists_but_not_the_count(job_queue: JobQueue) -> None:
    jobs = [await put(job_queue) for _ in range(6)]
    await job_queue.claim("w1", count=2)
    standing = await job_queue.standing(jobs[-1], limit=2)
    assert standing is not None
    assert standing.ahead == jobs[2:4] and standing.ahead_count == 3 and standing.position == 4
    assert standing.in_flight == jobs[:2]


async def test_live_consumers_counts_each_worker_once(job_queue: JobQueue) -> None:
    assert await job_queue.live_consumers() == 0  # a group nobody has read from
    await put(job_queue)
    await put(job_queue, lane=Lane.RELAXED)
    # w1 takes the fast job, then (fast empty) the relaxed one: seen on both lanes, one worker.
    assert (await job_queue.claim("w1")).deliveries
    assert (await job_queue.claim("w1")).deliveries
    assert await job_queue.live_consumers() == 1
    # A second worker waiting for work (its blocking claim finds nothing) is live too.
    assert not (await job_queue.claim("w2", block_ms=1)).deliveries
    assert await job_queue.live_consumers() == 2
    # A worker that stops cleanly takes its stamp away (the other one still counts).
    await job_queue.forget_consumer("w1")
    assert await job_queue.live_consumers() == 1
    # Older than the window asked for: nobody (a window of 0 ms excludes everyone).
    assert await job_queue.live_consumers(within_ms=0) == 0
    # A worker stamps itself again on its next claim after coming back.
    await job_queue.claim("w1")
    assert await job_queue.live_consumers() == 2
