"""Fixtures for the Discord bot tests: the fake Discord, the real service, a running bot.

The bot is the real :class:`ReelBot` (real discord.py, unmodified) connected to
:class:`FakeDiscord` over HTTP and a websocket; the service uses this test's own Redis key
prefix and SQLite file, so tests never see each other's jobs or events.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import discord.gateway
import discord.http
import pytest

from reelbot.app.service import ReelbotService
from reelbot.bots.discord.bot import ReelBot
from reelbot.bots.discord.config import DiscordConfig
from reelbot.domain.settings import Settings
from tests.fakes.discord_api import FakeDiscord


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    server = FakeDiscord()
    await server.start()
    server.redirect_discordpy()
    try:
        yield server
    finally:
        await server.stop()
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


@pytest.fixture
def config() -> DiscordConfig:
    return DiscordConfig(
        _env_file=None,  # type: ignore[call-arg]
        cdn_hosts=("127.0.0.1",),
        allow_http_cdn=True,
        guild_ready_timeout=0,
        events_block_ms=100,
        click_window_s=30,
    )


@pytest.fixture
async def service(settings: Settings, redis_client: Any) -> AsyncIterator[ReelbotService]:
    svc = await ReelbotService.open(settings)
    try:
        yield svc
    finally:
        await svc.close()


@contextlib.asynccontextmanager
async def running_bot(
    fake: FakeDiscord, service: ReelbotService, config: DiscordConfig
) -> AsyncIterator[ReelBot]:
    """A started bot (logged in, gateway READY); closed and awaited on exit."""
    fake.disconnect_all()
    bot = ReelBot(service=service, settings=service.settings, config=config)
    task = asyncio.create_task(bot.start(fake.token))
    try:
        await asyncio.wait_for(_ready(bot, task), 15)
        yield bot
    finally:
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)


async def _ready(bot: ReelBot, task: asyncio.Task[None]) -> None:
    waiter = asyncio.create_task(bot.wait_until_ready())
    done, _ = await asyncio.wait({waiter, task}, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        waiter.cancel()
        task.result()  # raises the start-up error
        raise RuntimeError("bot stopped before it was ready")


@pytest.fixture
def start_bot(fake: FakeDiscord, service: ReelbotService, config: DiscordConfig) -> Callable[..., Any]:
    def start(cfg: DiscordConfig | None = None) -> contextlib.AbstractAsyncContextManager[ReelBot]:
        return running_bot(fake, service, cfg or config)

    return start
