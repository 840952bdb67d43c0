"""用量 / usage (figures from the stored GPU-seconds), 取消 / cancel (newest job in this chat, the
quick reply, someone else's job, a running job) and the relaxed-lane notice in the reply.

Real line-bot-sdk against the fake Messaging API, the real service (Redis queue, SQLite).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.safety_config import QuotaLimits
from reelbot.domain.types import JobState, Origin, Platform
from reelbot.storage import jobs as job_repo
from reelbot.storage.db import session_scope
from tests.bots.line.conftest import (
    Harness,
    deliver_all,
    last_reply,
    postback_event,
    push_texts,
    reply_texts,
    text_event,
    waiting_in_queue,
)
from tests.jobrecords import finished_job


def line_origin(user: str, chat: str | None = None) -> Origin:
    return Origin(
        platform=Platform.LINE, user_id=user, channel_id=chat or user, guild_id=chat, locale="zh-TW"
    )


async def test_usage_reports_the_stored_gpu_seconds(harness: Harness) -> None:
    for seconds in (12.5, 7.25):
        await asyncio.to_thread(finished_job, harness.service.db, line_origin("Ualice"), seconds)
    await asyncio.to_thread(finished_job, harness.service.db, line_origin("Ualice", "Cgroup7"), 30.0)
    await asyncio.to_thread(finished_job, harness.service.db, line_origin("Ubob", "Cgroup7"), 100.0)

    await harness.send(text_event("用量"))
    # Alice: 12.5 + 7.25 + 30 = 49.75 s used (shown rounded), 600 - 49.75 left; a typical clip is
    # her mean, 16.58 s ≈ 16.58 / 3600 × 2.5 USD.
    assert reply_texts(harness.fake)[-1] == (
        "你今天的 GPU 用量：已用 50 / 600 GPU 秒（剩 550）。一支影片大約需要 17 GPU 秒 ≈ 0.012 USD。\n"
        "你本月的 GPU 用量：已用 50 / 6,000 GPU 秒（剩 5,950）。一支影片大約需要 17 GPU 秒 ≈ 0.012 USD。"
    )
    # In the group, the group's windows too: 30 (Alice) + 100 (Bob).
    await harness.send(text_event("/video 用量", group="Cgroup7"))
    lines = reply_texts(harness.fake)[-1].split("\n")
    assert len(lines) == 4
    assert lines[2] == "這個伺服器或群組今天的 GPU 用量：已用 130 / 6,000 GPU 秒（剩 5,870）。"
    assert lines[3] == "這個伺服器或群組本月的 GPU 用量：已用 130 / 60,000 GPU 秒（剩 59,870）。"
    # English for Bob, whose profile says so (1:1).
    harness.fake.profiles["Ubob"] = {"displayName": "Bob", "language": "en"}
    await harness.send(text_event("usage", user="Ubob"))
    assert reply_texts(harness.fake)[-1].startswith(
        "Your GPU use today: 100 of 600 GPU-seconds (500 left). A typical clip costs about 100 GPU-seconds"
    )
    assert await harness.job_count() == 4  # asking made no job


async def test_help_mentions_usage_and_cancel(harness: Harness) -> None:
    await harness.send(text_event("說明"))
    (text,) = reply_texts(harness.fake)
    assert "「用量」" in text and "「取消」" in text


def quick_data(message: dict[str, Any]) -> list[str]:
    return [item["action"]["data"] for item in message["quickReply"]["items"]]


async def test_cancel_takes_the_newest_job_in_this_chat(harness: Harness) -> None:
    await harness.send(text_event("/video 群組的影片", group="Cgroup1"))
    await harness.send(text_event("第一支"))
    await harness.send(text_event("第二支"))
    (group_job,) = [
        j for j in await harness.service.jobs_for(Platform.LINE, "Ualice") if j.request.prompt == "群組的影片"
    ]
    newest, older = [
        j
        for j in await harness.service.jobs_for(Platform.LINE, "Ualice")
        if j.request.origin.channel_id == "Ualice"
    ]
    assert newest.request.prompt == "第二支"
    assert quick_data(last_reply(harness)) == [f"cancel:{newest.id}"]  # 取消 under "queued"
    assert last_reply(harness)["quickReply"]["items"][0]["action"]["label"] == "取消"

    await harness.send(text_event("取消"))
    assert reply_texts(harness.fake)[-1] == f"已取消工作 {str(newest.id)[:8]}。"
    await harness.send(text_event("取消"))
    assert reply_texts(harness.fake)[-1] == f"已取消工作 {str(older.id)[:8]}。"
    await harness.send(text_event("取消"))
    assert reply_texts(harness.fake)[-1] == "你在這個聊天室沒有進行中的影片可以取消。"
    assert (await harness.service.job(newest.id)).state is JobState.CANCELLED
    assert (await harness.service.job(group_job.id)).state is JobState.QUEUED  # another chat: untouched
    assert await waiting_in_queue(harness) == 1
    # The replies told the user; the cancelled events cost no pushes.
    await deliver_all(harness)
    assert push_texts(harness.fake) == []


async def test_cancel_quick_reply_only_for_the_owner(harness: Harness) -> None:
    await harness.send(text_event("/video 夜晚的城市", group="Cgroup1"))
    (data,) = quick_data(last_reply(harness))
    job_id = uuid.UUID(data.split(":", 1)[1])
    await harness.send(postback_event(data, user="Umallory", group="Cgroup1"))
    assert reply_texts(harness.fake)[-1] == f"工作 {job_id} 是別人的。"
    assert (await harness.service.job(job_id)).state is JobState.QUEUED
    await harness.send(postback_event(data, group="Cgroup1"))
    assert reply_texts(harness.fake)[-1] == f"已取消工作 {str(job_id)[:8]}。"
    assert (await harness.service.job(job_id)).state is JobState.CANCELLED
    await harness.send(postback_event(data, group="Cgroup1"))  # tapped again
    assert reply_texts(harness.fake)[-1] == f"工作 {str(job_id)[:8]} 目前狀態為已取消，無法取消。"
    assert await waiting_in_queue(harness) == 0


async def test_cancelling_a_running_job_says_stopping_and_the_worker_event_is_pushed(
    harness: Harness,
) -> None:
    await harness.send(text_event("一隻貓"))
    (job,) = await harness.service.jobs_for(Platform.LINE, "Ualice")
    claimed = await harness.service.queue.claim("w1")  # a worker took it
    assert [d.job_id for d in claimed.deliveries] == [job.id]
    with session_scope(harness.service.db) as session:
        assert job_repo.mark_running(session=session, job_id=job.id, worker="w1")
    await harness.send(text_event("cancel"))
    assert (
        reply_texts(harness.fake)[-1]
        == f"工作 {str(job.id)[:8]} 正在生成，會在下一步停止；停止後會再通知你。"
    )
    assert await harness.service.queue.is_cancelled(job.id)  # the worker stops at its next step
    # ... and then reports it: that push is the real answer, so it is not suppressed.
    origin = job.request.origin
    await harness.service.events("line").publish(
        JobEvent(kind=EventKind.CANCELLED, job_id=job.id, origin=origin)
    )
    await deliver_all(harness)
    assert push_texts(harness.fake) == [f"工作 {job.id} 已取消。"]


async def test_relaxed_lane_notice_is_part_of_the_reply(harness: Harness) -> None:
    quotas = harness.service.settings.quotas
    harness.service.settings.quotas = quotas.model_copy(
        update={"user": QuotaLimits(daily_gpu_s=1.0, monthly_gpu_s=None)}
    )
    await harness.send(text_event("第一支"))  # ~0.7 GPU-s of 1.0: fast
    await harness.send(text_event("第二支"))  # past the quota, within 2×: relaxed
    first, second = reply_texts(harness.fake)
    assert first == "排隊中，第 1 位。完成後會把影片傳給你。"
    assert second == (
        "排隊中，第 2 位。完成後會把影片傳給你。\n"
        "你的快速額度已用完，這支影片會排入慢速通道：等快速通道空出來才會開始。"
    )
