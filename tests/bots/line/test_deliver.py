"""Result delivery from the durable events stream: failures, cancellations, LINE outages, restarts."""

from __future__ import annotations

import asyncio
import uuid

from reelbot.bots.line.deliver import Deliverer
from reelbot.domain import Origin, Platform
from reelbot.events import EventKind, JobEvent
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
    assert await first.step() is True
    assert len(push_texts(harness.fake)) == 1
    keys = {c.headers["X-Line-Retry-Key"] for c in harness.fake.pushes}
    assert len(keys) == 1
    # Nothing is left pending in the group.
    pending = await harness.service.redis.xpending(stream.stream, harness.bot.config.events_group)
    assert pending["pending"] == 0
