"""A typed LINE storyboard's soundtrack lines through the real webhook, Redis, SQLite and the
fake Messaging API: ``fps: 24`` → the draft's finish at 24 fps; ``節拍`` + a waiting audio
message → the finish re-cuts onto the beats; ``節拍`` with no track → one refusal, nothing
queued; ``音樂:`` → at 輸出成 Shorts a ``music`` task with that description (the real worker,
tiny ACE-Step), its push, then the next tap finishes with the composed track. ``音樂:`` on a
server without music is refused at submit, before any shot is queued.

The draft is a real 2-s video stored as the assemble task would (its stitching is tested in
tests/e2e); the shots are marked done in storage as a worker would.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from reelbot.app.storyboards import board_status
from reelbot.domain.messages import render
from reelbot.domain.settings import Settings
from reelbot.domain.tasks import FINISH, MUSIC, music_key
from reelbot.domain.types import Platform
from tests.bots.line.conftest import (
    Harness,
    audio_event,
    deliver_all,
    postback_event,
    push_texts,
    reply_texts,
    waiting_in_queue,
)
from tests.bots.line.drafts import board_with_draft
from tests.bots.line.test_finish_extras import tone
from tests.bots.line.test_music import burst, english, tasks_of
from tests.bots.line.test_storyboard_webhook import send_board
from tests.fakes.line_api import Content

SHOTS = "1. 一艘紙船 1秒\n2. 紙船漂走 1秒"


@pytest.fixture
def music_engine() -> str | None:
    return "tiny-ace-step"  # a test parametrizes None: a server without music (the default)


@pytest.fixture
def settings(settings: Settings, music_engine: str | None) -> Settings:
    finish = settings.finish.model_copy(update={"music_engine": music_engine})
    return settings.model_copy(update={"finish": finish})


def finish_tap(board_id: uuid.UUID) -> dict[str, Any]:
    return postback_event(f"finish_draft:{board_id}")


async def test_an_fps_line_finishes_the_draft_at_24(harness: Harness, tmp_path: Path) -> None:
    board_id, _ = await board_with_draft(harness, f"分鏡 紙船 fps:8\nfps: 24\n{SHOTS}", tmp_path)
    status = await board_status(harness.service, board_id)
    job = await harness.service.job(status.shots[0].job_id)  # type: ignore[arg-type]
    assert job.request.fps == 8  # the first line's fps: stays the model's own rate
    await harness.send(finish_tap(board_id))
    (finish,) = tasks_of(harness, FINISH)
    assert finish.payload_json["fps"] == 24 and finish.payload_json["recut"] is None
    assert "24" in reply_texts(harness.fake)[-1]
    assert tasks_of(harness, MUSIC) == []


async def test_beat_with_a_waiting_audio_message_recuts_onto_the_beats(
    harness: Harness, tmp_path: Path
) -> None:
    board_id, push = await board_with_draft(harness, f"分鏡 紙船\n節拍\n{SHOTS}", tmp_path)
    assert render("line.storyboard_beat_hint", "zh-TW") in push["messages"][0]["text"]
    harness.fake.contents["a1"] = Content(
        data=tone(tmp_path, "t.m4a", "-c:a", "aac"), content_type="audio/x-m4a"
    )
    await harness.send(audio_event("a1", duration_ms=1000))
    await harness.send(finish_tap(board_id))
    (finish,) = tasks_of(harness, FINISH)
    payload = finish.payload_json
    assert payload["audio"] == "upload" and harness.service.media.exists(payload["audio_key"])
    recut = payload["recut"]
    assert recut is not None and (recut["shot_frames"], recut["overlaps"]) == ([16, 16], [0])
    status = await board_status(harness.service, board_id)
    clips = [(await harness.service.job(s.job_id)).clip_id for s in status.shots]  # type: ignore[arg-type]
    assert recut["clip_keys"] == [(await harness.service.clip(c)).video_key for c in clips]  # type: ignore[arg-type]


@pytest.mark.parametrize("locale", ["zh-TW", "en"])
async def test_beat_with_no_track_is_refused_and_nothing_is_queued(
    harness: Harness, tmp_path: Path, locale: str
) -> None:
    if locale == "en":
        english(harness)
    board_id, _ = await board_with_draft(harness, f"分鏡 紙船\n節拍\n{SHOTS}", tmp_path)
    waiting = await waiting_in_queue(harness)
    before = len(reply_texts(harness.fake))
    await harness.send(finish_tap(board_id))
    answers = reply_texts(harness.fake)[before:]
    assert answers == [render("line.storyboard_beat_needs_track", locale)], answers
    assert tasks_of(harness, FINISH) == [] and tasks_of(harness, MUSIC) == []
    assert await waiting_in_queue(harness) == waiting


async def test_a_music_line_is_composed_then_the_next_tap_finishes_with_it(
    harness: Harness, tmp_path: Path
) -> None:
    text = f"分鏡 紙船\n音樂: 溫暖的夜市 lo-fi 鋼琴\n節拍\n{SHOTS}"
    board_id, push = await board_with_draft(harness, text, tmp_path)
    assert render("line.storyboard_music_hint", "zh-TW") in push["messages"][0]["text"]
    await harness.send(finish_tap(board_id))
    assert reply_texts(harness.fake)[-1].startswith(f"🎵 先為分鏡 {str(board_id)[:8]} 作曲")
    (music,) = tasks_of(harness, MUSIC)
    assert (music.payload_json["description"], music.payload_json["seconds"]) == (
        "溫暖的夜市 lo-fi 鋼琴",
        2.0,
    )
    assert tasks_of(harness, FINISH) == []

    await harness.send(finish_tap(board_id))  # tapped again while it composes: told, not queued twice
    assert reply_texts(harness.fake)[-1].startswith("🎵 分鏡的音樂還在作曲中")
    assert len(tasks_of(harness, MUSIC)) == 1 and tasks_of(harness, FINISH) == []

    assert await burst(harness, "line-board-music") == 1  # the real worker, tiny ACE-Step
    await deliver_all(harness)
    assert push_texts(harness.fake)[-1].startswith("🎵 音樂完成了（2 秒）"), push_texts(harness.fake)
    await harness.send(finish_tap(board_id))
    assert render("line.finish_with_music", "zh-TW") in reply_texts(harness.fake)[-1]
    (finish,) = tasks_of(harness, FINISH)
    payload = finish.payload_json
    assert (payload["audio"], payload["audio_key"]) == ("music", music_key(music.id))
    assert payload["recut"] is not None  # 節拍 with the board's own music
    assert len(tasks_of(harness, MUSIC)) == 1


async def test_a_refused_description_queues_no_music(harness: Harness, tmp_path: Path) -> None:
    board_id, _ = await board_with_draft(
        harness, f"分鏡 舞\n音樂: a ｎ.ｕ.ｄ.ｅ dancer theme\n{SHOTS}", tmp_path
    )
    await harness.send(finish_tap(board_id))
    assert "提示詞要求色情或裸露內容" in reply_texts(harness.fake)[-1], reply_texts(harness.fake)
    assert tasks_of(harness, MUSIC) == [] and tasks_of(harness, FINISH) == []


@pytest.mark.parametrize("locale", ["zh-TW", "en"])
@pytest.mark.parametrize(
    ("music_engine", "description", "key"),
    [
        (None, "溫暖的鋼琴", "line.storyboard_music_off"),
        ("tiny-ace-step", " ".join(["piano"] * 90), "storyboard.music_too_long"),
    ],
)
async def test_a_music_line_that_could_never_be_composed_queues_no_shot(
    harness: Harness, locale: str, description: str, key: str
) -> None:
    if locale == "en":
        english(harness)
    await send_board(harness, f"分鏡 紙船\nmusic: {description}\n{SHOTS}")
    (answer,) = reply_texts(harness.fake)
    assert answer == render(key, locale, length=len(description), limit=500), answer
    assert await harness.service.jobs_for(Platform.LINE, "Ualice", active_only=False) == []
    assert await waiting_in_queue(harness) == 0
