"""One error path: domain exceptions carry a message key and details.

Adapters (CLI, Discord, LINE) turn a :class:`ReelbotError` into a reply in the user's
language with :func:`reelbot.domain.messages.render`; anything else is logged with the job id and
reported as ``error.internal`` — never a traceback in chat.
"""

from __future__ import annotations

from typing import Any


class ReelbotError(Exception):
    """A failure a person can act on, named by a message-catalogue key."""

    def __init__(self, key: str, /, **details: Any) -> None:
        self.key = key
        self.details = details
        super().__init__(f"{key} {details}" if details else key)

    def render(self, locale: str | None = None) -> str:
        """The message for ``locale`` (en or zh-TW), with the details filled in."""
        from reelbot.domain.messages import render

        return render(self.key, locale, **self.details)


class InvalidRequest(ReelbotError):
    """The request itself is wrong (prompt, image, option); nothing was stored."""


class LimitReached(ReelbotError):
    """A quota, rate limit or per-user cap refuses the request for now."""


class NotFound(ReelbotError):
    """A job, clip or asset that the caller named does not exist (or was deleted)."""


class Forbidden(ReelbotError):
    """The caller may not do this (delete someone else's clip, confirm another's consent)."""


class ConfigError(ReelbotError):
    """Settings are invalid; raised at start-up with a one-line explanation."""
