"""The LINE creator-control keywords (速度, 動態, 鏡頭, 循環): every value reachable in zh-TW and
en, several words each, full-width input, glued values, and one refusal naming the choices."""

from __future__ import annotations

import pytest

from reelbot.bots.common.controls import MOTION_LEVELS
from reelbot.bots.line.option_syntax import CAMERA_WORDS, LOOP_FLAGS, LOOP_VALUES, MOTION_WORDS, SPEED_WORDS
from reelbot.bots.line.syntax import Command, parse_text
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.messages import render
from reelbot.domain.types import Camera, SpeedMode


def _has_cjk(word: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in word)


@pytest.mark.parametrize(
    ("table", "values"),
    [
        (SPEED_WORDS, set(SpeedMode)),
        (CAMERA_WORDS, set(Camera)),
        (MOTION_WORDS, set(MOTION_LEVELS)),
        (LOOP_VALUES, {True, False}),
    ],
)
def test_every_value_has_several_words_in_both_languages(
    table: dict[str, object], values: set[object]
) -> None:
    assert set(table.values()) == values  # nothing of the domain is out of reach, nothing invented
    for value in values:
        words = [w for w, v in table.items() if v == value]
        assert any(_has_cjk(w) for w in words), (value, words)
        assert any(w.isascii() for w in words), (value, words)
        assert len(words) >= 3, (value, words)
    assert all(w == w.lower() for w in table), "words are matched lower-cased"


@pytest.mark.parametrize(("word", "speed"), sorted(SPEED_WORDS.items()))
def test_each_speed_word(word: str, speed: SpeedMode) -> None:
    assert parse_text(f"一艘紙船 速度:{word}").options == {"speed": speed}
    assert parse_text(f"a paper boat speed:{word.upper()}").options == {"speed": speed}


@pytest.mark.parametrize(("word", "camera"), sorted(CAMERA_WORDS.items()))
def test_each_camera_word(word: str, camera: Camera) -> None:
    parsed = parse_text(f"夜市的燈籠 鏡頭：{word}")
    assert parsed.options == {"camera": camera} and parsed.prompt == "夜市的燈籠"


@pytest.mark.parametrize(("word", "level"), sorted(MOTION_WORDS.items()))
def test_each_motion_word(word: str, level: str) -> None:
    assert parse_text(f"海浪 動態:{word}").options == {"motion": MOTION_LEVELS[level]}


def test_all_controls_in_one_message_and_full_width() -> None:
    parsed = parse_text(
        "夜市的貓 速度：品質 動態：高 鏡頭：推近 循環 比例：１６：９ 秒數：２ 種子：７ 不要：模糊"
    )
    assert parsed.prompt == "夜市的貓"
    assert parsed.options == {
        "speed": SpeedMode.QUALITY,
        "motion": MOTION_LEVELS["high"],
        "camera": Camera.ZOOM_IN,
        "loop": True,
        "aspect": parsed.options["aspect"],
        "seconds": 2.0,
        "seed": 7,
        "negative": "模糊",
    }
    assert parsed.options["aspect"].value == "16:9"  # type: ignore[attr-defined]


def test_english_keys() -> None:
    parsed = parse_text("a lantern over a river speed:draft motion:low camera:pan_left loop:on")
    assert parsed.prompt == "a lantern over a river"
    assert parsed.options == {
        "speed": SpeedMode.DRAFT,
        "motion": MOTION_LEVELS["low"],
        "camera": Camera.PAN_LEFT,
        "loop": True,
    }


@pytest.mark.parametrize("flag", sorted(LOOP_FLAGS))
def test_loop_flag_words_anywhere(flag: str) -> None:
    parsed = parse_text(f"{flag} 一艘紙船漂在湖上")
    assert parsed.options == {"loop": True} and parsed.prompt == "一艘紙船漂在湖上"
    assert parse_text(f"a paper boat {flag.upper()}").options == {"loop": True}


def test_loop_words_that_are_prompt_text() -> None:
    # English "loop" alone is a prompt word; a flag glued to text is text.
    assert parse_text("a loop of rope").options == {}
    assert parse_text("a loop of rope").prompt == "a loop of rope"
    assert parse_text("循環小數的黑板").options == {}


def test_explicit_loop_off_wins_over_the_flag_word() -> None:
    assert parse_text("紙船 循環 循環:否").options == {"loop": False}
    assert parse_text("紙船 loop:off").options == {"loop": False}


def test_glued_chinese_value_gives_the_rest_back() -> None:
    parsed = parse_text("鏡頭:推近一隻貓")
    assert parsed.options == {"camera": Camera.ZOOM_IN} and parsed.prompt == "一隻貓"


