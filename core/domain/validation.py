"""Checks on a :class:`GenerationRequest` that need settings, before anything is stored.

Every refusal is an :class:`InvalidRequest` naming the message key, the offending value and
the allowed range, so each adapter can tell the person exactly what to change.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.settings import Limits
from reelbot.domain.types import GenerationRequest, ReferenceRole, RemixKind

# A first and a last frame are single images by nature; several subject/style images are fine.
SINGLE_IMAGE_ROLES = (ReferenceRole.FIRST_FRAME, ReferenceRole.LAST_FRAME)


def clean_text(text: str) -> str:
    """NFC-normalise and drop control characters (keeping newlines), trimming the ends."""
    text = unicodedata.normalize("NFC", text)
    kept = (ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return "".join(kept).strip()


def check_request(request: GenerationRequest, limits: Limits) -> GenerationRequest:
    """Return the request with cleaned prompts, or raise InvalidRequest with the reason."""
    prompt = clean_text(request.prompt)
    negative = clean_text(request.negative_prompt)
    if not prompt and request.remix_kind not in (
        RemixKind.EXTEND,
        RemixKind.REROLL,
        RemixKind.VARY,
        RemixKind.QUALITY,
    ):
        raise InvalidRequest("request.prompt_empty")
    if len(prompt) > limits.max_prompt_chars:
        raise InvalidRequest("request.prompt_too_long", length=len(prompt), limit=limits.max_prompt_chars)
    if len(negative) > limits.max_negative_chars:
        raise InvalidRequest(
            "request.negative_too_long", length=len(negative), limit=limits.max_negative_chars
        )
    if request.seconds is not None and not limits.min_seconds <= request.seconds <= limits.max_seconds:
        raise InvalidRequest(
            "request.seconds_invalid",
            minimum=limits.min_seconds,
            maximum=limits.max_seconds,
            value=request.seconds,
        )
    if request.fps is not None and not limits.min_fps <= request.fps <= limits.max_fps:
        raise InvalidRequest(
            "request.fps_invalid", minimum=limits.min_fps, maximum=limits.max_fps, value=request.fps
        )
    check_reference_roles([ref.role for ref in request.references], limits)
    if request.remix_kind is not None and request.parent_clip_id is None:
        raise InvalidRequest("request.remix_needs_parent", kind=request.remix_kind.value)
    return request.model_copy(update={"prompt": prompt, "negative_prompt": negative})


def check_reference_roles(roles: list[ReferenceRole], limits: Limits) -> None:
    """Count and uniqueness rules for reference images (checked before any download is stored)."""
    if len(roles) > limits.max_reference_images:
        raise InvalidRequest(
            "request.too_many_references", limit=limits.max_reference_images, count=len(roles)
        )
    counts = Counter(roles)
    for role in SINGLE_IMAGE_ROLES:
        if counts[role] > 1:
            raise InvalidRequest("request.role_duplicate", role=role.value)


def parse_role(value: str) -> ReferenceRole:
    """A role from user input (CLI flag, chat keyword) with a readable refusal."""
    try:
        return ReferenceRole(value.strip().lower().replace("-", "_"))
    except ValueError:
        raise InvalidRequest(
            "request.role_invalid", value=value, choices=", ".join(r.value for r in ReferenceRole)
        ) from None
