"""A LINE storyboard typed with per-shot captions (``| 字幕: …`` / ``| caption: …``): the
draft's 「輸出成 Shorts」 quick reply finishes it with one cue per shot on the shots' timings in
the draft, burned in (LINE shows no .srt). Real webhook, Redis, SQLite, the tiny worker and
ffmpeg; the expected times come from the shot clips themselves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reelbot.app.finish import finished
from reelbot.app.storyboards import board_status
from reelbot.cli.wiring import worker_for
from reelbot.domain.tasks import FINISH
from reelbot.generator.cache import EngineCache, detect_device
from reelbot.generator.encode import probe
from reelbot.generator.finish.captions import parse_srt
from tests.bots.discord.test_finish_music import tasks_of
from tests.bots.line.conftest import Harness, postback_event
from tests.bots.line.test_finish import finished_pushes
from tests.bots.line.test_storyboard_webhook import pushes, send_board

BOARD = (
    "分鏡 海邊 種子:3 轉場:淡入淡出\n"
    "1. 她綁好鞋帶 1秒 | 字幕: 她綁好鞋帶\n"
    "2. she runs to the sea | caption: Off to the sea | 1秒"
)


async def _work(harness: Harness, cache: EngineCache, done: Any) -> None:
    """Worker bursts and delivery steps until ``done()`` holds."""
    harness.bot.deliverer.retry_delay_s = 0
    harness.bot.config.events_block_ms = 10
    for _ in range(8):
        await worker_for(harness.service, name="line-caps", burst=True, cache=cache).run()
        for _ in range(20):
            await harness.bot.deliverer.step()
        if done():
            return
    raise AssertionError("never got there")


@pytest.mark.slow
async def test_typed_captions_land_on_the_shots_of_the_finished_draft(harness: Harness) -> None:
    cache = EngineCache(detect_device(harness.settings))
    board_id = await send_board(harness, BOARD)
    await _work(harness, cache, lambda: pushes(harness))
    (push,) = pushes(harness)
    assert "照每個鏡頭的時間把字幕燒進影片" in push["messages"][0]["text"]  # no second push: the quick reply
    items = push["messages"][-1]["quickReply"]["items"]
    finish = next(i["action"] for i in items if i["action"]["type"] == "postback")
    await harness.send(postback_event(finish["data"]))
    await _work(harness, cache, lambda: finished_pushes(harness))

    (task,) = tasks_of(harness.service, FINISH)
    assert task.payload_json["burn"] is True  # a LINE board's captions are drawn in
    done = await finished(harness.service, task.id)
    assert done.srt_key is not None
    cues = parse_srt(harness.service.media.path(done.srt_key), harness.service.settings.finish)
    status = await board_status(harness.service, board_id)
    lengths = []
    for shot in status.shots:
        view = await harness.service.job(shot.job_id)  # type: ignore[arg-type]
        clip = await harness.service.clip(view.clip_id)  # type: ignore[arg-type]
        lengths.append(probe(Path(harness.service.media.path(clip.video_key or ""))))
    fps = round(lengths[0].fps)
    cut = (lengths[0].num_frames - round(0.25 * fps)) / fps  # the crossfade hands over at its start
    end = cut + lengths[1].num_frames / fps
    assert [c.text for c in cues] == ["她綁好鞋帶", "Off to the sea"]
    assert abs(cues[0].start) <= 1 / fps and abs(cues[0].end - cut) <= 1 / fps, (cues, cut)
    assert abs(cues[1].start - cut) <= 1 / fps and abs(cues[1].end - end) <= 1 / fps, (cues, end)
