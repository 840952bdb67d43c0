"""Checks on what callers hand the service that the domain types cannot express, so a bad
value is a clear message (en + zh-TW) instead of a database error: PostgreSQL refuses NUL
bytes in text and an idempotency key longer than its column (255)."""

from __future__ import annotations

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.types import Origin

IDEMPOTENCY_KEY_MAX = 255  # storage.models.Job.idempotency_key


def check_idempotency_key(key: str) -> None:
    """1–255 printable characters (no NUL or other control characters)."""
    if not 0 < len(key) <= IDEMPOTENCY_KEY_MAX or not key.isprintable():
        raise InvalidRequest("request.idempotency_key_invalid", limit=IDEMPOTENCY_KEY_MAX, length=len(key))


def check_origin(origin: Origin) -> None:
    """No NUL byte in any text field of the origin (PostgreSQL text cannot hold one)."""
    for name in ("user_id", "channel_id", "guild_id", "message_id", "display_name", "locale"):
        value = getattr(origin, name)
        if isinstance(value, str) and "\x00" in value:
            raise InvalidRequest("request.field_invalid", field=name)
