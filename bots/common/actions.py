"""The clip-action registry as the bots see it, and the ids their buttons carry.

The actions themselves are declared once, in :mod:`reelbot.app.actions` (one module per
action: name, texts, the request it derives, the surfaces that show it); every bot reads that
registry. A button carries only ``reelbot:<action>:<id>`` (≤ 100 characters, Discord's limit;
also fits LINE's 300-character postback data). The clip's full recipe lives in storage, so an
action works on anyone's clip, from any process, long after the message was sent.
"""

from __future__ import annotations

import re
import uuid

from reelbot.app.actions import ACTIONS, ClipAction, Style, clip_actions, register_action

__all__ = [
    "ACTIONS",
    "CUSTOM_ID_MAX",
    "CUSTOM_ID_PATTERN",
    "PREFIX",
    "ClipAction",
    "RemixAction",
    "Style",
    "clip_actions",
    "custom_id",
    "is_ours",
    "parse_custom_id",
    "register_action",
]

#: The older name of a clip action.
RemixAction = ClipAction

PREFIX = "reelbot"
CUSTOM_ID_MAX = 100
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

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
