"""Request checks give reasons a person can act on, in en and zh-TW."""

from __future__ import annotations

import uuid

import pytest

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.settings import Limits
from reelbot.domain.types import GenerationRequest, Origin, Platform, ReferenceImage, ReferenceRole, RemixKind
from reelbot.domain.validation import check_request, clean_text, parse_role

ORIGIN = Origin(platform=Platform.CLI, user_id="tester")
SHA = "a" * 64


def request(**fields: object) -> GenerationRequest:
    return GenerationRequest(origin=ORIGIN, **{"prompt": "a cat surfing", **fields})  # type: ignore[arg-type]


def refusal(req: GenerationRequest) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as info:
        check_request(req, Limits())
    return info.value


@pytest.mark.parametrize("prompt", ["", "   ", "\u200b\n\t"])
def test_empty_prompt(prompt: str) -> None:
    assert refusal(request(prompt=prompt)).key in {"request.prompt_empty"}


def test_ten_thousand_character_prompt_names_length_and_limit() -> None:
    err = refusal(request(prompt="x" * 10_000))
    assert err.key == "request.prompt_too_long"
    assert "10000" in err.render("en") and "2000" in err.render("en")
    assert "10000" in err.render("zh-TW")


@pytest.mark.parametrize("seconds", [-1.0, 0.0, 1000.0])
def test_duration_out_of_range(seconds: float) -> None:
    err = refusal(request(seconds=seconds))
    assert err.key == "request.seconds_invalid"
    assert str(seconds) in err.render("en")


def test_two_first_frames_are_refused() -> None:
    refs = (ReferenceImage(role=ReferenceRole.FIRST_FRAME, sha256=SHA),) * 2
    assert refusal(request(references=refs)).key == "request.role_duplicate"


def test_remix_without_parent_is_refused() -> None:
    assert refusal(request(remix_kind=RemixKind.VARY)).key == "request.remix_needs_parent"


def test_extend_may_have_an_empty_prompt() -> None:
    checked = check_request(
        request(prompt="", remix_kind=RemixKind.EXTEND, parent_clip_id=uuid.uuid4()), Limits()
    )
    assert checked.prompt == ""


def test_prompt_is_cleaned_but_chinese_kept() -> None:
    checked = check_request(request(prompt="  一隻貓在衝浪\x00\x07 "), Limits())
    assert checked.prompt == "一隻貓在衝浪"
    assert clean_text("line one\nline two") == "line one\nline two"


def test_unknown_role_lists_the_choices() -> None:
    with pytest.raises(InvalidRequest) as info:
        parse_role("background")
    assert "first_frame" in info.value.render("en")
    assert parse_role("First-Frame") is ReferenceRole.FIRST_FRAME
