"""The LINE keyword syntax: options anywhere, full-width input, commands, triggers, mentions."""

from __future__ import annotations

import pytest

from reelbot.bots.line.syntax import Command, parse_text, remove_spans, strip_trigger
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.types import Aspect, ReferenceRole


def test_plain_prompt_has_no_options() -> None:
    parsed = parse_text("一隻貓在雨中的東京街頭散步")
    assert parsed.command is Command.PROMPT
    assert parsed.prompt == "一隻貓在雨中的東京街頭散步"
    assert parsed.options == {}


def test_options_anywhere_are_removed_from_the_prompt() -> None:
    parsed = parse_text("比例:16:9 海邊的日落 秒數:4 seed:42 不要:模糊")
    assert parsed.prompt == "海邊的日落"
    assert parsed.options == {"aspect": Aspect.LANDSCAPE, "seconds": 4.0, "seed": 42, "negative": "模糊"}


def test_full_width_colons_and_digits() -> None:
    parsed = parse_text("海邊 比例：１：１ 秒數：２.５ 種子：７")
    assert parsed.options == {"aspect": Aspect.SQUARE, "seconds": 2.5, "seed": 7}
    assert parsed.prompt == "海邊"


def test_english_keys_and_words() -> None:
    parsed = parse_text("a red boat aspect:landscape seconds:3 fps:8 neg:blurry preset:tiny")
    assert parsed.prompt == "a red boat"
    assert parsed.options == {
        "aspect": Aspect.LANDSCAPE,
        "seconds": 3.0,
        "fps": 8,
        "negative": "blurry",
        "preset": "tiny",
    }


def test_value_glued_to_chinese_text_returns_the_rest_to_the_prompt() -> None:
    parsed = parse_text("比例:直式一隻狗")
    assert parsed.options["aspect"] is Aspect.PORTRAIT
    assert parsed.prompt == "一隻狗"


def test_bad_aspect_names_the_value_and_choices() -> None:
    with pytest.raises(InvalidRequest) as info:
        parse_text("貓 比例:4:3")
    assert info.value.key == "request.aspect_invalid"
    assert info.value.details["value"] == "4:3"
    assert "16:9" in info.value.details["choices"]


def test_non_numeric_seconds_and_huge_seed_are_refused() -> None:
    with pytest.raises(InvalidRequest) as info:
        parse_text("貓 秒數:很久")
    assert info.value.key == "line.option_number"
    with pytest.raises(InvalidRequest) as info:
        parse_text("貓 seed:99999999999")
    assert info.value.key == "request.seed_invalid"


def test_option_key_inside_a_word_is_prompt_text() -> None:
    # "aspect" must start a token; "inaspect:x" is just words.
    parsed = parse_text("the retrospect:ive look")
    assert parsed.options == {}
    assert parsed.prompt == "the retrospect:ive look"


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("結尾", ReferenceRole.LAST_FRAME),
        ("/end", ReferenceRole.LAST_FRAME),
        ("角色", ReferenceRole.SUBJECT),
        ("/character", ReferenceRole.SUBJECT),
        ("風格", ReferenceRole.STYLE),
        ("/style", ReferenceRole.STYLE),
        ("首格", ReferenceRole.FIRST_FRAME),
    ],
)
def test_role_marks(text: str, role: ReferenceRole) -> None:
    parsed = parse_text(f"  {text} ")
    assert parsed.command is Command.MARK_ROLE
    assert parsed.role is role


@pytest.mark.parametrize("text", ["說明", "help", "HELP", "/help", "？"])
def test_help_words(text: str) -> None:
    assert parse_text(text).command is Command.HELP


def test_clear_word() -> None:
    assert parse_text("清除").command is Command.CLEAR


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/video 一隻貓", "一隻貓"),
        ("/VIDEO a cat", "a cat"),
        ("影片 海邊", "海邊"),
        ("影片：海邊", "海邊"),
        ("影片", ""),
        ("影片很好看", None),  # chatter that merely starts with the word
        ("看這個影片", None),
        ("/videos", None),
    ],
)
def test_triggers(text: str, expected: str | None) -> None:
    assert strip_trigger(text, ("/video", "影片")) == expected


