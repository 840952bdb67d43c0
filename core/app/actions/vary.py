"""Vary (subtle): the same seed with a small perturbation of the starting noise."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from reelbot.app.actions import ClipAction, register_action
from reelbot.domain.types import RemixKind, Variation

if TYPE_CHECKING:
    from reelbot.app.service import ClipView


def vary(strength: Variation) -> Any:
    """The derive of a Vary of ``strength`` (shared with :mod:`.varystrong`)."""

    def derive(clip: ClipView, prompt: str | None, service: Any) -> Mapping[str, Any]:
        parent = clip.request
        # Same seed, new perturbation: a Vary of a Vary must not replay its parent.
        return {"variation": strength, "variation_salt": parent.variation_salt + 1 if parent.variation else 0}

    return derive


ACTION = register_action(
    ClipAction(
        name="vary",
        emoji="🌀",
        texts={"en": "Vary", "zh-TW": "變化"},
        kind=RemixKind.VARY,
        derive=vary(Variation.SUBTLE),
    )
)
