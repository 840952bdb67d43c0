"""The LINE webhook endpoint: verify, answer 200 at once, handle events in the background.

The signature is checked against the RAW body bytes before anything is parsed (LINE signs
bytes; decoding first would let a re-encoded body slip through). Missing or bad signature → 400;
malformed JSON → 400; too many deliveries in hand → 503; otherwise 200 immediately, and the
events of one delivery are handled in order in one tracked background task (a photo followed
by its prompt in the same delivery must keep that order). Shutdown drains those tasks so no
accepted event is dropped half-way.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
from typing import Any, Protocol

from aiohttp import web
from linebot.v3.webhooks import Event

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
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise ValueError("webhook body has no events list")
    events: list[Event] = []
    for raw in payload["events"]:
        try:
            event = Event.from_dict(raw)
        except Exception as exc:  # the SDK raises pydantic/ValueError/KeyError on odd events
            log.warning("skipping an unparsable webhook event: %s", type(exc).__name__)
            continue
        if event is not None and getattr(event, "webhook_event_id", None):
            events.append(event)
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
    ) -> None:
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
            events = parse_events(json.loads(body))
        except (ValueError, UnicodeDecodeError):
            return web.Response(status=400, text="malformed body")
        if events and len(self._tasks) >= self._max_backlog:
            log.warning("webhook backlog full (%d deliveries): answering 503", len(self._tasks))
            return web.Response(status=503, text="busy", headers={"Retry-After": "5"})
        if events:
            task = asyncio.create_task(self._run(events), name="line-webhook-events")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return web.Response(status=200, text="ok")

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
        """Wait for in-flight events (on shutdown); cancel what outlives the timeout."""
        if not self._tasks:
            return
        _done, still = await asyncio.wait(set(self._tasks), timeout=self._drain_timeout_s)
        for task in still:
            task.cancel()
        if still:
            log.warning("cancelled %d LINE event task(s) at shutdown", len(still))

    def mount(self, app: web.Application, path: str) -> None:
        app.router.add_post(path, self.callback)
        app.on_shutdown.append(self.drain)