def test_mention_spans_are_cut() -> None:
    text = "@reelbot 做一個影片 海邊"
    assert remove_spans(text, [(0, 8)]) == "做一個影片 海邊"
    assert remove_spans("嗨 @reelbot 貓", [(2, 8)]) == "嗨 貓"


def test_usage_and_cancel_words() -> None:
    for word in ("用量", "usage", "/usage", " USAGE ", "額度"):
        assert parse_text(word).command is Command.USAGE, word
    for word in ("取消", "cancel", "/cancel", "Cancel"):
        assert parse_text(word).command is Command.CANCEL, word
    # Inside a prompt they are just words.
    assert parse_text("取消 的 派對").command is Command.PROMPT
    assert parse_text("usage of color").prompt == "usage of color"


@pytest.mark.parametrize(
    ("text", "command", "caption"),
    [
        ("字幕 夜市的燈亮了", Command.CAPTION, "夜市的燈亮了"),
        ("字幕：夜市的燈亮了", Command.CAPTION, "夜市的燈亮了"),
        ("Caption: the lights come on", Command.CAPTION, "the lights come on"),
        ("/caption hi", Command.CAPTION, "hi"),
        ("字幕\n第一行\n第二行", Command.CAPTION, "第一行\n第二行"),  # line breaks stay
        ("字幕", Command.CAPTION, ""),  # alone: the answer shows how
        ("取消音樂", Command.NO_MUSIC, ""),
        ("No Music", Command.NO_MUSIC, ""),
        ("取消字幕", Command.NO_CAPTION, ""),
        ("no caption", Command.NO_CAPTION, ""),
        ("字幕很大的海報", Command.PROMPT, "字幕很大的海報"),  # no space or colon: a prompt
        ("captions in the rain", Command.PROMPT, "captions in the rain"),
        ("caption contest at a café", Command.PROMPT, "caption contest at a café"),  # English: the colon
    ],
)
def test_the_finish_extras_words(text: str, command: Command, caption: str) -> None:
    parsed = parse_text(text)
    assert (parsed.command, parsed.prompt) == (command, caption)


@pytest.mark.parametrize(
    ("text", "command", "description", "lyrics"),
    [
        ("音樂 溫暖的 lo-fi 鋼琴", Command.MUSIC, "溫暖的 lo-fi 鋼琴", ""),
        ("音樂：夜市的感覺", Command.MUSIC, "夜市的感覺", ""),
        ("Music: warm  lo-fi", Command.MUSIC, "warm lo-fi", ""),
        ("/music solo piano", Command.MUSIC, "solo piano", ""),
        ("音樂 溫暖的鋼琴 歌詞: 夜市的燈\n亮了", Command.MUSIC, "溫暖的鋼琴", "夜市的燈\n亮了"),
        ("音樂 溫暖的鋼琴歌詞：啦啦", Command.MUSIC, "溫暖的鋼琴", "啦啦"),  # Chinese: no space needed
        ("music: warm piano lyrics: la la", Command.MUSIC, "warm piano", "la la"),
        ("music：a songlyrics: x", Command.MUSIC, "a songlyrics: x", ""),  # lyrics: is a word of its own
        ("music", Command.MUSIC, "", ""),
        ("音樂", Command.MUSIC, "", ""),  # alone: the answer shows how
        ("音樂很好聽的 MV", Command.PROMPT, "音樂很好聽的 MV", None),  # no space or colon: a prompt
        ("musical theatre at night", Command.PROMPT, "musical theatre at night", None),
        ("music box on a table", Command.PROMPT, "music box on a table", None),  # English: the colon
        ("取消音樂", Command.NO_MUSIC, "", None),
    ],
)
def test_the_music_words(text: str, command: Command, description: str, lyrics: str | None) -> None:
    parsed = parse_text(text)
    assert (parsed.command, parsed.prompt, parsed.options.get("lyrics")) == (command, description, lyrics)
