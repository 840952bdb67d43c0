"""A durable inbox for webhook platforms: an event is in Redis before the platform hears 200.

Why: a webhook that answers 200 and then handles the event in memory loses it if the process
dies in between, and the platform never sends it again. Here the endpoint appends the verified
raw events to a Redis stream (one entry per delivery, so a photo and its prompt keep their
order) and only then answers; handlers read the stream through a consumer group and
acknowledge an entry only after every event in it was handled. An entry a dead process had
claimed is taken over after ``reclaim_idle_ms`` (``XAUTOCLAIM``).

Exactly once, per event id (LINE's ``webhookEventId``):

* **append** is one Lua script: events whose id was seen are dropped, the rest are marked seen
  and added — so a redelivery of an event already in the inbox (handled or still waiting) adds
  nothing, and one that never reached the inbox (the 200 was never sent) is added;
* **handled** markers are set per event when its handling finished; a reclaimed entry skips the
  events already marked, so a process killed after handling but before the ack handles none
  twice. An event killed *during* handling runs again; the service's idempotency key
  (``<platform>:<event id>``) keeps that to one job.

Platform-neutral: LINE uses it today; any future webhook platform gets the same promises by
building an :class:`Inbox` with its own name.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

log = logging.getLogger(__name__)

GROUP = "handlers"

# KEYS: stream, then one "seen" key per event; ARGV: seen ttl (s), maxlen, then per event its JSON
APPEND = """
local fresh = {}
for i = 2, #KEYS do
  if redis.call('SET', KEYS[i], '1', 'NX', 'EX', ARGV[1]) then
    table.insert(fresh, ARGV[i + 1])
  end
end
if #fresh == 0 then return 0 end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'events', '[' .. table.concat(fresh, ',') .. ']')
return #fresh
"""

#: Handles one raw event (a dict as the platform sent it).
RawHandler = Callable[[dict[str, Any]], Awaitable[None]]


class Inbox:
    """One platform's durable webhook inbox (stream + consumer group + per-event markers)."""

    def __init__(
        self,
        redis: aioredis.Redis,
        key: Callable[..., str],
        *,
        consumer: str,
        seen_ttl_s: int = 7 * 24 * 3600,
        reclaim_idle_ms: int = 60_000,
        maxlen: int = 100_000,
    ) -> None:
        self.redis = redis
        self.key = key  # the service's platform_key, bound to the platform
        self.stream = key("inbox")
        self.consumer = consumer
        self.seen_ttl_s = seen_ttl_s
        self.reclaim_idle_ms = reclaim_idle_ms
        self.maxlen = maxlen
        self._append = redis.register_script(APPEND)

    async def ensure_group(self) -> None:
        try:
            await self.redis.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def append(self, events: Sequence[tuple[str, dict[str, Any]]]) -> int:
        """Durably add ``(event id, raw event)`` pairs not seen before; returns how many."""
        if not events:
            return 0
        keys = [self.stream] + [self.key("seen", event_id) for event_id, _ in events]
        args = [self.seen_ttl_s, self.maxlen] + [json.dumps(raw, separators=(",", ":")) for _, raw in events]
        return int(await self._append(keys=keys, args=args))

    async def waiting(self) -> int:
        """Entries appended and not yet acknowledged (handled entries are deleted)."""
        return int(await self.redis.xlen(self.stream))

    async def take(self, count: int, block_ms: int) -> list[tuple[str, list[dict[str, Any]]]]:
        """Entries to handle: first ones a silent consumer left behind, then new ones."""
        claimed = await self.redis.xautoclaim(
            self.stream, GROUP, self.consumer, min_idle_time=self.reclaim_idle_ms, start_id="0-0", count=count
        )
        entries = list(claimed[1]) if claimed else []
        if not entries:
            reply = await self.redis.xreadgroup(
                GROUP, self.consumer, {self.stream: ">"}, count=count, block=block_ms
            )
            entries = [entry for _, batch in (reply or []) for entry in batch]  # type: ignore[union-attr,str-unpack]
        out = []
        for entry_id, fields in entries:
            if not fields:  # trimmed away under us
                await self.redis.xack(self.stream, GROUP, entry_id)
                continue
            raw = fields.get(b"events", fields.get("events", b"[]"))
            out.append((_text(entry_id), json.loads(raw)))
        return out

    async def handle_entry(self, entry_id: str, events: list[dict[str, Any]], handler: RawHandler) -> None:
        """Handle each not-yet-handled event of an entry in order, then acknowledge it."""
        for raw in events:
            event_id = str(raw.get("webhookEventId") or "")
            done = self.key("handled", event_id)
            if event_id and await self.redis.exists(done):
                continue
            try:
                await handler(raw)
            except Exception:  # the handler tells the user itself; never block the inbox on one event
                log.exception("handling inbox event %s failed", event_id)
            if event_id:
                await self.redis.set(done, b"1", ex=self.seen_ttl_s)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xack(self.stream, GROUP, entry_id)
            pipe.xdel(self.stream, entry_id)
            await pipe.execute()

    async def _handle_in_hand(
        self, entry_id: str, events: list[dict[str, Any]], handler: RawHandler, in_hand: set[str]
    ) -> None:
        try:
            await self.handle_entry(entry_id, events, handler)
        finally:
            in_hand.discard(entry_id)

    async def run(
        self,
        handler: RawHandler,
        stop: asyncio.Event,
        *,
        concurrency: int = 16,
        block_ms: int = 1000,
        idle: asyncio.Event | None = None,
    ) -> None:
        """Handle entries until ``stop``; up to ``concurrency`` entries at once. ``idle`` is set
        whenever nothing is in hand (tests and shutdown wait on it)."""
        await self.ensure_group()
        running: set[asyncio.Task[None]] = set()
        in_hand: set[str] = set()  # never reclaim (from ourselves) an entry we are handling
        while not stop.is_set():
            free = concurrency - len(running)
            if free <= 0:
                await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                continue
            try:
                batch = await self.take(free, block_ms if not running else 50)
            except (OSError, aioredis.RedisError):
                log.warning("reading the webhook inbox failed; retrying", exc_info=True)
                await asyncio.sleep(1.0)
                continue
            batch = [(entry_id, events) for entry_id, events in batch if entry_id not in in_hand]
            for entry_id, events in batch:
                in_hand.add(entry_id)
                task = asyncio.create_task(self._handle_in_hand(entry_id, events, handler, in_hand))
                running.add(task)
                task.add_done_callback(running.discard)
            if idle is not None:
                if running or batch:
                    idle.clear()
                else:
                    idle.set()
        if running:
            await asyncio.wait(running)


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
