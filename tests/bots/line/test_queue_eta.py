"""LINE: the acknowledgement says when the video should be ready (LINE cannot edit it later),
and 排隊 / 進度 / queue lists the person's jobs in this chat with lane, place and ETA — from
measured renders over the live workers.

Real line-bot-sdk against the fake Messaging API, the real service (Redis queue, SQLite);
"workers" are names stamped alive in the queue, as a worker's claims stamp them.
"""

from __future__ import annotations

import asyncio
import uuid

from reelbot.domain.types import GenerationRequest, Origin, Platform
from reelbot.queue.keys import Lane
from reelbot.storage import jobs as job_repo
from reelbot.storage.db import session_scope
from tests.bots.line.conftest import Harness, reply_texts, text_event
from tests.jobrecords import finish_job


def alice(chat: str | None = None) -> Origin:
    return Origin(
        platform=Platform.LINE, user_id="Ualice", channel_id=chat or "Ualice", guild_id=chat, locale="zh-TW"
    )


def measured(harness: Harness, seconds: float) -> None:
    """A finished tiny clip of the recipe a plain LINE prompt makes, measured at ``seconds``."""
    request = GenerationRequest(prompt="舊的影片", origin=alice(), preset="tiny", seed=1)
    with session_scope(harness.service.db) as session:
        job_id = job_repo.create_job(session=session, request=request, idempotency_key=uuid.uuid4().hex).id
    finish_job(harness.service.db, job_id, gpu_seconds=seconds)


async def test_ack_and_queue_command_show_lane_place_and_eta(harness: Harness) -> None:
    for _ in range(3):
        await asyncio.to_thread(measured, harness, 8.0)
    await harness.service.queue.mark_seen("worker-1")

    await harness.send(text_event("一隻貓在跳舞"))
    await harness.send(text_event("第二支"))
    assert reply_texts(harness.fake)[-2:] == [
        "排隊中，第 1 位。完成後會把影片傳給你。\n預計約 8.0 秒後完成。",
        "排隊中，第 2 位。完成後會把影片傳給你。\n預計約 16.0 秒後完成。",
    ]
    # A third one waits in the relaxed lane (as past the fast quota).
    relaxed = await harness.service.submit(
        GenerationRequest(prompt="慢慢來的影片", origin=alice()),
        idempotency_key="relaxed-1",
        lane=Lane.RELAXED,
    )

    await harness.send(text_event("排隊"))
    lines = reply_texts(harness.fake)[-1].split("\n")
    assert lines[0] == "你的影片（3 支）："
    assert lines[1] == f"・慢慢來的影片（{str(relaxed.job_id)[:8]}）：慢速通道第 1 位，預計約 24.0 秒後完成"
    assert [line.split("）：", 1)[1] for line in lines[2:]] == [
        "快速通道第 2 位，預計約 16.0 秒後完成",
        "快速通道第 1 位，預計約 8.0 秒後完成",
    ]

    # A second worker: the work ahead is shared by two (the relaxed job waits behind 8 + 8).
    await harness.service.queue.mark_seen("worker-2")
    await harness.send(text_event("進度"))
    assert [line.split("）：", 1)[1] for line in reply_texts(harness.fake)[-1].split("\n")[1:]] == [
        "慢速通道第 1 位，預計約 16.0 秒後完成",
        "快速通道第 2 位，預計約 12.0 秒後完成",
        "快速通道第 1 位，預計約 8.0 秒後完成",
    ]


async def test_queue_command_without_jobs_or_workers(harness: Harness) -> None:
    harness.fake.profiles["Ubob"] = {"displayName": "Bob", "language": "en"}
    await harness.send(text_event("queue", user="Ubob"))
    assert reply_texts(harness.fake)[-1] == "You have no videos waiting or rendering."
    # No worker has been seen: the ack gives the place only, the list says the wait is unknown.
    await harness.send(text_event("a paper boat", user="Ubob"))
    assert reply_texts(harness.fake)[-1] == "Queued — number 1 in line. I'll send the video when it's ready."
    await harness.send(text_event("/queue", user="Ubob"))
    assert reply_texts(harness.fake)[-1].endswith(
        "): number 1 in the fast lane, no GPU worker is running right now, so the wait is unknown"
    )
    # In a group, jobs from the 1:1 chat are not listed (the group would read their prompts).
    await harness.send(text_event("/video 排隊", user="Ubob", group="Cgroup1"))
    assert reply_texts(harness.fake)[-1] == "You have no videos waiting or rendering."
    assert await harness.job_count() == 1  # asking made no job
