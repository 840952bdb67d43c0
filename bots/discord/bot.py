"""The Discord bot process: a ``commands.Bot`` that gets its dependencies, never reads globals.

``ReelBot(service=..., settings=..., config=...)`` receives the service (which owns Redis, the
database and the media store), the core settings and the Discord knobs. ``setup_hook`` loads
one extension per feature, registers the persistent buttons (:class:`ReelButton` as a dynamic
item, so clicks work in a process that never sent the message), optionally syncs the slash
commands, and starts the results reader (:class:`Delivery`). Nothing here imports torch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord.ext import commands

from reelbot.bots.discord.components import ReelButton
from reelbot.bots.discord.config import DiscordConfig
from reelbot.bots.discord.gateway import harden_parsers
from reelbot.bots.discord.translator import CatalogueTranslator
from reelbot.domain.settings import Settings

if TYPE_CHECKING:
    from aiohttp import web

    from reelbot.app.service import ReelbotService
    from reelbot.bots.discord.delivery import Delivery

log = logging.getLogger(__name__)

EXTENSIONS: tuple[str, ...] = (
    "reelbot.bots.discord.cogs.video",
    "reelbot.bots.discord.cogs.remix",
    "reelbot.bots.discord.cogs.finish",
    "reelbot.bots.discord.cogs.queue",
    "reelbot.bots.discord.cogs.help",
    "reelbot.bots.discord.cogs.admin",
    "reelbot.bots.discord.cogs.safety",
    "reelbot.bots.discord.cogs.storyboard",
    "reelbot.bots.discord.cogs.buttons",
    "reelbot.bots.discord.cogs.gallery",
)


def redirect(config: DiscordConfig) -> None:
    """Point discord.py at another API base / gateway (a local fake or a proxy), if configured."""
    if config.api_base:
        discord.http.Route.BASE = config.api_base.rstrip("/")
    if config.gateway_url:
        import yarl

        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.gateway_url)


class ReelBot(commands.Bot):
    """reelbot on Discord."""

    def __init__(
        self,
        *,
        service: ReelbotService,
        settings: Settings,
        config: DiscordConfig | None = None,
        extensions: tuple[str, ...] = EXTENSIONS,
        deliver: bool = True,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # guild cache: upload limits, channel objects
        self.config = config or DiscordConfig()
        shards: dict[str, object] = {}
        if isinstance(self, discord.AutoShardedClient):
            shards = {"shard_count": self.config.shard_count}
            if self.config.shard_ids is not None:
                shards["shard_ids"] = list(self.config.shard_ids)
        super().__init__(
            **shards,  # type: ignore[arg-type]
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            guild_ready_timeout=self.config.guild_ready_timeout,
            max_messages=None,  # we never read message history; keep memory flat
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
        )
        # A gateway event discord.py cannot parse is logged and skipped, never the bot's end.
        harden_parsers(self._connection.parsers, lambda: self.application_id)
        self.service = service
        self.settings = settings
        self._extension_names = extensions
        self._deliver = deliver
        self.delivery: Delivery | None = None
        self.http_session: aiohttp.ClientSession | None = None

    async def setup_hook(self) -> None:
        self.http_session = aiohttp.ClientSession()
        await self.tree.set_translator(CatalogueTranslator())
        for name in self._extension_names:
            await self.load_extension(name)
        self.add_dynamic_items(ReelButton)
        if self.config.sync_commands:
            synced = await self.tree.sync()
            log.info("synced %d application commands", len(synced))
        if self._deliver:
            from reelbot.bots.discord.delivery import Delivery

            self.delivery = Delivery(self)
            self.delivery.start()

    async def close(self) -> None:
        if self.delivery is not None:
            await self.delivery.stop()
        if self.http_session is not None:
            await self.http_session.close()
        await super().close()

    @property
    def session(self) -> aiohttp.ClientSession:
        assert self.http_session is not None, "setup_hook has not run"
        return self.http_session

    async def upload_limit(self, guild_id: str | None) -> int:
        """The largest attachment this guild accepts (boost tier), from cache or the API."""
        limit = self.config.default_upload_limit
        if guild_id:
            guild = self.get_guild(int(guild_id))
            if guild is None:
                try:
                    guild = await self.fetch_guild(int(guild_id), with_counts=False)
                except discord.HTTPException:
                    guild = None
            if guild is not None:
                limit = guild.filesize_limit
        if self.config.max_upload_bytes is not None:
            limit = min(limit, self.config.max_upload_bytes)
        return limit


class ShardedReelBot(ReelBot, commands.AutoShardedBot):
    """reelbot on Discord past one gateway connection: ``REELBOT_DISCORD_SHARD_COUNT`` shards,
    of which this process runs ``REELBOT_DISCORD_SHARD_IDS`` (default all). Interactions
    arrive on the shard of their guild; results are posted through the REST API by whichever
    process reads them (docs/discord.md, "Sharding")."""


def make_bot(
    *, service: ReelbotService, settings: Settings, config: DiscordConfig | None = None, **options: Any
) -> ReelBot:
    """A :class:`ShardedReelBot` when a shard count is configured, else a plain :class:`ReelBot`."""
    config = config or DiscordConfig()
    kind = ShardedReelBot if config.sharded else ReelBot
    return kind(service=service, settings=settings, config=config, **options)


async def check_token(token: str) -> None:
    """Ask Discord (``GET /users/@me``) whether it accepts ``token``; ConfigError if not."""
    from reelbot.domain.errors import ConfigError

    http = discord.http.HTTPClient(asyncio.get_running_loop())
    try:
        await http.static_login(token)
    except discord.LoginFailure:
        raise ConfigError(
            "config.invalid", variable="REELBOT_DISCORD_TOKEN", reason="Discord refused the token", count=1
        ) from None
    finally:
        await http.close()


async def run_bot(
    settings: Settings, config: DiscordConfig | None = None, stop: asyncio.Event | None = None
) -> None:
    """Open the service and run the bot until ``stop`` is set (``reelbot discord``).

    A missing token, or one Discord refuses, is a :class:`ConfigError` — one line, and the
    token's value never appears in it or in the logs.
    """
    from reelbot.app.service import ReelbotService
    from reelbot.domain.errors import ConfigError

    config = config or DiscordConfig()
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        raise ConfigError("config.invalid", variable="REELBOT_DISCORD_TOKEN", reason="is not set", count=1)
    redirect(config)
    await check_token(token)  # before opening anything: a bad token is one line, nothing else
    stop = stop or asyncio.Event()
    service = await ReelbotService.open(settings, migrate=settings.migrate_on_start)
    bot = make_bot(service=service, settings=settings, config=config)
    health = None
    if config.health_port is not None:
        health = await _serve_health(settings, config.health_host, config.health_port, bot)
    try:
        async with bot:
            runner = asyncio.create_task(bot.start(token), name="discord-bot")
            stopper = asyncio.create_task(stop.wait())
            await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            if not runner.done():
                log.info("stopping the Discord bot")
                await bot.close()
            try:
                await runner
            except discord.LoginFailure:
                raise ConfigError(
                    "config.invalid",
                    variable="REELBOT_DISCORD_TOKEN",
                    reason="Discord refused the token",
                    count=1,
                ) from None
    finally:
        if health is not None:
            await health.cleanup()
        await asyncio.shield(service.close())


def delivery_check(bot: ReelBot) -> Callable[[], Awaitable[None]]:
    """Readiness fails once the results loop has died: /video would be taken, nothing posted."""

    async def check() -> None:
        if bot.delivery is not None and not bot.delivery.alive:
            raise RuntimeError("the results loop has stopped")

    return check


async def _serve_health(settings: Settings, host: str, port: int, bot: ReelBot) -> web.AppRunner | None:
    """The health routes with Redis, database and the results loop; a taken port is logged."""
    from reelbot.ops.health import default_checks, start_health_server

    checks = {**default_checks(settings), "delivery": delivery_check(bot)}
    try:
        return await start_health_server(checks, host=host, port=port)
    except OSError as exc:
        log.warning("health endpoints not started: port %d unavailable (%s)", port, exc.strerror)
        return None
