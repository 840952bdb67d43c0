"""Result delivery from the durable events stream: failures, cancellations, LINE outages, restarts."""

from __future__ import annotations

import asyncio
import uuid
from functools import partial

from reelbot.bots.line.deliver import Deliverer
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.types import Origin, Platform
from tests.bots.line.conftest import Harness, push_texts


def origin(chat: str = "Ualice", locale: str = "zh-TW") -> Origin:
    return Origin(platform=Platform.LINE, user_id="Ualice", channel_id=chat, locale=locale)


async def test_failed_and_cancelled_jobs_are_pushed_in_the_users_language(harness: Harness) -> None:
    stream = harness.service.events("line")
    failed, cancelled = uuid.uuid4(), uuid.uuid4()
    await stream.publish(
        JobEvent(
            kind=EventKind.FAILED, job_id=failed, origin=origin("Cgroup1"), error_key="job.out_of_memory"
        )
    )
    await stream.publish(JobEvent(kind=EventKind.CANCELLED, job_id=cancelled, origin=origin(locale="en")))
    await stream.publish(
        JobEvent(kind=EventKind.PROGRESS, job_id=failed, origin=origin(), step=1, total_steps=4)
    )
    harness.bot.config.events_block_ms = 10
    stop = asyncio.Event()
    task = asyncio.create_task(harness.bot.deliverer.run(stop))
    await harness.fake.wait_for(lambda: len(harness.fake.pushes) >= 2, timeout=30)
    stop.set()
    await asyncio.wait_for(task, timeout=10)
    assert push_texts(harness.fake) == [
        f"影片生成失敗（工作 {failed}）：GPU 記憶體不足，請減少秒數或改用較小的比例。",
        f"Job {cancelled} was cancelled.",
    ]
    assert [c.body["to"] for c in harness.fake.pushes] == ["Cgroup1", "Ualice"]
    assert await harness.bot.state.pushes_this_month() == 2  # progress costs no push


async def test_an_outage_then_a_restart_delivers_once(harness: Harness) -> None:
    stream = harness.service.events("line")
    job = uuid.uuid4()
    await stream.publish(
        JobEvent(kind=EventKind.FAILED, job_id=job, origin=origin(), error_key="job.interrupted")
    )
    harness.bot.config.events_block_ms = 10
    harness.fake.fail_next_push = 100  # LINE is down
    first = harness.bot.deliverer
    assert await first.step() is False  # read, push failed, kept for retry (not acked)
    assert push_texts(harness.fake) == []
    # The bot restarts: a new process with the same consumer name reads its un-acked event again.
    harness.fake.fail_next_push = 0
    second = Deliverer(
        service=harness.service,
        api=harness.bot.api,
        state=harness.bot.state,
        config=harness.bot.config,
        media_base_url=harness.base_url,
        consumer=first.consumer,
    )
    assert await second.step() is True
    assert push_texts(harness.fake) == [f"影片生成失敗（工作 {job}）：工作在生成途中被取消了。"]
    # The old process's retry (if it were still alive) is not delivered twice: same retry key.
    assert len(first.retries) == 1
    for retry in first.retries.values():
        retry.due = 0.0
    assert await first.step() is True
    assert len(push_texts(harness.fake)) == 1
    keys = {c.headers["X-Line-Retry-Key"] for c in harness.fake.pushes}
    assert len(keys) == 1
    # Nothing is left pending in the group.
    pending = await harness.service.redis.xpending(stream.stream, harness.bot.config.events_group)
    assert pending["pending"] == 0


def fresh_deliverer(harness: Harness, **config: object) -> Deliverer:
    cfg = harness.bot.config.model_copy(update={"events_block_ms": 10, **config})
    return Deliverer(
        service=harness.service,
        api=harness.bot.api,
        state=harness.bot.state,
        config=cfg,
        media_base_url=harness.base_url,
    )


def failed_event(job: uuid.UUID) -> JobEvent:
    return JobEvent(kind=EventKind.FAILED, job_id=job, origin=origin(), error_key="job.interrupted")


async def pending_count(harness: Harness) -> int:
    stream = harness.service.events("line")
    pending = await harness.service.redis.xpending(stream.stream, harness.bot.config.events_group)
    return int(pending["pending"])


async def test_the_monthly_limit_429_is_given_up_not_retried_forever(harness: Harness) -> None:
    stream = harness.service.events("line")
    await stream.publish(failed_event(uuid.uuid4()))
    harness.fake.fail_next_push = 1
    harness.fake.push_failure = (429, "You have reached your monthly limit.")
    deliverer = fresh_deliverer(harness)
    await deliverer.stream.ensure_group(deliverer.config.events_group)
    assert await deliverer.step() is True  # acked: retrying cannot help before next month
    assert deliverer.retries == {}
    assert deliverer.monthly_limit_hit is True
    assert await pending_count(harness) == 0
    assert push_texts(harness.fake) == []
    # An ordinary 429 (rate limit) is still temporary.
    await stream.publish(failed_event(uuid.uuid4()))
    harness.fake.fail_next_push = 1
    harness.fake.push_failure = (429, "Too many requests")
    assert await deliverer.step() is False
    assert len(deliverer.retries) == 1


