"""Clip actions: what can be done with a finished clip, declared once for every surface.

One module per action (``reroll.py``, ``vary.py`` …) builds a :class:`ClipAction` — its name
(it travels in ``reelbot:<name>:<clip id>`` buttons and postbacks), its label in en and zh-TW,
the request it derives from the parent clip, and the surfaces that show it — and hands it to
:func:`register_action`. Discord's buttons, LINE's quick replies and postbacks, the service's
:meth:`~reelbot.app.service.ReelbotService.start_action` and validation all read
:data:`ACTIONS`; adding an action is one file plus its line in :data:`BUILT_IN` below.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from reelbot.domain.messages import EN, ZH_TW, register
from reelbot.domain.types import RemixKind

if TYPE_CHECKING:
    from reelbot.app.service import ClipView, ReelbotService
    from reelbot.domain.settings import Settings

#: Derive the new request's changes from the parent clip: ``derive(clip, prompt, service)``
#: returns fields to update on the parent's request (or raises a ReelbotError).
Derive = Callable[["ClipView", "str | None", "ReelbotService"], Mapping[str, Any]]
#: Whether the action is offered under this clip: ``shown_for(clip, settings)`` (e.g. "Render in
#: quality" only under clips rendered in a faster mode). Buttons and quick replies ask it; the
#: action's ``derive`` still refuses a click on a clip it does not apply to (a forged or old id).
ShownFor = Callable[["ClipView", "Settings"], bool]

SURFACES = frozenset({"discord", "line", "cli"})


class Style(StrEnum):
    """How prominent a button is; each platform maps it to its own styles."""

    PRIMARY = "primary"
    SECONDARY = "secondary"
    DANGER = "danger"


@dataclass(frozen=True)
class ClipAction:
    """One thing to do with a clip (a button on Discord, a quick reply on LINE)."""

    name: str  # lowercase letters only: it appears in custom_ids
    emoji: str
    texts: Mapping[str, str]  # label per locale (en, zh-TW): registered as ``action.<name>``
    kind: RemixKind | None = None  # the remix it records; None: not a generation (info, delete)
    derive: Derive | None = None  # the request it makes from the parent; None: not a generation
    needs_prompt: bool = False  # asks for an edited prompt first (a modal / the next message)
    author_or_moderator: bool = False  # only the clip's author or a moderator may use it
    style: Style = Style.SECONDARY
    surfaces: frozenset[str] = field(default=SURFACES)
    shown_for: ShownFor | None = None  # None: under every clip

    @property
    def label_key(self) -> str:
        return f"action.{self.name}"

    @property
    def generates(self) -> bool:
        return self.derive is not None


ACTIONS: dict[str, ClipAction] = {}


def register_action(action: ClipAction) -> ClipAction:
    """Add an action (and its label texts); refuses bad names, duplicates, missing locales."""
    if not re.fullmatch(r"[a-z]{1,16}", action.name):
        raise ValueError(f"action name must be 1-16 lowercase letters, got {action.name!r}")
    if action.name in ACTIONS:
        raise ValueError(f"action {action.name!r} registered twice")
    if set(action.texts) != {EN, ZH_TW}:
        raise ValueError(f"action {action.name!r} needs a label in en and zh-TW")
    if (action.kind is None) != (action.derive is None):
        raise ValueError(f"action {action.name!r}: a generating action needs both kind and derive")
    if not action.surfaces <= SURFACES:
        raise ValueError(f"action {action.name!r}: unknown surfaces {sorted(action.surfaces - SURFACES)}")
    register({locale: {action.label_key: text} for locale, text in action.texts.items()})
    ACTIONS[action.name] = action
    return action


def unregister_action(name: str) -> None:
    """Remove an action (tests that register a throwaway one clean up with this)."""
    ACTIONS.pop(name, None)


def clip_actions(
    surface: str, clip: ClipView | None = None, settings: Settings | None = None
) -> list[ClipAction]:
    """The actions ``surface`` shows under a clip, in registration order; given the ``clip``
    (and the settings it was rendered under), only those whose ``shown_for`` accepts it."""
    return [
        action
        for action in ACTIONS.values()
        if surface in action.surfaces
        and (clip is None or settings is None or action.shown_for is None or action.shown_for(clip, settings))
    ]


def get_action(name: str) -> ClipAction | None:
    return ACTIONS.get(name)


#: The shipped actions, in the order they appear under a clip.
BUILT_IN = ("reroll", "vary", "varystrong", "extend", "loop", "remix", "quality", "finish", "info", "delete")

for _module in BUILT_IN:
    importlib.import_module(f"{__name__}.{_module}")
