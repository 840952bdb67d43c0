"""LINE texts: both locales define the same keys with the same fields; labels fit LINE's limits."""

from __future__ import annotations

import string

import reelbot.bots.line.texts  # noqa: F401 - registers the keys
from reelbot.bots.common.actions import ACTIONS
from reelbot.bots.line.config import LineConfig
from reelbot.bots.line.outgoing import LINE_CLIP_ACTIONS
from reelbot.messages import CATALOGUE, EN, LOCALES, ZH_TW, render


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_locales_have_the_same_line_keys_and_fields() -> None:
    en = {k: v for k, v in CATALOGUE[EN].items() if k.startswith("line.")}
    zh = {k: v for k, v in CATALOGUE[ZH_TW].items() if k.startswith("line.")}
    assert en.keys() == zh.keys() and len(en) > 30
    for key in en:
        assert fields(en[key]) == fields(zh[key]), key


def test_quick_reply_labels_fit_in_every_locale() -> None:
    limit = LineConfig(_env_file=None).quick_reply_label_max  # type: ignore[call-arg]
    for locale in LOCALES:
        for name in LINE_CLIP_ACTIONS:
            label = render(ACTIONS[name].label_key, locale)
            assert 1 <= len(label) <= limit, (locale, label)


def test_help_fits_one_text_message() -> None:
    for locale in LOCALES:
        assert len(render("line.help", locale, minutes=5)) <= 5000
