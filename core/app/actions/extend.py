"""Extend: a new segment that starts from the parent's last frame (stitched by the worker)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reelbot.app.actions import ClipAction, register_action
from reelbot.domain.types import ReferenceRole, RemixKind


def _derive(clip: Any, prompt: str | None, service: Any) -> Mapping[str, Any]:
    service.check_extension(clip)  # past limits.max_total_seconds: refused before anything is queued
    update: dict[str, Any] = {
        # The parent's last frame is the new segment's first frame; start/end frames of the
        # parent do not apply to the continuation, character and style still do.
        "references": tuple(
            ref for ref in clip.request.references if ref.role in (ReferenceRole.SUBJECT, ReferenceRole.STYLE)
        ),
        "loop": False,
    }
    if prompt:
        update["prompt"] = prompt
    return update


ACTION = register_action(
    ClipAction(
        name="extend",
        emoji="⏩",
        texts={"en": "Extend", "zh-TW": "延長"},
        kind=RemixKind.EXTEND,
        derive=_derive,
    )
)
