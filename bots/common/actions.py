"""The remix action registry: what the buttons under a clip do, for every platform.

A button carries only ``reelbot:<action>:<id>`` (≤ 100 characters, Discord's limit; also fits
LINE's 300-character postback data). The clip's full recipe lives in storage, so an action
works on anyone's clip, from any process, long after the message was sent. Adding an action
is one :func:`register_action` call here plus a handler in each bot.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from enum import StrEnum

from reelbot.domain.types import RemixKind

PREFIX = "reelbot"
CUSTOM_ID_MAX = 100
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class Style(StrEnum):
    """How prominent a button is; each platform maps it to its own styles."""

    PRIMARY = "primary"
    SECONDARY = "secondary"
    DANGER = "danger"


@dataclass(frozen=True)
class RemixAction:
    """One button under a clip."""

    name: str  # appears in the custom_id: lowercase letters only
    label_key: str  # message key of the button label
    emoji: str
    kind: RemixKind | None = None  # the remix it starts; None: not a generation (info, delete)
    needs_prompt: bool = False  # asks for an edited prompt first (a modal on Discord)
    author_or_moderator: bool = False  # only the clip's author or a moderator may use it
    style: Style = Style.SECONDARY


ACTIONS: dict[str, RemixAction] = {}


def register_action(action: RemixAction) -> RemixAction:
    if not re.fullmatch(r"[a-z]{1,16}", action.name):
        raise ValueError(f"action name must be 1-16 lowercase letters, got {action.name!r}")
    if action.name in ACTIONS:
        raise ValueError(f"action {action.name!r} registered twice")
    ACTIONS[action.name] = action
    return action


register_action(RemixAction("reroll", "action.reroll", "🎲", RemixKind.REROLL, style=Style.PRIMARY))
register_action(RemixAction("vary", "action.vary", "🌀", RemixKind.VARY))
register_action(RemixAction("remix", "action.remix", "✏️", RemixKind.REMIX, needs_prompt=True))
register_action(RemixAction("extend", "action.extend", "⏩", RemixKind.EXTEND))
register_action(RemixAction("info", "action.info", "ℹ️"))
register_action(RemixAction("delete", "action.delete", "🗑️", author_or_moderator=True, style=Style.DANGER))

#: Actions shown under every finished clip, in this order.
CLIP_ACTIONS: tuple[str, ...] = ("reroll", "vary", "remix", "extend", "info", "delete")

#: ``reelbot:<action>:<uuid>`` — the template every platform parses buttons with.
CUSTOM_ID_PATTERN = re.compile(rf"{PREFIX}:(?P<action>[a-z]{{1,16}}):(?P<id>{_UUID})")


def custom_id(action: str, target: uuid.UUID) -> str:
    """The stable id of ``action`` on clip (or job) ``target``."""
    value = f"{PREFIX}:{action}:{target}"
    assert len(value) <= CUSTOM_ID_MAX
    return value


def parse_custom_id(value: str) -> tuple[str, uuid.UUID] | None:
    """``(action, id)`` for a well-formed id of ours, else None (forged, foreign or stale)."""
    match = CUSTOM_ID_PATTERN.fullmatch(value)
    if match is None:
        return None
    return match["action"], uuid.UUID(match["id"])


def is_ours(value: str) -> bool:
    return value.startswith(PREFIX + ":")
