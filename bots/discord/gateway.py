"""What the gateway sends, made survivable: one bad event never ends the bot.

discord.py parses each gateway event inside the websocket's read loop; an exception there
(a payload missing a field its parser indexes, a type an older or newer Discord sends) leaves
``bot.start()`` and the process stops answering everyone. :func:`harden_parsers` wraps every
parser of the client's connection state so an event that fails to parse is logged (its name
and the exception type only — payloads carry interaction tokens) and dropped, and the read
loop goes on to the next event.

``INTERACTION_CREATE`` is first filled in where Discord documents a field as always present
but a payload may still lack it (older app versions, proxies, hand-written fixtures): a guild
interaction without ``member`` gets one built from ``user`` (no roles), missing
``version`` / ``application_id`` / ``attachment_size_limit`` get their documented defaults.
An interaction without an id, token, type or any user cannot be answered at all: it is
dropped on purpose, with a log line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from reelbot.ops import metrics

log = logging.getLogger(__name__)

Parser = Callable[[Any], None]

#: Discord's documented default upload limit (no boosts): 10 MiB.
DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024


def normalize_interaction(data: dict[str, Any], application_id: int | None) -> bool:
    """Fill the fields discord.py indexes; False when the interaction cannot be answered."""
    if not all(data.get(key) for key in ("id", "token", "type")):
        return False
    if not data.get("member") and not data.get("user"):
        return False
    if data.get("guild_id") and not data.get("member"):
        data["member"] = {"user": data["user"], "roles": [], "flags": 0, "deaf": False, "mute": False}
    member = data.get("member")
    if isinstance(member, dict):
        member.setdefault("roles", [])
        member.setdefault("flags", 0)
    data.setdefault("version", 1)
    if not data.get("application_id") and application_id is not None:
        data["application_id"] = str(application_id)
    data.setdefault("attachment_size_limit", DEFAULT_ATTACHMENT_LIMIT)
    return True


def _safe(event: str, parser: Parser, application_id: Callable[[], int | None]) -> Parser:
    """``parser`` that logs and drops what it cannot parse instead of raising into the loop."""

    def parse(data: Any) -> None:
        try:
            interaction = event == "INTERACTION_CREATE" and isinstance(data, dict)
            if interaction and not normalize_interaction(data, application_id()):
                log.warning("dropping an interaction without id, token, type or user")
                metrics.observe_bot_error("discord", "gateway", "interaction_unanswerable")
                return
            parser(data)
        except Exception as exc:  # one bad event must not end the gateway task
            metrics.observe_bot_error("discord", "gateway", type(exc).__name__)
            log.error("could not parse gateway event %s (%s); skipped", event, type(exc).__name__)

    parse.__wrapped__ = parser  # type: ignore[attr-defined]
    return parse


def harden_parsers(parsers: dict[str, Parser], application_id: Callable[[], int | None]) -> None:
    """Wrap every parser in place (the websocket holds this very dict)."""
    for event, parser in list(parsers.items()):
        if not hasattr(parser, "__wrapped__"):
            parsers[event] = _safe(event, parser, application_id)