def test_an_ascii_word_must_end_where_the_value_ends() -> None:
    with pytest.raises(InvalidRequest) as info:
        parse_text("a road motion:highway")
    assert info.value.key == "line.motion_invalid" and info.value.details["value"] == "highway"


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("貓 速度:超級快", "line.speed_invalid", "超級快"),
        ("cat speed:turbo", "line.speed_invalid", "turbo"),
        ("貓 動態:中", "line.motion_invalid", "中"),
        ("貓 鏡頭:亂飛", "line.camera_invalid", "亂飛"),
        ("cat camera:dolly_zoom", "line.camera_invalid", "dolly_zoom"),
        ("貓 循環:也許", "line.loop_invalid", "也許"),
    ],
)
def test_unknown_values_are_refused_with_the_value(text: str, key: str, value: str) -> None:
    with pytest.raises(InvalidRequest) as info:
        parse_text(text)
    assert info.value.key == key and info.value.details["value"] == value


def test_refusals_list_every_accepted_value_in_the_readers_language() -> None:
    zh_first = {
        "line.speed_invalid": ["快", "平衡", "品質"],
        "line.motion_invalid": ["低", "高"],
        "line.camera_invalid": ["固定", "左移", "右移", "推近", "拉遠", "環繞"],
    }
    for key, words in zh_first.items():
        text = render(key, "zh-TW", value="x")
        assert all(word in text for word in words), (key, text)
    assert all(speed.value in render("line.speed_invalid", "en", value="x") for speed in SpeedMode)
    assert all(cam.value in render("line.camera_invalid", "en", value="x") for cam in Camera)
    assert all(level in render("line.motion_invalid", "en", value="x") for level in MOTION_LEVELS)
    # The words the zh-TW refusal names are accepted words of the right values.
    assert [CAMERA_WORDS[w] for w in zh_first["line.camera_invalid"]] == list(Camera)
    assert [SPEED_WORDS[w] for w in zh_first["line.speed_invalid"]] == [
        SpeedMode.DRAFT,
        SpeedMode.BALANCED,
        SpeedMode.QUALITY,
    ]


def test_transition_belongs_to_storyboards_only() -> None:
    with pytest.raises(InvalidRequest) as info:
        parse_text("貓 轉場:淡入淡出")
    assert info.value.key == "line.option_storyboard_only" and info.value.details["option"] == "轉場"


def test_storyboard_and_its_status_are_commands() -> None:
    assert parse_text("分鏡 夜市\n1. 女孩 4秒").command is Command.STORYBOARD
    assert parse_text("分鏡：夜市").command is Command.STORYBOARD
    assert parse_text("Storyboard").command is Command.STORYBOARD
    assert parse_text("分鏡進度").command is Command.STORYBOARD_STATUS
    assert parse_text("storyboard  status").command is Command.STORYBOARD_STATUS
    assert parse_text("分鏡師在畫畫").command is Command.PROMPT  # the word glued to a prompt


@pytest.mark.parametrize(
    ("text", "shot", "board"),
    [
        ("重拍 2", 2, None),
        ("重拍第 2 鏡", 2, None),
        ("重拍第２個鏡頭", 2, None),
        ("重新拍 3", 3, None),
        ("reroll shot 3 #ab12cd34", 3, "ab12cd34"),
        ("/reroll 2", 2, None),
        ("重拍 2 #AB12CD34", 2, "ab12cd34"),
        ("重拍", None, None),
    ],
)
def test_reroll_shot_words(text: str, shot: int | None, board: str | None) -> None:
    parsed = parse_text(text)
    assert parsed.command is Command.STORYBOARD_REROLL
    assert parsed.options == {"shot": shot, "board": board}


def test_reroll_inside_a_prompt_is_a_prompt() -> None:
    assert parse_text("重拍這支影片的感覺").command is Command.PROMPT
    assert parse_text("reroll shot of a cat").command is Command.PROMPT


@pytest.mark.parametrize(
    ("text", "yes"),
    [
        ("同意 #ab12cd34", True),
        ("consent #AB12CD34", True),
        ("不同意 #ab12cd34", False),
        ("decline #ab12cd34", False),
    ],
)
def test_board_consent_answers_name_the_board(text: str, yes: bool) -> None:
    parsed = parse_text(text)
    assert parsed.command is Command.STORYBOARD_CONSENT
    assert parsed.options == {"board": "ab12cd34", "yes": yes}


def test_plain_agreement_is_no_consent() -> None:
    assert parse_text("同意").command is Command.PROMPT
    assert parse_text("我同意 #ab12cd34").command is Command.PROMPT
