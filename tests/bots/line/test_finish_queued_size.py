"""LINE's 「輸出成 Shorts」 reply names the size and frame rate the finish task really has.

Real webhook, Redis, SQLite and the fake Messaging API; nothing renders (the task's payload is
what the worker will produce: tests/bots/line/test_storyboard_finish_lines.py probes a
finished file). The server's finish size is set to 540×960 here, so a reply that still said
1080×1920 — or a task that ignored the operator's size — would fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reelbot.domain.messages import render
from reelbot.domain.settings import Settings
from reelbot.domain.types import short_id
from tests.bots.line.conftest import Harness, postback_event, reply_texts
from tests.bots.line.drafts import board_with_draft
from tests.bots.line.test_finish_extras import ALICE, finish_payloads
from tests.bots.line.test_storyboard_soundtrack import finish_tap
from tests.finishclips import stored_clip

SHOTS = "1. 一艘紙船 1秒\n2. 紙船漂走 1秒"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    finish = settings.finish.model_copy(update={"width": 540, "height": 960})
    return settings.model_copy(update={"finish": finish})


async def test_a_size_line_is_the_size_the_reply_names(harness: Harness, tmp_path: Path) -> None:
    board_id, _ = await board_with_draft(harness, f"分鏡 紙船\n尺寸: 720x1280\nfps: 24\n{SHOTS}", tmp_path)
    await harness.send(finish_tap(board_id))
    (payload,) = finish_payloads(harness)
    assert (payload["width"], payload["height"], payload["fps"]) == (720, 1280, 24)
    said = render("finish.queued_draft", "zh-TW", board_id=short_id(board_id), width=720, height=1280, fps=24)
    assert said in reply_texts(harness.fake)[-1], reply_texts(harness.fake)[-1]
    assert "1080×1920" not in reply_texts(harness.fake)[-1]


async def test_without_a_size_line_the_servers_size_is_named_and_used(
    harness: Harness, tmp_path: Path
) -> None:
    board_id, _ = await board_with_draft(harness, f"分鏡 紙船\n{SHOTS}", tmp_path)
    await harness.send(finish_tap(board_id))
    (payload,) = finish_payloads(harness)
    assert (payload["width"], payload["height"], payload["fps"]) == (540, 960, 30)
    said = render("finish.queued_draft", "zh-TW", board_id=short_id(board_id), width=540, height=960, fps=30)
    assert said in reply_texts(harness.fake)[-1], reply_texts(harness.fake)[-1]


async def test_a_clips_finish_names_and_uses_the_servers_size(harness: Harness, tmp_path: Path) -> None:
    clip_id = stored_clip(harness.service, tmp_path, ALICE)
    await harness.send(postback_event(f"reelbot:finish:{clip_id}"))
    (payload,) = finish_payloads(harness)
    assert (payload["width"], payload["height"], payload["fps"]) == (540, 960, 30)
    said = render("finish.queued_clip", "zh-TW", clip_id=short_id(clip_id), width=540, height=960, fps=30)
    assert said in reply_texts(harness.fake)[-1], reply_texts(harness.fake)[-1]
