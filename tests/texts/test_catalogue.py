"""The whole message catalogue: both locales complete, same fields, zh-TW written as Taiwan writes.

Every package's ``texts`` module is loaded by the catalogue itself, so a new one is checked
without editing this test.
Simplified characters are found with zhconv's Taiwan conversion (phrase-aware, so a character
that is also correct in Taiwan, like 台 in 台灣, is not flagged); a zh-TW text that the
conversion would change is written in Simplified characters or in mainland usage.
"""

from __future__ import annotations

import re
import string

import pytest
import zhconv

from reelbot.domain.messages import CATALOGUE, EN, ZH_TW, text_modules

#: Conversions that change nothing a Taiwanese reader minds: 台 is everyday Taiwan usage
#: beside the formal 臺 (這台伺服器, 台灣).
ACCEPTED = {("台", "臺")}
#: Product and technology names that stay as they are in every language.
NAMES = re.compile(r"reelbot|Discord|LINE|Redis|HTTPS?|GPU|CUDA|ffmpeg|C2PA|fps|Shorts", re.IGNORECASE)
#: Words that read wrong to a Taiwanese creator.
TAIWAN_WORDING = {
    "視頻": "a video is 影片",
    "默認": "default is 預設值 / 不填",
    "信息": "a message is 訊息",
    "用戶": "a user is 使用者",
}


@pytest.fixture(scope="module")
def catalogue() -> dict[str, dict[str, str]]:
    """The whole catalogue: every package's texts module, loaded on first lookup."""
    assert len(text_modules()) >= 5, text_modules()  # the discovery itself must keep working
    assert CATALOGUE[EN]
    return CATALOGUE


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def simplified_spans(text: str) -> list[str]:
    """The parts of ``text`` that the Taiwan conversion changes (empty: reads as Taiwan writes)."""
    converted = zhconv.convert(text, "zh-tw")
    if converted == text:
        return []
    if len(converted) != len(text):
        return [converted]  # a phrase conversion (mainland vocabulary)
    return [f"{a}→{b}" for a, b in zip(text, converted, strict=True) if a != b and (a, b) not in ACCEPTED]


def test_every_key_exists_in_both_locales(catalogue: dict[str, dict[str, str]]) -> None:
    en, zh = set(catalogue[EN]), set(catalogue[ZH_TW])
    assert not en - zh, f"missing in zh-TW: {sorted(en - zh)}"
    assert not zh - en, f"missing in en: {sorted(zh - en)}"


def test_both_locales_fill_the_same_fields(catalogue: dict[str, dict[str, str]]) -> None:
    wrong = {
        key: (fields(text), fields(catalogue[ZH_TW][key]))
        for key, text in catalogue[EN].items()
        if key in catalogue[ZH_TW] and fields(text) != fields(catalogue[ZH_TW][key])
    }
    assert not wrong, wrong


def test_zh_tw_has_no_simplified_characters(catalogue: dict[str, dict[str, str]]) -> None:
    found = {key: spans for key, text in catalogue[ZH_TW].items() if (spans := simplified_spans(text))}
    assert not found, found


def test_zh_tw_uses_taiwan_wording(catalogue: dict[str, dict[str, str]]) -> None:
    found = {
        key: why
        for key, text in catalogue[ZH_TW].items()
        for word, why in TAIWAN_WORDING.items()
        if word in text
    }
    assert not found, found


def test_a_preset_is_a_model_in_zh_tw(catalogue: dict[str, dict[str, str]]) -> None:
    """預設 reads as "default" in Taiwan: where English says preset, zh-TW says 模型."""
    wrong = [
        key
        for key, text in catalogue[EN].items()
        if re.search(r"\bpresets?\b", text, re.IGNORECASE) and "預設" in catalogue[ZH_TW].get(key, "")
    ]
    assert not wrong, wrong


def test_zh_tw_is_translated(catalogue: dict[str, dict[str, str]]) -> None:
    """A zh-TW text identical to the English one, with English words in it, was never translated."""
    words = re.compile(r"[A-Za-z]{4,}")
    untranslated = [
        key
        for key, text in catalogue[ZH_TW].items()
        if text == catalogue[EN].get(key)
        and words.search(NAMES.sub("", re.sub(r"\{[^}]*\}|`[^`]*`", "", text)))
    ]
    assert not untranslated, untranslated


def test_the_checks_catch_what_they_look_for() -> None:
    """The detectors themselves: Simplified text is flagged, Taiwan text is not."""
    assert simplified_spans("这个视频已经完成")
    assert simplified_spans("设置默认模型")
    assert not simplified_spans("這支影片已經完成，請到台灣的群組看看。")
    assert not simplified_spans("這台伺服器的模型")
    assert fields("{a} and {b:.1f}") == {"a", "b"}
