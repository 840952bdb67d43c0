"""The LINE webhook endpoint: verify, make the events durable, answer 200, handle them.

The signature is checked against the RAW body bytes before anything is parsed (LINE signs
bytes; decoding first would let a re-encoded body slip through). Missing or bad signature → 400;
malformed JSON (a body nested too deep included) → 400; too many deliveries in hand → 503.
With an :class:`~reelbot.app.inbox.Inbox` (what the bot runs) the events are appended to a
Redis stream BEFORE the 200 — Redis unavailable → 503, so LINE redelivers — and a consumer
task handles them from there and acknowledges only after handling: a process killed at any
point loses no event (see core/app/inbox.py). Without one (unit tests of the endpoint), the
events of one delivery are handled in order in one tracked background task. Either way a
photo followed by its prompt in the same delivery keeps that order, and shutdown drains.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
from typing import Any, Protocol

import redis.asyncio as aioredis
from aiohttp import web
from linebot.v3.webhooks import Event

from reelbot.app.inbox import Inbox

log = logging.getLogger(__name__)


def signature_for(channel_secret: bytes, body: bytes) -> str:
    """``X-Line-Signature`` of ``body``: base64(HMAC-SHA256(channel secret, raw body))."""
    return base64.b64encode(hmac.new(channel_secret, body, hashlib.sha256).digest()).decode()


def verify_signature(channel_secret: bytes, body: bytes, signature: str | None) -> bool:
    if not signature:
        return False
    return hmac.compare_digest(signature_for(channel_secret, body).encode(), signature.strip().encode())


def parse_events(payload: Any) -> list[Event]:
    """The events LINE sent; an event the SDK cannot parse is logged and skipped, not fatal."""
    return [event for event, _ in parse_raw_events(payload)]


def parse_raw_events(payload: Any) -> list[tuple[Event, dict[str, Any]]]:
    """Each parsable event with the raw dict it came from (what the inbox stores)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise ValueError("webhook body has no events list")
    events: list[tuple[Event, dict[str, Any]]] = []
    for raw in payload["events"]:
        try:
            event = Event.from_dict(raw)
        except Exception as exc:  # the SDK raises pydantic/ValueError/KeyError/RecursionError
            log.warning("skipping an unparsable webhook event: %s", type(exc).__name__)
            continue
        if event is not None and getattr(event, "webhook_event_id", None):
            events.append((event, raw))
    return events


class EventHandler(Protocol):
    """What the webhook hands events to (:class:`~reelbot.bots.line.handler.LineHandler`)."""

    async def handle(self, event: Event) -> None: ...


class LineWebhook:
    """aiohttp handler for ``POST /callback`` plus the background-task bookkeeping.

    At most ``max_concurrent`` deliveries are handled at once (each holds DB/Redis connections
    and may download photos); beyond ``max_backlog`` accepted-but-unfinished deliveries the
    webhook answers 503 instead of piling up tasks, and LINE redelivers later (with webhook
    redelivery on) — a flood costs memory nowhere.
    """

    def __init__(
        self,
        channel_secret: bytes,
        handler: EventHandler,
        *,
        drain_timeout_s: float = 30.0,
        max_concurrent: int = 16,
        max_backlog: int = 256,
        inbox: Inbox | None = None,
    ) -> None:
        self._inbox = inbox
        self._max_concurrent = max_concurrent
        self._stop = asyncio.Event()
        self._consumer: asyncio.Task[None] | None = None
        self._secret = channel_secret
        self._handler = handler
        self._tasks: set[asyncio.Task[None]] = set()
        self._drain_timeout_s = drain_timeout_s
        self._slots = asyncio.Semaphore(max_concurrent)
        self._max_backlog = max_backlog

    async def callback(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not verify_signature(self._secret, body, request.headers.get("X-Line-Signature")):
            log.warning("webhook with a missing or invalid signature refused")
            return web.Response(status=400, text="invalid signature")
        try:
            parsed = parse_raw_events(json.loads(body))
        except (ValueError, UnicodeDecodeError, RecursionError):
            return web.Response(status=400, text="malformed body")
        if self._inbox is not None:
            return await self._append(parsed)
        events = [event for event, _ in parsed]
        if events and len(self._tasks) >= self._max_backlog:
            log.warning("webhook backlog full (%d deliveries): answering 503", len(self._tasks))
            return web.Response(status=503, text="busy", headers={"Retry-After": "5"})
        if events:
            task = asyncio.create_task(self._run(events), name="line-webhook-events")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return web.Response(status=200, text="ok")

    async def _append(self, parsed: list[tuple[Event, dict[str, Any]]]) -> web.Response:
        """Durable first: the 200 only once the events are in the inbox."""
        assert self._inbox is not None
        if not parsed:
            return web.Response(status=200, text="ok")
        try:
            if await self._inbox.waiting() >= self._max_backlog:
                log.warning("webhook inbox backlog full: answering 503")
                return web.Response(status=503, text="busy", headers={"Retry-After": "5"})
            await self._inbox.append([(event.webhook_event_id, raw) for event, raw in parsed])
        except (OSError, aioredis.RedisError):
            log.warning("webhook inbox unavailable: answering 503 (LINE redelivers)", exc_info=True)
            return web.Response(status=503, text="unavailable", headers={"Retry-After": "5"})
        return web.Response(status=200, text="ok")

    async def _handle_raw(self, raw: dict[str, Any]) -> None:
        event = Event.from_dict(raw)
        if event is not None:
            await self._handler.handle(event)

    async def start(self, _app: web.Application | None = None) -> None:
        """Start handling the inbox (with the web app; a no-op without an inbox)."""
        if self._inbox is None or self._consumer is not None:
            return
        await self._inbox.ensure_group()
        self._stop.clear()
        self._consumer = asyncio.create_task(
            self._inbox.run(self._handle_raw, self._stop, concurrency=self._max_concurrent),
            name="line-webhook-inbox",
        )

    async def stop(self, _app: web.Application | None = None) -> None:
        """Drain what is in hand, then stop the inbox consumer (on shutdown)."""
        await self.drain()
        self._stop.set()
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            try:
                await asyncio.wait_for(consumer, timeout=self._drain_timeout_s)
            except TimeoutError:
                log.warning("the LINE inbox consumer did not stop in time")

    async def _run(self, events: list[Event]) -> None:
        async with self._slots:
            await self._run_in_order(events)

    async def _run_in_order(self, events: list[Event]) -> None:
        for event in events:
            try:
                await self._handler.handle(event)
            except Exception:
                log.exception("handling LINE event %s failed", event.webhook_event_id)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def drain(self, _app: web.Application | None = None) -> None:
        """Wait for in-flight events (on shutdown); cancel what outlives the timeout. With an
        inbox: wait until every appended entry was handled (what is left stays durable)."""
        if self._inbox is not None and self._consumer is not None:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self._drain_timeout_s
            while await self._inbox.waiting() and loop.time() < deadline:
                await asyncio.sleep(0.02)
        if not self._tasks:
            return
        _done, still = await asyncio.wait(set(self._tasks), timeout=self._drain_timeout_s)
        for task in still:
            task.cancel()
        if still:
            log.warning("cancelled %d LINE event task(s) at shutdown", len(still))

    def mount(self, app: web.Application, path: str) -> None:
        app.router.add_post(path, self.callback)
        app.on_startup.append(self.start)
        app.on_shutdown.append(self.stop)
