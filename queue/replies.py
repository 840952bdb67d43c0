"""Reading Redis replies, which are bytes or str depending on how the client was opened.

One place for it because every part of the queue reads replies: the jobs queue, its dead
letters and the events stream (``decode_responses`` is the caller's choice, not ours).
"""

from __future__ import annotations

from typing import Any


def as_text(value: Any) -> str:
    """Text from a reply that may be bytes (decode_responses=False) or str."""
    return value.decode() if isinstance(value, bytes) else str(value)


def id_order(entry_id: str) -> tuple[int, int]:
    """A stream entry id (``"<ms>-<seq>"``) as a sortable pair: ids are not ordered as text."""
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def stream_items(reply: Any) -> list[tuple[str, list[tuple[Any, dict[Any, Any]]]]]:
    """XREADGROUP's reply as (stream name, entries), whether the client gave a dict or pairs."""
    if not reply:
        return []
    pairs = reply.items() if isinstance(reply, dict) else reply
    out: list[tuple[str, list[tuple[Any, dict[Any, Any]]]]] = []
    for stream, entries in pairs:
        out.append((as_text(stream), [(mid, fields or {}) for mid, fields in entries]))
    return out
