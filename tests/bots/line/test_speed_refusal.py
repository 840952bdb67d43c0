"""A LINE prompt in a mode its preset lacks (模型:tiny-ltx 速度:草稿): one clear answer naming the
modes the preset offers, nothing stored or queued (real webhook, Redis, SQLite)."""

from __future__ import annotations

from tests.bots.line.conftest import Harness, reply_texts, text_event, waiting_in_queue


async def test_line_prompt_in_a_mode_the_preset_lacks(harness: Harness) -> None:
    await harness.send(text_event("一隻風箏 模型:tiny-ltx 速度:草稿"))
    answer = reply_texts(harness.fake)[-1]
    assert "tiny-ltx" in answer and "模式" in answer and "quality" in answer, answer
    assert await harness.job_count() == 0 and await waiting_in_queue(harness) == 0
