"""Remix: the same recipe with an edited prompt (asked for first)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reelbot.app.actions import ClipAction, register_action
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.types import RemixKind


def _derive(clip: Any, prompt: str | None, service: Any) -> Mapping[str, Any]:
    if prompt is None:
        raise InvalidRequest("request.prompt_empty")
    return {"prompt": prompt}


ACTION = register_action(
    ClipAction(
        name="remix",
        emoji="✏️",
        texts={"en": "Remix", "zh-TW": "改提示"},
        kind=RemixKind.REMIX,
        derive=_derive,
        needs_prompt=True,
    )
)
