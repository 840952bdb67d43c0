"""Render in quality: a draft (or balanced) clip's exact recipe again, in quality mode.

Draft and balanced are for finding the shot; once a creator likes one, this re-renders it with
the checkpoint's full schedule and guidance: same prompt, seed, references, size, length,
camera, loop and Vary perturbation. Only the mode changes — and with a distilled draft mode,
the steps and guidance it imposed (its weights were trained for them), so quality runs the
preset's own. The button shows only under clips rendered in a faster mode; a click on any
other clip (an old button, a forged id) is one clear refusal, nothing queued.

An Extend's clip is left out: its recipe is the new segment only (the stitched parent part
would stay a draft), so re-render the clip it extends, then extend that.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from reelbot.app.actions import ClipAction, Style, register_action
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.presets import PRESETS, resolve_speed
from reelbot.domain.types import RemixKind, SpeedMode

if TYPE_CHECKING:
    from reelbot.app.views import ClipView
    from reelbot.domain.settings import Settings

FASTER = (SpeedMode.DRAFT, SpeedMode.BALANCED)


def rendered_mode(clip: ClipView, settings: Settings) -> SpeedMode | None:
    """The mode ``clip`` ran in: its request's, else the server default where its preset has it
    (the rule the worker applies); None when its preset is no longer known."""
    preset = PRESETS.get(clip.request.preset or "")
    if preset is None:
        return None
    try:
        return resolve_speed(clip.request.speed, preset, settings.engine.speed)
    except InvalidRequest:
        return None


def shown_for(clip: ClipView, settings: Settings) -> bool:
    return clip.request.remix_kind is not RemixKind.EXTEND and rendered_mode(clip, settings) in FASTER


def _derive(clip: ClipView, prompt: str | None, service: Any) -> Mapping[str, Any]:
    if not shown_for(clip, service.settings):
        raise InvalidRequest("action.quality_not_faster")
    parent = clip.request
    mode = rendered_mode(clip, service.settings)
    update: dict[str, Any] = {
        "speed": SpeedMode.QUALITY,
        # start_action clears these for a new remix; this one is the same recipe.
        "variation": parent.variation,
        "variation_salt": parent.variation_salt,
    }
    preset = PRESETS[parent.preset or ""]
    if mode is not None and preset.modes[mode].fixed_steps:
        update |= {"steps": None, "guidance": None}  # the draft's imposed schedule is not quality's
    return update


ACTION = register_action(
    ClipAction(
        name="quality",
        emoji="✨",
        texts={"en": "Render in quality", "zh-TW": "高畫質重算"},
        kind=RemixKind.QUALITY,
        derive=_derive,
        style=Style.PRIMARY,
        shown_for=shown_for,
    )
)