async def test_a_409_already_accepted_push_is_not_counted_again(harness: Harness) -> None:
    deliverer = fresh_deliverer(harness)
    event = failed_event(uuid.uuid4())
    assert await deliverer.deliver(event) is True
    assert await deliverer.deliver(event) is True  # same retry key: LINE answers 409
    assert len(push_texts(harness.fake)) == 1
    assert await harness.bot.state.pushes_this_month() == 1


async def test_a_failing_push_waits_with_backoff_while_newer_results_go_out(harness: Harness) -> None:
    stream = harness.service.events("line")
    stuck, newer = uuid.uuid4(), uuid.uuid4()
    await stream.publish(failed_event(stuck))
    deliverer = fresh_deliverer(harness, push_max_attempts=3, push_retry_base_s=60.0)
    await deliverer.stream.ensure_group(deliverer.config.events_group)
    harness.fake.fail_next_push = 100
    assert await deliverer.step() is False
    [(stuck_id, retry)] = deliverer.retries.items()
    assert retry.attempts == 1
    harness.fake.fail_next_push = 0
    await stream.publish(failed_event(newer))
    assert await deliverer.step() is False  # the newer one is read and delivered; the stuck one waits
    assert push_texts(harness.fake) == [f"影片生成失敗（工作 {newer}）：工作在生成途中被取消了。"]
    assert deliverer.retries[stuck_id].attempts == 1
    # Each failure doubles the wait; at the cap the entry is given up and acked.
    harness.fake.fail_next_push = 100
    first_wait = deliverer.retries[stuck_id].due
    deliverer.retries[stuck_id].due = 0.0
    await deliverer.step()
    assert deliverer.retries[stuck_id].attempts == 2
    assert deliverer.retries[stuck_id].due - first_wait > 60.0  # 120 s after, not 60 s
    deliverer.retries[stuck_id].due = 0.0
    await deliverer.step()
    assert deliverer.retries == {}
    assert await pending_count(harness) == 0


async def test_an_error_of_our_own_puts_the_entry_into_the_retries(harness: Harness) -> None:
    import redis.asyncio as aioredis

    from reelbot.bots.line.state import LineState

    stream = harness.service.events("line")
    job = uuid.uuid4()
    await stream.publish(JobEvent(kind=EventKind.CANCELLED, job_id=job, origin=origin(locale="en")))
    await stream.publish(
        JobEvent(kind=EventKind.PROGRESS, job_id=job, origin=origin(), step=1, total_steps=4)
    )
    deliverer = fresh_deliverer(harness)
    await deliverer.stream.ensure_group(deliverer.config.events_group)
    broken = aioredis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=1)  # a real Redis outage
    line_key = partial(harness.service.platform_key, Platform.LINE)
    deliverer.state = LineState(broken, line_key, deliverer.config)
    try:
        assert await deliverer.step() is False
    finally:
        await broken.aclose()
    # The failing entry waits for a retry, the next one of the same batch was still delivered.
    assert [r.event.kind for r in deliverer.retries.values()] == [EventKind.CANCELLED]
    assert await pending_count(harness) == 1  # the progress entry behind it was acked
    deliverer.state = harness.bot.state
    for retry in deliverer.retries.values():
        retry.due = 0.0
    assert await deliverer.step() is True
    assert push_texts(harness.fake)[-1] == f"Job {job} was cancelled."
    assert await pending_count(harness) == 0


async def test_entries_left_by_a_replaced_consumer_are_taken_over_periodically(harness: Harness) -> None:
    stream = harness.service.events("line")
    group = harness.bot.config.events_group
    deliverer = fresh_deliverer(harness, events_stale_ms=0)
    assert deliverer.consumer == "line-1"  # stable, from LineConfig.events_consumer
    await stream.ensure_group(group)
    assert await deliverer.step() is False  # running, nothing to do yet
    job = uuid.uuid4()
    await stream.publish(failed_event(job))
    # An old pod (another consumer name) read it and vanished without acking.
    gone = harness.service.events("line")
    assert [ev.job_id for _eid, ev in await gone.read(group, "old-pod-xyz", count=10, block_ms=10)] == [job]
    assert await deliverer.step() is False  # not due to re-claim yet
    assert push_texts(harness.fake) == []
    deliverer._next_reclaim = 0.0
    assert await deliverer.step() is True
    assert push_texts(harness.fake) == [f"影片生成失敗（工作 {job}）：工作在生成途中被取消了。"]
    assert await pending_count(harness) == 0


async def test_the_loop_retries_a_failed_push_and_delivers_it_once(harness: Harness) -> None:
    stream = harness.service.events("line")
    job = uuid.uuid4()
    await stream.publish(failed_event(job))
    harness.fake.fail_next_push = 2  # two 500s, then LINE is back
    deliverer = fresh_deliverer(harness, push_retry_base_s=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(deliverer.run(stop))
    await harness.fake.wait_for(lambda: len(push_texts(harness.fake)) >= 1, timeout=30)
    stop.set()
    await asyncio.wait_for(task, timeout=10)
    assert len(harness.fake.pushes) == 3  # two refused tries, one accepted
    assert push_texts(harness.fake) == [f"影片生成失敗（工作 {job}）：工作在生成途中被取消了。"]
    assert deliverer.retries == {}
    assert await pending_count(harness) == 0
