"""Durable LINE intake (core/app/inbox.py): a webhook event is in Redis before LINE hears 200.

The hard case runs a real bot *process* (``python -c`` with the real app, the real service,
the real line-bot-sdk), lets LINE's 200 go out, and kills it with SIGKILL while it is handling
the event — before any job exists. A second bot (another consumer) then takes the event over
and makes exactly one job; LINE's redelivery of the same event changes nothing.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from reelbot.app.service import ReelbotService
from reelbot.bots.line.app import LineBot
from reelbot.bots.line.config import LineConfig
from reelbot.bots.line.webhook import signature_for
from reelbot.domain.settings import Settings
from reelbot.domain.types import Platform
from tests.bots.line.conftest import ACCESS_TOKEN, CHANNEL_SECRET, Harness, free_port, reply_texts, text_event
from tests.fakes.line_api import FakeLineApi

BOT_PROCESS = """
import asyncio, sys
from aiohttp import web
from reelbot.app.service import ReelbotService
from reelbot.bots.line.app import LineBot
from reelbot.bots.line.config import LineConfig
from reelbot.domain.settings import Settings

async def main() -> None:
    settings = Settings(_env_file=None)
    service = await ReelbotService.open(settings)
    bot = LineBot(service, settings, LineConfig(_env_file=None, events_consumer="line-doomed"))
    runner = web.AppRunner(bot.web_app(with_media=False))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", int(sys.argv[1])).start()
    print("ready", flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


class BlackHole:
    """A LINE API that takes requests and never answers: the doomed bot hangs mid-handling."""

    def __init__(self) -> None:
        self.hit = asyncio.Event()
        self.server: TestServer | None = None

    async def _swallow(self, request: web.Request) -> web.Response:
        self.hit.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def __aenter__(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._swallow)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return f"http://127.0.0.1:{self.server.port}"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        await self.server.close()


def _env(settings: Settings, api_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "REELBOT_DATA_DIR": str(settings.data_dir),
        "REELBOT_REDIS_URL": settings.redis_url,
        "REELBOT_REDIS_PREFIX": settings.redis_prefix,
        "REELBOT_PRESET": "tiny",
        "REELBOT_DEVICE": "cpu",
        "REELBOT_MEDIA_SECRET": "test-secret-0123456789abcdef",
        "REELBOT_MEDIA_BASE_URL": "https://127.0.0.1:9",
        "REELBOT_LINE_CHANNEL_SECRET": CHANNEL_SECRET,
        "REELBOT_LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
        "REELBOT_LINE_API_HOST": api_url,
        "REELBOT_LINE_DATA_HOST": api_url,
        "REELBOT_LOG_LEVEL": "WARNING",
    }


async def _post(url: str, event: dict[str, Any]) -> int:
    body = json.dumps({"destination": "Ubot", "events": [event]}).encode()
    signature = signature_for(CHANNEL_SECRET.encode(), body)
    headers = {"Content-Type": "application/json", "X-Line-Signature": signature}
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as response:
        return response.status


async def _jobs(service: ReelbotService, user: str) -> list[Any]:
    return await service.jobs_for(Platform.LINE, user, active_only=False)


async def test_a_bot_killed_after_the_200_loses_no_event_and_makes_one_job(
    settings: Settings, fake_line: FakeLineApi
) -> None:
    port = free_port()
    event = text_event("一隻貓在月光下跳舞", user="Ukilled")
    hole = BlackHole()
    async with hole as api_url:
        proc = subprocess.Popen(
            [sys.executable, "-c", BOT_PROCESS, str(port)],
            env=_env(settings, api_url),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert proc.stdout is not None
            assert (await asyncio.to_thread(proc.stdout.readline)).strip() == "ready"
            assert await _post(f"http://127.0.0.1:{port}/callback", event) == 200  # LINE hears 200
            await asyncio.wait_for(hole.hit.wait(), timeout=60)  # the bot is handling it, stuck
        finally:
            proc.send_signal(signal.SIGKILL)  # mid-handling: no job exists yet
            await asyncio.to_thread(proc.wait, 30)

    line_settings = settings.model_copy(
        update={
            "line_channel_secret": SecretStr(CHANNEL_SECRET),
            "line_channel_access_token": SecretStr(ACCESS_TOKEN),
            "line_api_host": fake_line.url,
            "line_data_host": fake_line.url,
            "media_base_url": "https://127.0.0.1:9",
        }
    )
    service = await ReelbotService.open(line_settings)
    try:
        assert await _jobs(service, "Ukilled") == []  # the doomed process made none
        config = LineConfig(_env_file=None, events_consumer="line-heir", inbox_stale_ms=200)  # type: ignore[call-arg]
        bot = LineBot(service, line_settings, config)
        server = TestServer(bot.web_app(with_media=False), host="127.0.0.1")
        await server.start_server()
        try:
            for _ in range(600):  # the heir takes the entry over once it is 200 ms stale
                if await _jobs(service, "Ukilled"):
                    break
                await asyncio.sleep(0.05)
            await bot.webhook.drain()
            (job,) = await _jobs(service, "Ukilled")
            assert job.request.prompt == "一隻貓在月光下跳舞"
            # LINE redelivers the same event anyway: still one job
            assert await _post(f"http://127.0.0.1:{server.port}/callback", event) == 200
            await bot.webhook.drain()
            assert len(await _jobs(service, "Ukilled")) == 1
            assert await bot.inbox.waiting() == 0
        finally:
            await server.close()
            await bot.close()
    finally:
        await service.close()


async def test_events_wait_in_the_inbox_while_no_handler_runs(harness: Harness) -> None:
    await harness.bot.webhook.stop()  # the handler side is down; the endpoint still answers
    event = text_event("排隊的貓")
    await harness.send(event)
    assert await harness.bot.inbox.waiting() == 1 and await harness.job_count() == 0
    status, _ = await harness.post(json.dumps({"destination": "Ubot", "events": [event]}).encode())
    assert status == 200 and await harness.bot.inbox.waiting() == 1  # a redelivery adds nothing
    await harness.bot.webhook.start()
    await harness.settle()
    assert await harness.job_count() == 1 and await harness.bot.inbox.waiting() == 0
    assert len(reply_texts(harness.fake)) == 1  # answered once


@pytest.mark.parametrize("depth", [2_000, 100_000])
async def test_a_deeply_nested_body_is_400_not_500(harness: Harness, depth: int) -> None:
    body = ('{"events": [' + "[" * depth + "]" * depth + "]}").encode()
    status, _ = await harness.post(body)
    assert status == 400
    assert await harness.bot.inbox.waiting() == 0 and await harness.job_count() == 0
