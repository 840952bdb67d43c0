"""LINE texts: both locales define the same keys with the same fields; labels fit LINE's limits."""

from __future__ import annotations

import string
import uuid

import reelbot.bots.line.texts  # noqa: F401 - registers the keys
from reelbot.bots.common.actions import ACTIONS, clip_actions
from reelbot.bots.line.config import LineConfig
from reelbot.bots.line.outgoing import (
    cancel_quick_reply,
    consent_quick_reply,
    job_postback_data,
    parse_job_postback,
)
from reelbot.domain.messages import CATALOGUE, EN, LOCALES, ZH_TW, render


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
        for name in [a.name for a in clip_actions("line")]:
            label = render(ACTIONS[name].label_key, locale)
            assert 1 <= len(label) <= limit, (locale, label)


def test_help_fits_one_text_message() -> None:
    for locale in LOCALES:
        assert len(render("line.help", locale, minutes=5)) <= 5000


def test_consent_and_cancel_quick_replies_fit_in_every_locale() -> None:
    config = LineConfig(_env_file=None)  # type: ignore[call-arg]
    job_id = uuid.UUID("3f1c9a4e-1111-4222-8333-944455556666")
    for locale in LOCALES:
        for quick in (
            consent_quick_reply(job_id, locale, config),
            cancel_quick_reply(job_id, locale, config),
        ):
            for item in quick.items:
                action = item.action
                assert 1 <= len(action.label) <= config.quick_reply_label_max, (locale, action.label)
                assert len(action.data) <= config.postback_data_max
                assert parse_job_postback(action.data) is not None
    # Labels that break LINE's limit are cut, not sent as they are.
    tight = LineConfig(_env_file=None, quick_reply_label_max=8)  # type: ignore[call-arg]
    (confirm, _) = consent_quick_reply(job_id, "en", tight).items
    assert len(confirm.action.label) <= 8


def test_job_postbacks_round_trip_and_refuse_the_rest() -> None:
    job_id = uuid.uuid4()
    for action in ("consent", "decline", "cancel"):
        assert parse_job_postback(job_postback_data(action, job_id)) == (action, job_id)
    for forged in (f"delete:{job_id}", f"consent:{job_id}x", f"consent:{str(job_id).upper()}", "consent:"):
        assert parse_job_postback(forged) is None
