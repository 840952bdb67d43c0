"""Ids a person types on the command line (a clip, a job or a task): one parser, one way to fail.

Why one module: ``reelbot remix …`` and ``reelbot cancel`` each parsed a UUID and turned a bad
one into their own one-line error; the rule (trim, parse, quote at most 80 characters of the
bad value, exit 1 with the localised line instead of a usage dump) is written here once.
"""

from __future__ import annotations

import uuid

from reelbot.domain.errors import InvalidRequest, ReelbotError


def parse_typed_id(value: str, error_key: str) -> uuid.UUID:
    """``value`` as a UUID; a bad one is :class:`InvalidRequest` ``error_key`` naming it."""
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise InvalidRequest(error_key, value=value[:80]) from None


def typed_id_or_exit(value: str, error_key: str, locale: str) -> uuid.UUID:
    """:func:`parse_typed_id`, or the command ends with its error in ``locale`` (exit 1)."""
    from reelbot.cli import fail

    try:
        return parse_typed_id(value, error_key)
    except ReelbotError as exc:
        raise fail(exc, locale) from None
