"""Loop: the parent's recipe again, made to close on itself — a new clip whose last frame
leads seamlessly back into its first (the engines honour ``GenerationRequest.loop``).

Same prompt, seed and references; a last-frame reference is dropped (a loop's last frame is
its first). The lineage records it as a remix of the parent: the domain has no loop kind, and
``reelbot loop`` (core/cli/remix.py) has always recorded it so — the CLI now uses this action.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reelbot.app.actions import ClipAction, register_action
from reelbot.domain.types import ReferenceRole, RemixKind


def _derive(clip: Any, prompt: str | None, service: Any) -> Mapping[str, Any]:
    parent = clip.request
    return {
        "loop": True,
        "references": tuple(ref for ref in parent.references if ref.role is not ReferenceRole.LAST_FRAME),
    }


ACTION = register_action(
    ClipAction(
        name="loop",
        emoji="🔁",
        texts={"en": "Loop", "zh-TW": "循環"},
        kind=RemixKind.REMIX,
        derive=_derive,
    )
)
