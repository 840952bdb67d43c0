"""Another speed mode for a clip's next take, the same on every chat.

Re-roll, Vary, Extend (every action that renders the parent's recipe again) keep the parent's
mode: a draft's re-roll is a draft. A person who wants the next take in another mode picks it
from the (action, mode) pairs :func:`mode_takes` lists under the clip: only the modes the
clip's preset offers (the service would refuse the others), never the mode the clip ran in,
and not for Remix (its form has its own mode select) or Render in quality (its mode is its
own). Discord shows them in a select under the clip, LINE as quick replies behind one reply;
both carry :attr:`ModeTake.value` and read it back with :func:`parse_take`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from reelbot.app.actions import ClipAction, clip_actions, get_action
from reelbot.app.actions.quality import rendered_mode
from reelbot.bots.common.controls import speed_label
from reelbot.domain.messages import render
from reelbot.domain.presets import PRESETS
from reelbot.domain.types import RemixKind, SpeedMode

if TYPE_CHECKING:
    from reelbot.app.service import ClipView
    from reelbot.domain.settings import Settings

#: Between the action's name and the mode in :attr:`ModeTake.value` (``reroll.quality``).
SEPARATOR = "."


@dataclass(frozen=True)
class ModeTake:
    """One action under a clip, run in another mode than the clip's."""

    action: ClipAction
    speed: SpeedMode

    @property
    def value(self) -> str:
        """What a select option or postback carries: ``<action>.<mode>``."""
        return f"{self.action.name}{SEPARATOR}{self.speed.value}"

    def label(self, locale: str | None) -> str:
        """ "Re-roll · quality" / "重新生成・畫質優先"."""
        action = render(self.action.label_key, locale)
        return render("modes.take", locale, action=action, mode=speed_label(self.speed, locale))


def mode_choices(clip: ClipView, settings: Settings) -> tuple[SpeedMode | None, list[SpeedMode]]:
    """The mode ``clip`` ran in and the other modes its preset offers, in the preset's order
    (None and every mode when the preset is gone: then nothing is offered, see below)."""
    preset = PRESETS.get(clip.request.preset or "")
    kept = rendered_mode(clip, settings)
    return kept, [mode for mode in preset.modes if mode is not kept] if preset else []


def mode_takes(clip: ClipView, settings: Settings, surface: str) -> list[ModeTake]:
    """Each action ``surface`` shows under ``clip`` that re-renders its recipe, in each other
    mode its preset offers: action by action, modes in the preset's order."""
    kept, others = mode_choices(clip, settings)
    if kept is None:
        return []
    return [
        ModeTake(action, speed)
        for action in clip_actions(surface, clip, settings)
        if _keeps_mode(action)
        for speed in others
    ]


def parse_take(value: str, surface: str, clip: ClipView, settings: Settings) -> tuple[str, SpeedMode] | None:
    """``reroll.quality`` → ("reroll", quality) for ``clip``; None for anything that is not an
    action ``surface`` shows that keeps a mode, and a mode, and for a take in the mode ``clip``
    ran in (never offered: re-rendering in the same mode is the button's job). None means an
    old or forged value: the caller says the button is stale. Both chats read their takes here,
    so the rule is one. A mode the clip's preset lacks passes: the service refuses it, saying
    which modes the preset offers."""
    name, _, mode = value.partition(SEPARATOR)
    action = get_action(name)
    if action is None or surface not in action.surfaces or not _keeps_mode(action):
        return None
    try:
        speed = SpeedMode(mode)
    except ValueError:
        return None
    return None if speed is rendered_mode(clip, settings) else (name, speed)


def _keeps_mode(action: ClipAction) -> bool:
    """Renders the parent's recipe in the parent's mode: not Remix (asks a prompt, has its own
    select), not Render in quality (its mode is quality), not info/delete/finish."""
    return action.generates and not action.needs_prompt and action.kind is not RemixKind.QUALITY
