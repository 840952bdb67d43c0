"""What makes two clicks "the same": one person, one action, one target, within a few seconds.

A double click (or an impatient second tap) sends two different interactions; a person who
deliberately re-rolls the same clip a minute later wants a second clip. So the first click of
``(platform, user, action, target)`` stores its own idempotency key for ``window_s`` seconds
(``SET NX GET``, atomic), and any same click inside the window reuses it — the service then
answers with the first job (``Ticket.duplicate``) instead of making another. Redeliveries of
the *same* interaction are covered anyway: the stored key is derived from its id.
"""

from __future__ import annotations

import hashlib

import redis.asyncio as aioredis

from reelbot.queue.keys import Keys


def fingerprint(user_id: str, action: str, target: str, extra: str = "") -> str:
    raw = f"{user_id}\x1f{action}\x1f{target}\x1f{extra}".encode()
    return hashlib.sha256(raw).hexdigest()[:32]


async def click_idempotency_key(
    redis: aioredis.Redis,
    keys: Keys,
    *,
    platform: str,
    user_id: str,
    action: str,
    target: str,
    interaction_id: str,
    window_s: int,
    extra: str = "",
) -> str:
    """The idempotency key for this click: its own, or the one of the same click just before."""
    own = f"{platform}:{action}:{target}:{interaction_id}"
    name = keys.bot_click(platform, fingerprint(user_id, action, target, extra))
    previous = await redis.set(name, own, nx=True, ex=window_s, get=True)
    if previous is None:
        return own
    return previous.decode() if isinstance(previous, bytes) else str(previous)
