"""The LINE bot harness: the real service (Redis, SQLite, media store), the real line-bot-sdk
client talking to a local fake Messaging API, and the bot's aiohttp app (webhook + media routes)
served over real TLS on loopback, as LINE requires HTTPS media URLs.
"""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from reelbot.app.service import ReelbotService
from reelbot.bots.line.app import LineBot
from reelbot.bots.line.config import LineConfig
from reelbot.bots.line.webhook import signature_for
from reelbot.domain.settings import Settings
from tests.bots.line.tls import Tls, make_tls
from tests.fakes.line_api import FakeLineApi

CHANNEL_SECRET = "test-channel-secret-0123456789"
ACCESS_TOKEN = "test-access-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture
async def fake_line() -> AsyncIterator[FakeLineApi]:
    fake = FakeLineApi(access_token=ACCESS_TOKEN)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


@pytest.fixture
def line_config() -> LineConfig:
    return LineConfig(_env_file=None, user_jobs_per_hour=50, group_jobs_per_hour=50)  # type: ignore[call-arg]


@dataclass
class Harness:
    """Everything a LINE test drives: post webhooks, inspect the fake, run the delivery loop."""

    bot: LineBot
    service: ReelbotService
    fake: FakeLineApi
    server: TestServer
    http: aiohttp.ClientSession
    settings: Settings

    @property
    def base_url(self) -> str:
        return self.settings.media_base_url

    async def post(self, body: bytes, signature: str | None = "auto") -> tuple[int, str]:
        headers = {"Content-Type": "application/json"}
        if signature == "auto":
            signature = signature_for(CHANNEL_SECRET.encode(), body)
        if signature is not None:
            headers["X-Line-Signature"] = signature
        async with self.http.post(f"{self.base_url}/callback", data=body, headers=headers) as response:
            return response.status, await response.text()

    async def send(self, *events: dict[str, Any]) -> None:
        """Post events signed like LINE does, and wait until the bot has handled them."""
        status, _ = await self.post(json.dumps({"destination": "Ubot", "events": list(events)}).encode())
        assert status == 200
        await self.settle()

    async def settle(self) -> None:
        await self.bot.webhook.drain()

    async def job_count(self) -> int:
        from sqlmodel import func, select

        from reelbot.storage.db import session_scope
        from reelbot.storage.models import Job

        def count() -> int:
            with session_scope(self.service.db) as session:
                return int(session.exec(select(func.count()).select_from(Job)).one())

        import asyncio

        return await asyncio.to_thread(count)


@pytest.fixture
async def harness(
    settings: Settings, fake_line: FakeLineApi, tls: Tls, line_config: LineConfig, tmp_path: Path
) -> AsyncIterator[Harness]:
    port = free_port()
    line_settings = settings.model_copy(
        update={
            "line_channel_secret": SecretStr(CHANNEL_SECRET),
            "line_channel_access_token": SecretStr(ACCESS_TOKEN),
            "line_api_host": fake_line.url,
            "line_data_host": fake_line.url,
            "media_base_url": f"https://127.0.0.1:{port}",
        }
    )
    service = await ReelbotService.open(line_settings)
    bot = LineBot(service, line_settings, line_config)
    server = TestServer(bot.web_app(), host="127.0.0.1", port=port)
    await server.start_server(ssl=tls.server)
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=tls.client))
    try:
        yield Harness(bot, service, fake_line, server, http, line_settings)
    finally:
        await http.close()
        await server.close()
        await bot.close()
        await service.close()


# -- webhook event builders (the JSON LINE sends) ------------------------------------------------


def _base(source: dict[str, Any], reply_token: str | None, event_id: str | None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "timestamp": 1_760_000_000_000,
        "mode": "active",
        "webhookEventId": event_id or f"01J{uuid.uuid4().hex[:23].upper()}",
        "deliveryContext": {"isRedelivery": False},
        "source": source,
    }
    if reply_token is not None:
        event["replyToken"] = reply_token
    return event


def source(user: str = "Ualice", group: str | None = None) -> dict[str, Any]:
    if group is None:
        return {"type": "user", "userId": user}
    return {"type": "group", "groupId": group, "userId": user}


def text_event(
    text: str,
    *,
    user: str = "Ualice",
    group: str | None = None,
    mention_self_at: tuple[int, int] | None = None,
    reply_token: str | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "text", "id": uuid.uuid4().hex[:12], "text": text, "quoteToken": "qt"}
    if mention_self_at is not None:
        index, length = mention_self_at
        message["mention"] = {
            "mentionees": [
                {"type": "user", "index": index, "length": length, "userId": "Ubot", "isSelf": True}
            ]
        }
    event = _base(source(user, group), reply_token or f"rt-{uuid.uuid4().hex}", event_id)
    event.update({"type": "message", "message": message})
    return event


def image_event(
    message_id: str, *, user: str = "Ualice", group: str | None = None, reply_token: str | None = None
) -> dict[str, Any]:
    message = {"type": "image", "id": message_id, "quoteToken": "qt", "contentProvider": {"type": "line"}}
    event = _base(source(user, group), reply_token or f"rt-{uuid.uuid4().hex}", None)
    event.update({"type": "message", "message": message})
    return event


def file_event(message_id: str, name: str, size: int, *, user: str = "Ualice") -> dict[str, Any]:
    message = {"type": "file", "id": message_id, "fileName": name, "fileSize": size}
    event = _base(source(user), f"rt-{uuid.uuid4().hex}", None)
    event.update({"type": "message", "message": message})
    return event


def audio_event(
    message_id: str, *, duration_ms: int | None, user: str = "Ualice", group: str | None = None
) -> dict[str, Any]:
    """An audio message (LINE's voice recorder, or a shared track): its length, no name."""
    message: dict[str, Any] = {"type": "audio", "id": message_id, "contentProvider": {"type": "line"}}
    if duration_ms is not None:
        message["duration"] = duration_ms
    event = _base(source(user, group), f"rt-{uuid.uuid4().hex}", None)
    event.update({"type": "message", "message": message})
    return event


def postback_event(
    data: str, *, user: str = "Ualice", group: str | None = None, reply_token: str | None = None
) -> dict[str, Any]:
    event = _base(source(user, group), reply_token or f"rt-{uuid.uuid4().hex}", None)
    event.update({"type": "postback", "postback": {"data": data}})
    return event


def reply_texts(fake: FakeLineApi) -> list[str]:
    """Texts LINE accepted as replies (a refused reply token shows nothing)."""
    return [
        m["text"] for d in fake.delivered if d["via"] == "reply" for m in d["messages"] if m["type"] == "text"
    ]


def push_texts(fake: FakeLineApi) -> list[str]:
    """Texts LINE delivered by push."""
    return [m.get("text", "") for d in fake.delivered if d["via"] == "push" for m in d["messages"]]


def last_reply(harness: Harness) -> dict[str, Any]:
    replies = [d for d in harness.fake.delivered if d["via"] == "reply"]
    message: dict[str, Any] = replies[-1]["messages"][-1]
    return message


async def waiting_in_queue(harness: Harness) -> int:
    depth = await harness.service.queue.depth()
    return sum(lane["waiting"] + lane["pending"] for lane in depth.values())


async def deliver_all(harness: Harness) -> None:
    """Run the real delivery loop's steps until the events stream is empty."""
    deliverer = harness.bot.deliverer
    harness.bot.config.events_block_ms = 10
    await deliverer.stream.ensure_group(harness.bot.config.events_group)
    while await deliverer.step():
        pass
