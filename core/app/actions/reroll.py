"""Re-roll: the same recipe with a new seed."""

from __future__ import annotations

from reelbot.app.actions import ClipAction, Style, register_action
from reelbot.domain.types import RemixKind, random_seed

ACTION = register_action(
    ClipAction(
        name="reroll",
        emoji="🎲",
        texts={"en": "Re-roll", "zh-TW": "重新生成"},
        kind=RemixKind.REROLL,
        derive=lambda clip, prompt, service: {"seed": random_seed()},
        style=Style.PRIMARY,
    )
)
