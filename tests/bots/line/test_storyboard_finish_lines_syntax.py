"""The finish lines of a typed LINE storyboard: ``尺寸:`` / ``size:`` (the Short's size),
``音訊模式:`` / ``audio mode:`` (mix or replace the clip's own sound) and ``色調一致`` /
``colour match`` (the draft's shots graded to shot 1, or not) — each a line of its own, read
into the Storyboard fields a board file has (``finish.size``, ``audio_mode``,
``colour_match``); a wrong value is one message in en and zh-TW."""

from __future__ import annotations

from typing import Any

import pytest

from reelbot.app.storyboards.submit import board_finish
from reelbot.bots.line.storyboard_syntax import parse_board
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.storyboard import AudioMode, parse_storyboard

SHOTS = "1. 貓 1秒\n2. 狗 1秒"


def fields(lines: str) -> tuple[Any, ...]:
    parsed = parse_board(f"分鏡 夜市\n{lines}", default_seconds=3, locale="zh-TW")
    assert [shot.prompt for shot in parsed.shots] == ["貓", "狗"]
    size = parsed.finish.size if parsed.finish else None
    return size, parsed.audio_mode, parsed.colour_match


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (f"尺寸: 720x1280\n{SHOTS}", ("720x1280", None, None)),
        (f"{SHOTS}\nsize: 1080 x 1920", ("1080x1920", None, None)),
        (f"解析度：１０８０×１９２０\n{SHOTS}", ("1080x1920", None, None)),  # full width (NFKC), ×
        (f"SIZE: 720X1280\n{SHOTS}", ("720x1280", None, None)),
        (f"畫面大小: 1080*1080\n{SHOTS}", ("1080x1080", None, None)),
        (f"resolution: 64x4096\n{SHOTS}", ("64x4096", None, None)),  # the bounds themselves
        (f"音訊模式: 取代\n{SHOTS}", (None, AudioMode.REPLACE, None)),
        (f"原音：混音\n{SHOTS}", (None, AudioMode.MIX, None)),
        (f"聲音模式: 替換\n{SHOTS}", (None, AudioMode.REPLACE, None)),
        (f"audio mode: Mix\n{SHOTS}", (None, AudioMode.MIX, None)),
        (f"audio_mode: replace\n{SHOTS}", (None, AudioMode.REPLACE, None)),
        (f"色調一致: 關\n{SHOTS}", (None, None, False)),
        (f"統一色調：開\n{SHOTS}", (None, None, True)),
        (f"調色: 不要\n{SHOTS}", (None, None, False)),
        (f"colour match: off\n{SHOTS}", (None, None, False)),
        (f"color_match: on\n{SHOTS}", (None, None, True)),
        (f"Colour match\n{SHOTS}", (None, None, True)),  # alone: on
        (f"尺寸: 720x1280\n音訊模式: 取代\n色調一致: 關\n{SHOTS}", ("720x1280", AudioMode.REPLACE, False)),
    ],
)
def test_finish_lines_become_the_boards_fields_and_are_not_shots(
    lines: str, expected: tuple[Any, ...]
) -> None:
    assert fields(lines) == expected


def test_size_and_fps_lines_make_one_finish_like_a_files() -> None:
    board = parse_board(f"分鏡 x\nfps: 24\n尺寸: 720x1280\n{SHOTS}", default_seconds=3, locale="en")
    assert board.finish is not None and (board.finish.fps, board.finish.dimensions()) == (24, (720, 1280))
    spec = board_finish(board)
    assert spec is not None and (spec.fps, spec.size) == (24, "720x1280")


def test_an_audio_mode_alone_is_kept_for_the_finish_and_colour_match_for_the_draft() -> None:
    moded = parse_board(f"分鏡 x\n音訊模式: 取代\n{SHOTS}", default_seconds=3, locale="en")
    spec = board_finish(moded)
    assert spec is not None and spec.audio_mode == "replace"
    plain = parse_board(f"分鏡 x\n色調一致: 關\n{SHOTS}", default_seconds=3, locale="en")
    assert board_finish(plain) is None and plain.colour_match is False  # a draft matter, no finish


def test_shots_that_only_mention_these_words_stay_shots() -> None:
    board = parse_board(
        "分鏡 畫室\n1. 調色盤上的顏料 1秒\n- size matters 1s\n原音重現的演唱會 1秒\ncolor matching socks 1s",
        default_seconds=3,
        locale="zh-TW",
    )
    assert [shot.prompt for shot in board.shots] == [
        "調色盤上的顏料",
        "size matters",
        "原音重現的演唱會",
        "color matching socks",
    ]
    assert (board.finish, board.audio_mode, board.colour_match) == (None, None, None)


@pytest.mark.parametrize(
    ("lines", "key", "zh", "en"),
    [
        (
            "尺寸: 1081x1920",
            "line.storyboard_size_invalid",
            "（邊長為 64 到 4096 的偶數；收到「1081x1920」）",
            'got "1081x1920"',
        ),
        ("size: huge", "line.storyboard_size_invalid", "例如 尺寸: 1080x1920", "width x height"),
        ("尺寸: 8192x8192", "line.storyboard_size_invalid", "64 到 4096", "from 64 to 4096"),
        ("size: 32x32", "line.storyboard_size_invalid", "收到「32x32」", 'got "32x32"'),
        ("尺寸:", "line.storyboard_size_invalid", "「寬x高」", "width x height"),
        ("size: 1080x1920x2", "line.storyboard_size_invalid", "1080x1920x2", "1080x1920x2"),
        ("音訊模式: 大聲", "line.storyboard_audio_mode_invalid", "「混音」", '(got "大聲")'),
        ("audio mode: Loud", "line.storyboard_audio_mode_invalid", "「取代」（只留配樂）", 'got "Loud"'),
        ("原音:", "line.storyboard_audio_mode_invalid", "只能是", "mix (the track blended"),
        ("色調一致: 也許", "line.storyboard_colour_invalid", "（收到「也許」）", 'on or off (got "也許")'),
        ("colour match: sometimes", "line.storyboard_colour_invalid", "「開」或「關」", "colour match alone"),
        (
            "尺寸: 720x1280\nsize: 1080x1920",
            "line.storyboard_line_twice",
            "「size: 1080x1920」",
            "written twice",
        ),
        ("音訊模式: 取代\naudio mode: mix", "line.storyboard_line_twice", "寫了兩次", "written twice"),
        ("色調一致: 關\ncolour match", "line.storyboard_line_twice", "寫了兩次", "written twice"),
    ],
)
def test_a_wrong_finish_line_is_one_message_naming_the_choices(
    lines: str, key: str, zh: str, en: str
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        parse_board(f"分鏡 x\n{lines}\n{SHOTS}", default_seconds=3, locale="zh-TW")
    assert refused.value.key == key
    assert zh in refused.value.render("zh-TW"), refused.value.render("zh-TW")
    assert en in refused.value.render("en"), refused.value.render("en")


@pytest.mark.parametrize("size", ["8192x8192", "32x1920"])
def test_a_board_files_size_out_of_a_finishs_range_is_refused_when_read(size: str) -> None:
    text = f"finish: {{size: {size}}}\nshots:\n  - prompt: a cat\n    seconds: 1\n"
    with pytest.raises(InvalidRequest) as refused:
        parse_storyboard(text, "YAML")
    assert refused.value.key == "finish.size_invalid"
    assert "64 到 4096" in refused.value.render("zh-TW") and "64 to 4096" in refused.value.render("en")
