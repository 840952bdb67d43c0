"""The webhook's backpressure: a bounded number of deliveries handled at once, 503 beyond a backlog."""

from __future__ import annotations

import asyncio
import json

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from linebot.v3.webhooks import Event

from reelbot.bots.line.webhook import LineWebhook, signature_for
from tests.bots.line.conftest import text_event

SECRET = b"limits-secret"


class HeldHandler:
    """Stands in for LineHandler's work: each event waits until the test lets it go."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.running = 0
        self.most_at_once = 0
        self.handled: list[str] = []

    async def handle(self, event: Event) -> None:
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            await self.release.wait()
            self.handled.append(event.webhook_event_id)
        finally:
            self.running -= 1


async def test_concurrency_is_capped_and_a_full_backlog_answers_503() -> None:
    handler = HeldHandler()
    webhook = LineWebhook(SECRET, handler, max_concurrent=2, max_backlog=3)
    app = web.Application()
    webhook.mount(app, "/callback")
    async with TestClient(TestServer(app)) as client:

        async def post(n: int) -> int:
            body = json.dumps({"events": [text_event(f"hi {n}", event_id=f"ev{n}")]}).encode()
            headers = {"X-Line-Signature": signature_for(SECRET, body), "Content-Type": "application/json"}
            async with client.post("/callback", data=body, headers=headers) as response:
                return response.status

        assert [await post(n) for n in range(4)] == [200, 200, 200, 503]

        async def two_running() -> None:
            while handler.running < 2:
                await asyncio.sleep(0.005)

        await asyncio.wait_for(two_running(), timeout=10)
        await asyncio.sleep(0.05)  # give a third task every chance to start (it must not)
        assert handler.running == 2  # the third waits for a slot
        handler.release.set()
        await webhook.drain()
        assert sorted(handler.handled) == ["ev0", "ev1", "ev2"]
        assert handler.most_at_once == 2
        assert await post(5) == 200  # room again
        await webhook.drain()
