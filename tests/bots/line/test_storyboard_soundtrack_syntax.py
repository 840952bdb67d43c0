"""The board lines of a typed LINE storyboard: ``音樂:`` / ``music:``, ``節拍`` / ``beat``,
``fps:`` / ``每秒:`` — each a line of its own, read into the same Storyboard fields a board
file has (music, beat_snap, finish.fps); a wrong value is one message in en and zh-TW."""

from __future__ import annotations

from typing import Any

import pytest

from reelbot.bots.line.storyboard_syntax import parse_board
from reelbot.domain.errors import InvalidRequest

SHOTS = "1. 貓 1秒\n2. 狗 1秒"


def fields(lines: str, header: str = "分鏡 夜市") -> tuple[Any, ...]:
    parsed = parse_board(f"{header}\n{lines}", default_seconds=3, locale="zh-TW")
    fps = parsed.finish.fps if parsed.finish else None
    return parsed.music, parsed.beat_snap, fps, parsed.fps, [shot.prompt for shot in parsed.shots]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (f"音樂: 溫暖的 lo-fi 鋼琴\n{SHOTS}", ("溫暖的 lo-fi 鋼琴", False, None)),
        (f"{SHOTS}\n音樂：夜市的感覺，慢板", ("夜市的感覺,慢板", False, None)),  # NFKC, as a caption; last
        ("1. 貓 1秒\nmusic: warm piano, 90 bpm\n2. 狗 1秒", ("warm piano, 90 bpm", False, None)),
        (f"配樂: 鋼琴\n{SHOTS}", ("鋼琴", False, None)),
        (f"MUSIC : lo-fi\n{SHOTS}", ("lo-fi", False, None)),
        (f"節拍\n{SHOTS}", (None, True, None)),
        (f"卡點\n{SHOTS}", (None, True, None)),
        (f"beat\n{SHOTS}", (None, True, None)),
        (f"Beat snap\n{SHOTS}", (None, True, None)),
        (f"beat_snap: on\n{SHOTS}", (None, True, None)),
        (f"節拍: 開\n{SHOTS}", (None, True, None)),
        (f"節拍：關\n{SHOTS}", (None, False, None)),
        (f"beat: off\n{SHOTS}", (None, False, None)),
        (f"fps: 24\n{SHOTS}", (None, False, 24)),
        (f"FPS：30\n{SHOTS}", (None, False, 30)),
        (f"每秒: 24\n{SHOTS}", (None, False, 24)),
        (f"每秒: 30 格\n{SHOTS}", (None, False, 30)),
        (f"fps: 24fps\n{SHOTS}", (None, False, 24)),
        (f"幀率: ２４\n{SHOTS}", (None, False, 24)),  # full-width digits (NFKC)
        (f"音樂: 鋼琴\n節拍\nfps: 30\n{SHOTS}", ("鋼琴", True, 30)),
    ],
)
def test_board_lines_become_the_boards_fields_and_are_not_shots(
    lines: str, expected: tuple[Any, ...]
) -> None:
    music, beat, fps, model_fps, prompts = fields(lines)
    assert (music, beat, fps) == expected
    assert prompts == ["貓", "狗"] and model_fps is None


def test_the_first_lines_fps_stays_the_models_and_shots_that_only_mention_music_stay_shots() -> None:
    music, beat, fps, model_fps, prompts = fields(
        "1. 音樂家在街頭演奏 1秒\n2. a beat-up car 1s\n3. 節拍器在桌上 1秒\n- music box 1s\nfps: 24",
        header="分鏡 街頭 fps:8",
    )
    assert (music, beat, fps, model_fps) == (None, False, 24, 8)
    assert prompts == ["音樂家在街頭演奏", "a beat-up car", "節拍器在桌上", "music box"]


def test_a_board_with_only_a_soundtrack_line_asks_for_a_finish() -> None:
    for line in ("音樂: 鋼琴", "fps: 24"):
        assert parse_board(f"分鏡 x\n{line}\n1. 貓 1秒", default_seconds=3, locale="en").wants_finish


@pytest.mark.parametrize(
    ("lines", "key", "zh", "en"),
    [
        ("音樂:", "line.storyboard_music_empty", "「音樂:」後面請描述", "Describe the soundtrack after"),
        ("music:   ", "line.storyboard_music_empty", "「音樂:」後面請描述", "Describe the soundtrack"),
        ("節拍: 快", "line.storyboard_beat_invalid", "（收到「快」）", 'on or off (got "快")'),
        ("beat: sometimes", "line.storyboard_beat_invalid", "「開」或「關」", "beat takes on or off"),
        ("fps: 8", "line.storyboard_fps_invalid", "只能是 24, 30（收到「8」）", '24, 30 (got "8")'),
        ("每秒: 60", "line.storyboard_fps_invalid", "收到「60」", 'got "60"'),
        ("fps: fast", "line.storyboard_fps_invalid", "模型本身的 fps 請寫在第一行", "model's own fps"),
        ("fps: 24.5", "line.storyboard_fps_invalid", "24, 30", "24, 30"),
        ("fps:", "line.storyboard_fps_invalid", "24, 30", "24, 30"),
        ("音樂: 鋼琴\nmusic: drums", "line.storyboard_line_twice", "寫了兩次", "written twice"),
        ("節拍\nbeat", "line.storyboard_line_twice", "寫了兩次", "written twice"),
        ("fps: 24\n每秒: 30", "line.storyboard_line_twice", "「每秒: 30」", '"每秒: 30"'),
    ],
)
def test_a_wrong_board_line_is_one_message_naming_the_choices(lines: str, key: str, zh: str, en: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        parse_board(f"分鏡 x\n{lines}\n{SHOTS}", default_seconds=3, locale="zh-TW")
    assert refused.value.key == key
    assert zh in refused.value.render("zh-TW"), refused.value.render("zh-TW")
    assert en in refused.value.render("en"), refused.value.render("en")


def test_board_lines_alone_are_no_shots() -> None:
    with pytest.raises(InvalidRequest) as refused:
        parse_board("分鏡 x\n音樂: 鋼琴\n節拍", default_seconds=3, locale="zh-TW")
    assert refused.value.key == "line.storyboard_no_shots"
