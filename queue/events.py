"""Job events to the bots: one durable Redis stream per platform, read through a consumer group.

Workers :meth:`EventStream.publish`; the platform's bot process :meth:`EventStream.read` s
and :meth:`EventStream.ack` s. An event is never lost while a bot is down or restarting:
it stays in the stream (trimmed only beyond ``maxlen`` entries) and, once read, in the
group's pending list until acknowledged. The first read of a fresh :class:`EventStream`
returns what this consumer had read but not acknowledged before (its restart), plus
entries a vanished consumer of the same group left unacknowledged for ``stale_ms``.

Payloads are plain text to the queue: a :class:`Codec` given by the caller turns its own
event type into a string and back (the service passes one for ``JobEvent``); the default
carries ``str`` as is. An entry the codec cannot read (``ValueError``) is dropped and acked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from reelbot.queue.keys import Keys
from reelbot.queue.replies import as_text

log = logging.getLogger(__name__)

#: Field of each stream entry holding the event's JSON.
EVENT_FIELD = "event"


T = TypeVar("T")


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class Codec(Generic[T]):
    """How a caller's payload becomes the entry's text and back; ``decode`` raises
    ``ValueError`` (pydantic's ValidationError is one) for an entry it cannot read."""

    encode: Callable[[T], str]
    decode: Callable[[str], T]


#: Plain text payloads (the default).
TEXT: Codec[str] = Codec(_same, _same)


class EventStream(Generic[T]):
    """The events stream of one platform (``discord``, ``line``, ``cli``, ...)."""

    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        platform: str,
        maxlen: int = 100_000,
        *,
        stale_ms: int = 60_000,
        codec: Codec[Any] = TEXT,
    ) -> None:
        self.redis = redis
        self.codec: Codec[T] = codec
        self.keys = keys
        self.platform = platform
        self.stream = keys.events(platform)
        self.maxlen = maxlen
        self.stale_ms = stale_ms
        # (group, consumer) pairs whose leftovers from an earlier run were already returned,
        # and, while returning them, the id after which to continue (pages of ``count``).
        self._recovered: set[tuple[str, str]] = set()
        self._leftover_cursor: dict[tuple[str, str], str] = {}

    async def publish(self, event: T) -> str:
        """Append an event (approximate MAXLEN trim keeps the stream bounded); returns its id."""
        entry_id = await self.redis.xadd(
            self.stream, {EVENT_FIELD: self.codec.encode(event)}, maxlen=self.maxlen, approximate=True
        )
        return as_text(entry_id)

    async def ensure_group(self, group: str | None = None, *, start_id: str = "0") -> None:
        """Create the consumer group (idempotent). ``start_id="0"``: events published before
        the group existed are delivered too, so nothing sent before the first bot start is lost."""
        try:
            await self.redis.xgroup_create(
                self.stream, group or self.keys.bots_group, id=start_id, mkstream=True
            )
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def read(
        self, group: str, consumer: str, count: int = 10, block_ms: int | None = None
    ) -> list[tuple[str, T]]:
        """Events for this consumer: on the first call, its un-acknowledged ones from before;
        then new ones (waiting up to ``block_ms`` for one). Acknowledge each with :meth:`ack`."""
        if (group, consumer) not in self._recovered:
            leftovers = await self._leftovers(group, consumer, count)
            if leftovers:
                return leftovers
            self._recovered.add((group, consumer))
            self._leftover_cursor.pop((group, consumer), None)
        try:
            reply = await self.redis.xreadgroup(
                group, consumer, {self.stream: ">"}, count=count, block=block_ms
            )
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            await self.ensure_group(group)
            return []
        return await self._decode(group, reply)

    async def _leftovers(self, group: str, consumer: str, count: int) -> list[tuple[str, T]]:
        """This consumer's pending entries, then stale ones of other consumers in the group."""
        pair = (group, consumer)
        cursor = self._leftover_cursor.get(pair, "0")
        if cursor != "done":
            try:
                reply = await self.redis.xreadgroup(group, consumer, {self.stream: cursor}, count=count)
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                await self.ensure_group(group)
                return []
            pages: list[Any] = list(reply or [])
            ids = [as_text(eid) for _stream, entries in pages for eid, _fields in entries]
            self._leftover_cursor[pair] = ids[-1] if ids else "done"
            events = await self._decode(group, reply)
            if ids:
                # Even when every entry of this page was junk, the next page may hold events.
                return events or await self._leftovers(group, consumer, count)
        claimed = await self.redis.xautoclaim(self.stream, group, consumer, self.stale_ms, "0-0", count=count)
        entries = claimed[1] if claimed else []
        if entries:
            log.info("took over %d unacknowledged events in group %s", len(entries), group)
        return await self._decode(group, [[self.stream, entries]])

    async def claim_stale(
        self, group: str, consumer: str, count: int = 10, min_idle_ms: int | None = None
    ) -> list[tuple[str, T]]:
        """Take over entries of the group un-acknowledged for ``min_idle_ms`` (default
        ``stale_ms``) by ANY consumer, e.g. a replaced process with another name; call it
        periodically — :meth:`read` only does this on its first call. XAUTOCLAIM, one page."""
        idle = self.stale_ms if min_idle_ms is None else min_idle_ms
        try:
            claimed = await self.redis.xautoclaim(self.stream, group, consumer, idle, "0-0", count=count)
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            await self.ensure_group(group)
            return []
        entries = claimed[1] if claimed else []
        if entries:
            log.info("took over %d unacknowledged events in group %s", len(entries), group)
        return await self._decode(group, [[self.stream, entries]])

    async def _decode(self, group: str, reply: Any) -> list[tuple[str, T]]:
        out: list[tuple[str, T]] = []
        junk: list[str] = []
        pairs = reply.items() if isinstance(reply, dict) else (reply or [])
        for _stream, entries in pairs:
            for entry_id, fields in entries:
                eid = as_text(entry_id)
                raw = None
                if fields:
                    raw = fields.get(EVENT_FIELD) or fields.get(EVENT_FIELD.encode())
                if raw is None:
                    junk.append(eid)  # trimmed away while pending: nothing left to deliver
                    continue
                try:
                    out.append((eid, self.codec.decode(as_text(raw))))
                except ValueError:
                    log.error("dropping malformed event %s on %s", eid, self.stream)
                    junk.append(eid)
        if junk:
            await self.ack(group, *junk)
        return out

    async def ack(self, group: str, *entry_ids: str) -> int:
        """Mark events handled; returns how many were pending."""
        if not entry_ids:
            return 0
        return int(await self.redis.xack(self.stream, group, *entry_ids))
