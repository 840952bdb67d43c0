"""The per-shot caption form of a typed LINE storyboard: ``| 字幕: …`` / ``| caption: …``."""

from __future__ import annotations

import pytest

from reelbot.bots.line.storyboard_syntax import parse_board
from reelbot.domain.errors import InvalidRequest


def board(text: str) -> list[tuple[str, float, str | None]]:
    parsed = parse_board(text, default_seconds=3, locale="zh-TW")
    return [(shot.prompt, shot.seconds, shot.caption) for shot in parsed.shots]


def test_captions_in_chinese_and_english_with_the_length_anywhere() -> None:
    text = (
        "分鏡 海邊\n"
        "1. 她綁好鞋帶 2秒 | 字幕: 她綁好 鞋帶\n"
        "2. she runs | caption：Off to the sea | 2s\n"  # a full-width colon (NFKC)
        "3. 海浪 ｜ 字幕：浪花\n"  # a full-width bar
        "4. waves 1s"
    )
    assert board(text) == [
        ("她綁好鞋帶", 2.0, "她綁好 鞋帶"),
        ("she runs", 2.0, "Off to the sea"),
        ("海浪", 3.0, "浪花"),
        ("waves", 1.0, None),
    ]
    parsed = parse_board(text, default_seconds=3, locale="en")
    assert parsed.burn_captions and parsed.wants_finish  # LINE shows no .srt: drawn in


def test_a_board_without_captions_asks_for_no_finish() -> None:
    parsed = parse_board("分鏡 x\n1. 字幕很大的海報 1秒", default_seconds=3, locale="zh-TW")
    assert parsed.shots[0].prompt == "字幕很大的海報" and not parsed.wants_finish


@pytest.mark.parametrize("line", ["1. a 1s | 字幕:", "1. a 1s | 字幕: x | caption: y"])
def test_an_empty_or_doubled_caption_is_one_message(line: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        parse_board(f"分鏡 x\n{line}", default_seconds=3, locale="en")
    assert refused.value.key == "line.storyboard_shot_caption"
    assert "第 1 個鏡頭的字幕" in refused.value.render("zh-TW")
    assert "Shot 1's caption" in refused.value.render("en")
