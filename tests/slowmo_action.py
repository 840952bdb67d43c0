"""A throwaway clip action, "slow motion", declared the way a new action is: one module.

Tests register it with one line (``register_action(SLOW_MOTION)``) and expect it under every
clip in both bots, and working end to end, without touching any other file.
"""

from __future__ import annotations

from reelbot.app.actions import ClipAction
from reelbot.domain.types import RemixKind

SLOW_MOTION = ClipAction(
    name="slowmo",
    emoji="🐢",
    texts={"en": "Slow motion", "zh-TW": "慢動作"},
    kind=RemixKind.REMIX,
    derive=lambda clip, prompt, service: {"prompt": f"{clip.request.prompt}, in slow motion"},
)
