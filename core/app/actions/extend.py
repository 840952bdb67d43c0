"""Extend: a new segment that starts from the parent's last frame (stitched by the worker)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reelbot.app.actions import ClipAction, register_action
from reelbot.domain.types import RemixKind


def _derive(clip: Any, prompt: str | None, service: Any) -> Mapping[str, Any]:
    service.check_extension(clip)  # past limits.max_total_seconds: refused before anything is queued
    continuation = clip.request.extension()  # from the parent's last frame; character and style kept
    update: dict[str, Any] = {"references": continuation.references, "loop": continuation.loop}
    if prompt:
        update["prompt"] = prompt
    return update


def _shown_for(clip: Any, settings: Any) -> bool:
    from reelbot.app.remix import can_extend  # the remix module imports this registry

    return can_extend(clip, settings)


ACTION = register_action(
    ClipAction(
        name="extend",
        emoji="⏩",
        texts={"en": "Extend", "zh-TW": "延長"},
        kind=RemixKind.EXTEND,
        derive=_derive,
        shown_for=_shown_for,
    )
)
