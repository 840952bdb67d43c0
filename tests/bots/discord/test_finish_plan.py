"""Discord finishes take their size, frame rate and audio mode by one rule (app.finish_plan.plan_for):
what the person chose, else the storyboard file's, else the server's ``finish`` settings — and
the status line posted before the task is queued names the size the task will have.

Real discord.py against the fake Discord API, real Redis, SQLite, the tiny worker (the board's
one shot and its draft) and ffmpeg; the finish tasks are queued, not run (the payload is what
the worker produces: tests/bots/discord/test_storyboard_finish_fields.py probes a finished
draft). The server's size is 540×960 here and its audio mode the shipped default (replace),
so a line that still said 1080×1920, or a finish that fell back to "mix", fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reelbot.app.service import ReelbotService
from reelbot.bots.common.actions import custom_id
from reelbot.domain.settings import Settings
from reelbot.domain.tasks import FINISH
from tests.bots.discord.helpers import answer_of, render_all
from tests.bots.discord.test_finish import posted_clip
from tests.bots.discord.test_finish_command import sine_wav
from tests.bots.discord.test_finish_music import tasks_of
from tests.bots.discord.test_storyboard import draft_posts, send_board
from tests.fakes.discord_api import FakeDiscord, custom_ids

BOARD = """title: Sized
seed: 2
audio_mode: replace
finish: {size: 720x1280}
shots:
  - prompt: a paper boat
    seconds: 1
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    finish = settings.finish.model_copy(update={"width": 540, "height": 960})
    return settings.model_copy(update={"finish": finish})


def status_lines(fake: FakeDiscord, start: str) -> list[str]:
    """Channel messages as posted (a worker's progress edits them later) that contain ``start``."""
    posted = [
        str((c.json or {}).get("content", ""))
        for c in fake.find("POST", f"/channels/{fake.channel_id}/messages")
    ]
    return [text for text in posted if start in text]


def payloads(service: ReelbotService) -> dict[str, dict[str, Any]]:
    """Finish payloads by idempotency key."""
    return {str(t.idempotency_key): dict(t.payload_json) for t in tasks_of(service, FINISH)}


async def finish_cmd(fake: FakeDiscord, options: dict[str, Any], user: dict[str, Any], **kwargs: Any) -> str:
    inter = await fake.send_interaction(fake.slash("finish", options, user=user, **kwargs))
    answer = await answer_of(fake, inter)
    assert answer["flags"] & 64 and ("Queued" in answer["content"] or "已排入" in answer["content"]), answer
    return f"discord:interaction:{inter.id}"


async def test_a_board_files_size_and_audio_mode_hold_unless_the_person_chooses(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    alice = fake.user(name="alice")
    async with start_bot():
        await send_board(fake, alice, BOARD)
        # the shot, the draft's assembly, then the finish the file asks for once the draft is posted
        assert await render_all(service, tasks=2) == 1
        await fake.wait_for(lambda: draft_posts(fake), what="draft posted")
        board_id = next(
            c.split(":")[-1] for m in fake.messages.values() for c in custom_ids(m) if "sbfinish" in c
        )
        after = payloads(service)[f"discord:after-render:{board_id}"]
        plain = await finish_cmd(fake, {"board": board_id}, alice)
        mixed = await finish_cmd(fake, {"board": board_id, "audio_mode": "mix", "fps": 24}, alice)
        lines = status_lines(fake, "Finishing the draft of storyboard")
    tasks = payloads(service)
    sizes = {(p["width"], p["height"]) for p in (after, tasks[plain], tasks[mixed])}
    assert sizes == {(720, 1280)}  # the file's size, not the server's 540×960
    assert (after["audio_mode"], tasks[plain]["audio_mode"], tasks[mixed]["audio_mode"]) == (
        "replace",
        "replace",
        "mix",  # a person's explicit choice wins over the file's
    )
    assert (tasks[plain]["fps"], tasks[mixed]["fps"]) == (30, 24)
    assert len(lines) == 3 and all("(720×1280, " in line for line in lines), lines
    assert sum("720×1280, 24 fps" in line for line in lines) == 1, lines


async def test_a_clip_without_a_chosen_mode_gets_the_servers_mode_and_size(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
) -> None:
    alice = fake.user(name="alice")
    song = sine_wav(tmp_path / "song.wav", seconds=1.0)
    async with start_bot():
        message, clip_id = await posted_clip(fake, service, tmp_path, alice)
        attachments = {"audio": fake.add_attachment("song.wav", song, "audio/wav")}
        typed = await finish_cmd(fake, {"clip": str(clip_id)}, alice, attachments=attachments, locale="zh-TW")
        clicked = await answer_of(
            fake, await fake.send_interaction(fake.click(message, custom_id("finish", clip_id)))
        )
        assert "queued" in clicked["content"].lower(), clicked
        zh = status_lines(fake, "輸出成 Shorts（")
        en = status_lines(fake, "Finishing clip")
    tasks = payloads(service)
    assert tasks[typed]["audio"] == "upload"
    assert tasks[typed]["audio_mode"] == service.settings.finish.audio_mode == "replace"
    assert {(p["width"], p["height"], p["fps"]) for p in tasks.values()} == {(540, 960, 30)}
    assert zh == [f"🎬 正在把影片 {str(clip_id)[:8]} 輸出成 Shorts（540×960、每秒 30 格）…"], zh
    assert len(en) == 1 and "(540×960, 30 fps)" in en[0], en
