"""Vary (strong): the same seed, a large perturbation — the same idea, a clearly new take."""

from __future__ import annotations

from reelbot.app.actions import ClipAction, register_action
from reelbot.app.actions.vary import vary
from reelbot.domain.types import RemixKind, Variation

ACTION = register_action(
    ClipAction(
        name="varystrong",
        emoji="🌪️",
        texts={"en": "Vary (strong)", "zh-TW": "大幅變化"},
        kind=RemixKind.VARY,
        derive=vary(Variation.STRONG),
    )
)
