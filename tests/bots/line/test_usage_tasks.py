"""用量 / usage counts worker tasks: a done finish's measured seconds (``Task.run_s``) are in the
person's and the group's used totals, and the reply says how much of it tasks were.

Real line-bot-sdk against the fake Messaging API, the real service (Redis, SQLite)."""

from __future__ import annotations

import asyncio
import uuid

from reelbot.domain.types import Origin, Platform
from reelbot.storage import tasks as task_repo
from reelbot.storage.db import session_scope
from tests.bots.line.conftest import Harness, reply_texts, text_event
from tests.jobrecords import finished_job


def line_origin(user: str, chat: str | None = None) -> Origin:
    return Origin(
        platform=Platform.LINE, user_id=user, channel_id=chat or user, guild_id=chat, locale="zh-TW"
    )


def done_finish(db: object, origin: Origin, run_s: float) -> None:
    """A finish task as the worker leaves it (its real row transitions; the result keeps run_s)."""
    with session_scope(db) as session:
        task, _ = task_repo.create_or_get_task(
            session=session, kind="finish", payload={}, origin=origin, idempotency_key=uuid.uuid4().hex
        )
        assert task_repo.mark_running(session=session, task_id=task.id, worker="w")
        result = {"duration_s": 2.0, "run_s": run_s}
        assert task_repo.mark_done(session=session, task_id=task.id, result=result)


async def test_usage_includes_the_measured_seconds_of_done_tasks(harness: Harness) -> None:
    await asyncio.to_thread(finished_job, harness.service.db, line_origin("Ualice", "Cgroup7"), 30.0)
    await asyncio.to_thread(done_finish, harness.service.db, line_origin("Ualice", "Cgroup7"), 20.4)

    await harness.send(text_event("/video 用量", group="Cgroup7"))
    lines = reply_texts(harness.fake)[-1].split("\n")
    assert len(lines) == 4
    assert lines[0].startswith("你今天的 GPU 用量：已用 50 / 600 GPU 秒（剩 550）。")  # 30 + 20.4
    assert lines[0].endswith("其中 20 秒用於輸出成 Shorts 與生成音樂。")
    assert lines[2] == (
        "這個伺服器或群組今天的 GPU 用量：已用 50 / 6,000 GPU 秒（剩 5,950）。"
        "其中 20 秒用於輸出成 Shorts 與生成音樂。"
    )
    harness.fake.profiles["Ubob"] = {"displayName": "Bob", "language": "en"}  # English, 1:1
    await asyncio.to_thread(done_finish, harness.service.db, line_origin("Ubob"), 50.2)
    await harness.send(text_event("usage", user="Ubob"))
    first = reply_texts(harness.fake)[-1].split("\n")[0]
    assert first.startswith("Your GPU use today: 50 of 600 GPU-seconds (550 left).")  # tasks only
    assert first.endswith("≈ 0.021 USD. Of that, 50 went to Finish for Shorts and composing music.")
