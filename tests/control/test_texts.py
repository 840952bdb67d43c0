"""Every creator-control message exists in en and zh-TW with the same placeholders."""

from __future__ import annotations

import string

from reelbot.domain.messages import CATALOGUE
from reelbot.generator import control_texts  # noqa: F401 - registers the keys

KEYS = [
    "extend.mismatch",
    "storyboard.missing_file",
    "storyboard.unreadable",
    "storyboard.invalid",
    "storyboard.no_shots",
    "storyboard.too_many_shots",
    "storyboard.shot_seconds",
    "storyboard.too_long",
    "storyboard.shot_unknown",
    "storyboard.reference_missing",
    "request.extend_too_long",  # the service's key, reused by stitch
]


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_locales_with_the_same_fields() -> None:
    for key in KEYS:
        en, zh = CATALOGUE["en"][key], CATALOGUE["zh-TW"][key]
        assert en != zh, key
        assert fields(en) == fields(zh), key
