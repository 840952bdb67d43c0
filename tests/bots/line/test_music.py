"""「音樂 <描述>」 and the draft's 「輸出成 Shorts」 in LINE, through the real webhook.

The description is moderated and queued as a ``music`` task (real Redis/SQLite), rendered by
the real worker with the tiny AceStepPipeline (``tiny-ace-step``), its ``done`` event pushed
by the real delivery loop to the fake Messaging API — and the track then waits as the
person's soundtrack, so the next Finish's stored payload has ``audio="music"`` and the task's
key. Refusals (moderation, no music engine — the default —, quota) get one message in the
person's language and queue nothing. Under a storyboard draft, 輸出成 Shorts queues a finish
of the draft, which the worker makes and the delivery loop pushes.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from reelbot.cli.wiring import worker_for
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.messages import render
from reelbot.domain.settings import Settings
from reelbot.domain.tasks import FINISH, MUSIC, music_key
from reelbot.domain.types import JobState, Origin, Platform, short_id
from reelbot.generator.finish.media import stream_facts
from reelbot.storage.db import session_scope
from reelbot.storage.models import Task
from tests.bots.line.conftest import (
    Harness,
    deliver_all,
    postback_event,
    push_texts,
    reply_texts,
    text_event,
    waiting_in_queue,
)
from tests.bots.line.drafts import board_with_draft
from tests.finishclips import stored_clip

ALICE = Origin(platform=Platform.LINE, user_id="Ualice", channel_id="Ualice", locale="zh-TW")


@pytest.fixture
def music_engine() -> str | None:
    """The tiny ACE-Step engine; a test parametrizes None for a server without music."""
    return "tiny-ace-step"


@pytest.fixture
def daily_gpu_s() -> float | None:
    return None  # the suite's quota; a test parametrizes a tight one


@pytest.fixture
def settings(settings: Settings, music_engine: str | None, daily_gpu_s: float | None) -> Settings:
    update: dict[str, Any] = {"finish": settings.finish.model_copy(update={"music_engine": music_engine})}
    if daily_gpu_s is not None:
        user = settings.quotas.user.model_copy(update={"daily_gpu_s": daily_gpu_s})
        update["quotas"] = settings.quotas.model_copy(update={"user": user})
    return settings.model_copy(update=update)


def tasks_of(harness: Harness, kind: str) -> list[Task]:
    with session_scope(harness.service.db) as session:
        return list(session.exec(select(Task).where(Task.kind == kind).order_by(Task.created_at)).all())


def english(harness: Harness) -> None:
    harness.fake.profiles["Ualice"] = {"displayName": "Alice", "language": "en"}


async def burst(harness: Harness, name: str) -> int:
    worker = worker_for(harness.service, name=name, burst=True)
    await worker.run()
    return worker.tasks.done


async def test_a_description_becomes_the_next_finishs_music(harness: Harness, tmp_path: Path) -> None:
    clip_id = stored_clip(harness.service, tmp_path, ALICE, seconds=2.0)
    await harness.send(text_event("音樂 溫暖的夜市 lo-fi 鋼琴"))
    assert reply_texts(harness.fake)[-1].startswith("🎵 正在作曲…"), reply_texts(harness.fake)
    (task,) = tasks_of(harness, MUSIC)
    assert (task.payload_json["description"], task.payload_json["seconds"]) == ("溫暖的夜市 lo-fi 鋼琴", 2.0)
    assert await waiting_in_queue(harness) == 1

    assert await burst(harness, "line-music") == 1
    await deliver_all(harness)
    ready = push_texts(harness.fake)[-1]
    assert ready.startswith("🎵 音樂完成了（2 秒）") and "/media/music/" in ready, ready

    await harness.send(postback_event(f"reelbot:finish:{clip_id}"))
    answer = reply_texts(harness.fake)[-1]
    assert render("line.finish_with_music", "zh-TW") in answer, answer
    (finish,) = tasks_of(harness, FINISH)
    payload = finish.payload_json
    assert (payload["audio"], payload["audio_key"], payload["audio_mode"]) == (
        "music",
        music_key(task.id),
        "mix",
    )
    assert harness.service.media.exists(payload["audio_key"])

    # Used once; the same done event delivered again (a retried push) does not bring it back.
    done = JobEvent(kind=EventKind.DONE, job_id=task.id, origin=ALICE, task=MUSIC)
    assert await harness.bot.deliverer.deliver(done)
    await harness.send(postback_event(f"reelbot:finish:{clip_id}"))
    assert tasks_of(harness, FINISH)[-1].payload_json["audio"] == "model"


async def test_lyrics_and_the_default_length_in_english(harness: Harness) -> None:
    english(harness)
    await harness.send(text_event("music: warm lo-fi piano lyrics: the lights\ncome on"))
    assert reply_texts(harness.fake)[-1].startswith("🎵 Composing…")
    (task,) = tasks_of(harness, MUSIC)  # no clip yet: the music default
    assert (task.payload_json["lyrics"], task.payload_json["seconds"]) == ("the lights\ncome on", 30.0)
    await harness.send(text_event("music"))
    assert reply_texts(harness.fake)[-1].startswith("Describe the music after music")
    assert len(tasks_of(harness, MUSIC)) == 1


@pytest.mark.parametrize("music_engine", ["no-such-engine"])  # the worker cannot make it
async def test_a_failed_music_task_is_told_and_nothing_waits(harness: Harness, tmp_path: Path) -> None:
    clip_id = stored_clip(harness.service, tmp_path, ALICE)
    await harness.send(text_event("音樂 solo piano"))
    assert len(tasks_of(harness, MUSIC)) == 1
    assert await burst(harness, "line-music-fails") == 0
    await deliver_all(harness)
    assert tasks_of(harness, MUSIC)[0].error_key == "storyboard.music_engine_unknown"
    assert push_texts(harness.fake)[-1].startswith("🎵 作曲失敗："), push_texts(harness.fake)
    await harness.send(postback_event(f"reelbot:finish:{clip_id}"))
    (finish,) = tasks_of(harness, FINISH)
    assert (finish.payload_json["audio"], finish.payload_json["audio_key"]) == ("model", None)


REFUSALS = {
    "moderation": {"zh-TW": "無法製作這支影片：提示詞要求色情或裸露內容", "en": "sexual or nude content"},
    "no engine": {"zh-TW": "管理員還沒有開啟音樂生成", "en": "has not enabled music generation"},
    "quota": {"zh-TW": "GPU 秒", "en": "GPU-seconds"},
}


@pytest.mark.parametrize("locale", ["zh-TW", "en"])
@pytest.mark.parametrize(
    ("case", "music_engine", "daily_gpu_s", "text"),
    [
        ("moderation", "tiny-ace-step", None, "音樂 a ｎ.ｕ.ｄ.ｅ dancer theme"),
        ("no engine", None, None, "音樂 solo piano"),
        ("quota", "tiny-ace-step", 1.0, "music: solo piano"),
    ],
)
async def test_refusals_get_one_message_and_queue_nothing(
    harness: Harness, locale: str, case: str, text: str
) -> None:
    if locale == "en":
        english(harness)
    await harness.send(text_event(text))
    answers = reply_texts(harness.fake)
    assert len(answers) == 1 and REFUSALS[case][locale] in answers[0], (case, answers)
    assert tasks_of(harness, MUSIC) == [] and await waiting_in_queue(harness) == 0


async def test_the_drafts_quick_reply_finishes_the_draft(harness: Harness, tmp_path: Path) -> None:
    board = "分鏡 紙船\n1. 一艘紙船 1秒\n2. 紙船漂走 1秒"
    board_id, pushed = await board_with_draft(harness, board, tmp_path)
    video = pushed["messages"][-1]
    finish_item = video["quickReply"]["items"][0]["action"]
    assert finish_item["data"] == f"finish_draft:{board_id}"

    await harness.send(text_event("字幕 紙船出發了"))
    await harness.send(postback_event(finish_item["data"]))
    answer = reply_texts(harness.fake)[-1]
    assert answer.startswith(f"🎬 正在把分鏡 {str(board_id)[:8]} 的草稿輸出成 Shorts"), answer
    assert "💬 字幕：紙船出發了" in answer
    (finish,) = tasks_of(harness, FINISH)
    payload = finish.payload_json
    assert (payload["board_id"], payload["source_key"], payload["clip_id"]) == (
        str(board_id),
        f"drafts/{board_id}/d1.mp4",
        None,
    )
    assert [c["text"] for c in payload["captions"]] == ["紙船出發了"] and payload["burn"]

    assert await burst(harness, "line-draft-finish") == 1
    await deliver_all(harness)
    short = harness.fake.delivered[-1]  # the finished Short, pushed as the clip's would be
    assert short["via"] == "push", short
    urls = [m.get("originalContentUrl") or m.get("text", "") for m in short["messages"]]
    assert any(f"/media/{payload['output_key']}" in url for url in urls), urls
    facts = stream_facts(harness.service.media.path(str(payload["output_key"])))
    assert (facts.width, facts.height) == (1080, 1920)


async def test_a_stale_draft_postback_is_refused(harness: Harness) -> None:
    unknown = uuid.uuid4()
    await harness.send(postback_event(f"finish_draft:{unknown}"))
    assert len(reply_texts(harness.fake)) == 1 and tasks_of(harness, FINISH) == []


async def test_cancel_reaches_the_newest_work_music_or_video(harness: Harness, tmp_path: Path) -> None:
    stored_clip(harness.service, tmp_path, ALICE)
    await harness.send(text_event("夜市的燈籠在雨中搖晃"))  # a video job first …
    (job,) = await harness.service.jobs_for(Platform.LINE, "Ualice", active_only=True)
    await harness.send(text_event("音樂 solo piano"))  # … then music: the newest
    (task,) = tasks_of(harness, MUSIC)

    await harness.send(text_event("取消"))
    assert reply_texts(harness.fake)[-1] == render("line.cancel_done", "zh-TW", job_id=short_id(task.id))
    (task,) = tasks_of(harness, MUSIC)
    assert task.state is JobState.CANCELLED
    (still,) = await harness.service.jobs_for(Platform.LINE, "Ualice", active_only=True)
    assert still.id == job.id  # the video keeps its place

    await harness.send(text_event("取消"))  # now the video
    assert reply_texts(harness.fake)[-1] == render("line.cancel_done", "zh-TW", job_id=short_id(job.id))
    assert await harness.service.jobs_for(Platform.LINE, "Ualice", active_only=True) == []
    assert await burst(harness, "line-music-cancelled") == 0  # nothing left to make
    assert not harness.service.media.exists(music_key(task.id))
    await deliver_all(harness)
    assert not any(text.startswith("🎵") for text in push_texts(harness.fake))  # the replies told them
