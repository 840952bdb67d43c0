"""The typed LINE storyboard: shot markers, lengths, full-width input, board and shot options,
and every refusal (no shots, an empty shot, too many, too long, misplaced options) in en and
zh-TW, naming the shot."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reelbot.bots.common.controls import MOTION_LEVELS
from reelbot.bots.line.storyboard_syntax import MAX_BOARD_CHARS, MAX_SHOT_CHARS, parse_board
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.storyboard import MAX_SHOTS, Transition
from reelbot.domain.types import Aspect, Camera, SpeedMode

ZH_BOARD = """分鏡 夜市的一晚 比例:16:9 種子:7 轉場:淡入淡出
1. 女孩走進雨中的夜市 4秒
2. 她買了一杯珍珠奶茶 鏡頭:推近 3秒
- 她抬頭對著鏡頭微笑 | 2s
"""


def board(text: str, locale: str = "zh-TW", default: float = 3.0):  # type: ignore[no-untyped-def]
    return parse_board(text, default_seconds=default, locale=locale)


def refusal(text: str, locale: str = "zh-TW") -> InvalidRequest:
    with pytest.raises(InvalidRequest) as info:
        board(text, locale)
    return info.value


def test_the_documented_zh_tw_example() -> None:
    parsed = board(ZH_BOARD)
    assert parsed.title == "夜市的一晚"
    assert (parsed.aspect, parsed.seed, parsed.transition) == (Aspect.LANDSCAPE, 7, Transition.CROSSFADE)
    assert "seed" in parsed.model_fields_set
    assert [(s.prompt, s.seconds) for s in parsed.shots] == [
        ("女孩走進雨中的夜市", 4.0),
        ("她買了一杯珍珠奶茶", 3.0),
        ("她抬頭對著鏡頭微笑", 2.0),
    ]
    assert [s.camera for s in parsed.shots] == [None, Camera.ZOOM_IN, None]


def test_full_width_digits_and_punctuation() -> None:
    parsed = board("分鏡：夜市\n１．女孩走進夜市 ４秒\n２）她笑了｜２.５秒\n３、 攤販收攤 鏡頭：拉遠 １ 秒")
    assert parsed.title == "夜市"
    assert [(s.prompt, s.seconds) for s in parsed.shots] == [
        ("女孩走進夜市", 4.0),
        ("她笑了", 2.5),
        ("攤販收攤", 1.0),
    ]
    assert parsed.shots[2].camera is Camera.ZOOM_OUT


def test_blank_lines_and_spaces_are_ignored() -> None:
    parsed = board("\n\n  分鏡  \n\n   1.   女孩   走進夜市   4秒   \n\n\n2. 她笑了 2秒\n   \n")
    assert [s.prompt for s in parsed.shots] == ["女孩 走進夜市", "她笑了"]
    assert parsed.title == ""


@pytest.mark.parametrize(
    "line",
    [
        "1. 女孩走進夜市 4秒",
        "1、女孩走進夜市 4 秒",
        "1) 女孩走進夜市 4秒鐘",
        "- 女孩走進夜市 | 4s",
        "* 女孩走進夜市 | 4",
        "・女孩走進夜市 4秒",
        "• 女孩走進夜市 4 sec",
        "第1鏡：女孩走進夜市 4秒",
        "第 1 個鏡頭 女孩走進夜市 4秒",
        "鏡頭1：女孩走進夜市 4秒",
        "女孩走進夜市 秒數:4",
        "女孩走進夜市4秒",
    ],
)
def test_shot_markers_and_lengths(line: str) -> None:
    (shot,) = board(f"分鏡\n{line}").shots
    assert (shot.prompt, shot.seconds) == ("女孩走進夜市", 4.0)


def test_english_board() -> None:
    parsed = board(
        "storyboard Night market aspect:1:1 transition:cut\n"
        "1. a girl walks into a rainy night market 4s\n"
        "shot 2: she buys a bubble tea camera:zoom_in motion:high 2 seconds\n"
        "3. the 1990s arcade glows\n",
        locale="en",
    )
    assert parsed.title == "Night market" and parsed.aspect is Aspect.SQUARE
    assert [s.seconds for s in parsed.shots] == [4.0, 2.0, 3.0]  # "1990s" is no length: the default
    assert parsed.shots[2].prompt == "the 1990s arcade glows"
    assert (parsed.shots[1].camera, parsed.shots[1].motion) == (Camera.ZOOM_IN, MOTION_LEVELS["high"])
    assert "seed" not in parsed.model_fields_set  # no seed written: the board draws one


def test_first_line_defaults_apply_to_shots_that_name_none() -> None:
    parsed = board("分鏡 秒數:2 鏡頭:固定 動態:低\n1. 貓睡覺\n2. 貓醒來 鏡頭:環繞 5秒")
    assert [(s.seconds, s.camera, s.motion) for s in parsed.shots] == [
        (2.0, Camera.STATIC, MOTION_LEVELS["low"]),
        (5.0, Camera.ORBIT, MOTION_LEVELS["low"]),
    ]


def test_per_shot_seed_and_transition_and_board_options() -> None:
    parsed = board("分鏡 模型:tiny fps:8 不要:模糊\n1. 貓 1秒\n2. 狗 種子:42 轉場:淡入淡出 1秒")
    assert (parsed.preset, parsed.fps, parsed.negative_prompt) == ("tiny", 8, "模糊")
    assert parsed.shots[1].seed == 42 and parsed.shots[1].transition is Transition.CROSSFADE
    assert parsed.shots[0].seed is None and parsed.transition is Transition.CUT


def test_the_default_length_is_the_callers() -> None:
    assert board("分鏡\n1. 貓", default=1.5).shots[0].seconds == 1.5


@pytest.mark.parametrize("text", ["分鏡", "分鏡 夜市的一晚", "分鏡\n\n   \n"])
def test_no_shots(text: str) -> None:
    error = refusal(text)
    assert error.key == "line.storyboard_no_shots"
    assert "1. " in error.render("zh-TW") and "1. " in error.render("en")  # the answer shows how


@pytest.mark.parametrize("line", ["2.", "- ", "・", "3. 4秒", "- | 2s", "第2鏡：", "鏡頭:推近 2秒"])
def test_an_empty_shot_is_named(line: str) -> None:
    error = refusal(f"分鏡\n1. 貓 1秒\n{line}")
    assert error.key == "line.storyboard_shot_empty" and error.details["shot"] == 2
    assert "第 2 個鏡頭" in error.render("zh-TW") and "Shot 2" in error.render("en")


def test_too_many_shots() -> None:
    lines = "\n".join(f"{n}. 貓 1秒" for n in range(1, MAX_SHOTS + 2))
    error = refusal(f"分鏡\n{lines}")
    assert error.key == "storyboard.too_many_shots"
    assert error.details == {"count": MAX_SHOTS + 1, "limit": MAX_SHOTS}
    assert len(board("分鏡\n" + "\n".join(f"{n}. 貓 1秒" for n in range(MAX_SHOTS))).shots) == MAX_SHOTS


def test_over_long_text_and_shot() -> None:
    error = refusal("分鏡\n1. " + "貓" * MAX_BOARD_CHARS)
    assert error.key == "line.storyboard_text_long" and error.details["limit"] == MAX_BOARD_CHARS
    assert str(MAX_BOARD_CHARS) in error.render("zh-TW") and str(MAX_BOARD_CHARS) in error.render("en")
    error = refusal("分鏡\n1. 貓 1秒\n2. " + "狗" * MAX_SHOT_CHARS)
    assert error.key == "line.storyboard_shot_long" and error.details["shot"] == 2


@pytest.mark.parametrize(
    ("text", "inner"),
    [
        ("分鏡\n1. 貓 鏡頭:亂飛", "不支援的鏡頭「亂飛」"),
        ("分鏡\n1. 貓 比例:1:1", "「比例」是整部分鏡的設定"),
        ("分鏡\n1. 貓 速度:光速", "不支援的速度「光速」"),
        ("分鏡\n1. 貓 循環:是", "分鏡不支援「循環」"),
        ("分鏡\n1. 貓 | 很久", "「|」後面請寫秒數"),
        ("分鏡\n1. 貓 秒數:很久", "「seconds」需要一個數字"),
    ],
)
def test_a_shot_problem_names_the_shot_in_zh_tw(text: str, inner: str) -> None:
    error = refusal(text)
    assert error.key == "line.storyboard_at_shot" and error.details["shot"] == 1
    assert error.render("zh-TW").startswith("第 1 個鏡頭：") and inner in error.render("zh-TW")


def test_a_shot_problem_in_english() -> None:
    error = refusal("storyboard\n1. a cat 1s\n2. a dog camera:dolly_zoom", locale="en")
    text = error.render("en")
    assert text.startswith("Shot 2: Unknown camera move dolly_zoom") and "zoom_in" in text


@pytest.mark.parametrize(
    ("head", "inner_zh", "inner_en"),
    [
        ("分鏡 循環:是", "分鏡不支援「循環」", None),
        ("分鏡 比例:4:3", "不支援的比例", None),
        ("storyboard loop:on", None, "does not take loop"),
        ("storyboard transition:wipe", None, "Unknown transition wipe"),
    ],
)
def test_first_line_problems(head: str, inner_zh: str | None, inner_en: str | None) -> None:
    locale = "zh-TW" if inner_zh else "en"
    error = refusal(f"{head}\n1. 貓 1秒", locale)
    assert error.key == "line.storyboard_at_header"
    assert (inner_zh or inner_en) in error.render(locale)


def test_a_long_title_is_cut() -> None:
    assert len(board("分鏡 " + "長" * 300 + "\n1. 貓").title) == 100


def test_a_written_out_length_wins_over_a_trailing_one() -> None:
    (shot,) = board("分鏡\n1. 女孩走進夜市 秒數:2 3秒").shots
    assert shot.seconds == 2.0 and shot.prompt == "女孩走進夜市 3秒"


_WORDS = """分鏡 storyboard 1. ２） - ・ 第3鏡： | ｜ 4秒 ４秒 2s 1990s
女孩 a 鏡頭: 推近 比例： 16:9 秒數: 種子: 速度:快 循環 轉場: 淡入淡出 動態:高 不要: 模型: fps: 0.5 ： # 🎬"""
PIECES = st.sampled_from([*_WORDS.split(), " ", "\n", "\n\n", "9" * 30])


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=40).map("".join), st.sampled_from(["zh-TW", "en"]))
def test_any_text_is_a_board_or_one_catalogue_refusal(text: str, locale: str) -> None:
    """Whatever is typed: a valid Storyboard, or an InvalidRequest that renders in both locales."""
    try:
        parsed = parse_board(f"分鏡 {text}", default_seconds=3.0, locale=locale)
    except InvalidRequest as exc:
        assert exc.render("zh-TW") and exc.render("en")
        return
    assert parsed.shots and all(shot.prompt.strip() for shot in parsed.shots)
    assert len(parsed.shots) <= MAX_SHOTS and len(parsed.title) <= 100


def test_speed_for_the_board_and_per_shot() -> None:
    parsed = board("分鏡 速度:快\n1. 貓 1秒\n2. 狗 速度:品質 1秒")
    assert parsed.speed is SpeedMode.DRAFT
    assert [parsed.speed_of(i) for i in range(2)] == [SpeedMode.DRAFT, SpeedMode.QUALITY]
