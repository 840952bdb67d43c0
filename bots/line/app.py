"""Assembling the LINE bot: webhook + media server on one aiohttp app, and the delivery loop.

``reelbot line`` runs :func:`run_line`; tests build a :class:`LineBot` around their own service
and fake Messaging API and drive the same aiohttp app.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from typing import TYPE_CHECKING

from aiohttp import web

from reelbot.app.inbox import Inbox
from reelbot.app.limits import RatePolicy
from reelbot.bots.line.api import LineApi
from reelbot.bots.line.config import LineConfig
from reelbot.bots.line.deliver import Deliverer
from reelbot.bots.line.finish_extras import track_staging
from reelbot.bots.line.handler import LineHandler
from reelbot.bots.line.staging import PhotoStaging, run_sweeper
from reelbot.bots.line.state import LineState
from reelbot.bots.line.webhook import LineWebhook
from reelbot.bots.media_server import add_media_routes
from reelbot.domain.errors import ReelbotError
from reelbot.domain.settings import Settings
from reelbot.domain.types import Platform

if TYPE_CHECKING:
    from reelbot.app.service import ReelbotService

log = logging.getLogger(__name__)


def require_secrets(settings: Settings) -> tuple[bytes, str]:
    """The channel secret and access token, or a one-line error naming the missing variable."""
    if settings.line_channel_secret is None or not settings.line_channel_secret.get_secret_value():
        raise ReelbotError("line.missing_secret", variable="REELBOT_LINE_CHANNEL_SECRET")
    token = settings.line_channel_access_token
    if token is None or not token.get_secret_value():
        raise ReelbotError("line.missing_secret", variable="REELBOT_LINE_CHANNEL_ACCESS_TOKEN")
    if not settings.media_base_url.startswith("https://"):
        # LINE fetches videos and previews only over HTTPS: a plain-HTTP media origin would make
        # every result undeliverable. (Tests serve the media routes over real TLS instead.)
        raise ReelbotError("line.media_url_not_https", url=settings.media_base_url)
    return settings.line_channel_secret.get_secret_value().encode(), token.get_secret_value()


class LineBot:
    """Everything the LINE side runs, around one :class:`ReelbotService`."""

    def __init__(self, service: ReelbotService, settings: Settings, config: LineConfig | None = None) -> None:
        secret, _ = require_secrets(settings)
        self.settings = settings
        self.config = config or LineConfig()
        self.service = service
        self.api = LineApi(settings, self.config)
        self.state = LineState(service.redis, partial(service.platform_key, Platform.LINE), self.config)
        service.register_platform_limits(Platform.LINE, self.limits)
        self.staging = PhotoStaging(
            self.config.staging_dir or settings.data_dir / "line" / "incoming", self.config.photo_ttl_s
        )
        self.handler = LineHandler(
            service=service,
            api=self.api,
            state=self.state,
            config=self.config,
            media_base_url=settings.media_base_url,
            staging=self.staging,
        )
        self.inbox = Inbox(  # durable intake: in Redis before LINE hears 200
            service.redis,
            partial(service.platform_key, Platform.LINE),
            consumer=self.config.events_consumer,
            seen_ttl_s=self.config.dedupe_ttl_s,
            reclaim_idle_ms=self.config.inbox_stale_ms,
        )
        self.webhook = LineWebhook(
            secret,
            self.handler,
            max_concurrent=self.config.webhook_concurrency,
            max_backlog=self.config.webhook_backlog,
            inbox=self.inbox,
        )
        self.deliverer = Deliverer(
            service=service,
            api=self.api,
            state=self.state,
            config=self.config,
            media_base_url=settings.media_base_url,
            consumer=self.config.events_consumer,
        )

    def staged(self) -> tuple[PhotoStaging, ...]:
        """What waits on this bot's disk, one folder per TTL (photos for a prompt, tracks for
        a Finish): :func:`run_line` sweeps each at start and then every half TTL."""
        return (self.staging, track_staging(self.staging, self.config.finish_extras_ttl_s))

    def limits(self) -> RatePolicy:
        """LINE's hourly defaults for the service (read live: the config may change), with
        LINE's own refusal texts; a group's settings replace the numbers."""
        return RatePolicy(
            per_person=self.config.user_jobs_per_hour,
            per_community=self.config.group_jobs_per_hour,
            person_key="line.user_rate_limited",
            community_key="line.group_rate_limited",
        )

    def web_app(self, *, with_media: bool = True) -> web.Application:
        """The webhook at ``config.webhook_path``, health routes, and the media routes unless
        they are served by a separate ``reelbot media`` process."""
        from reelbot.ops.health import add_health_routes, default_checks

        app = web.Application()
        add_health_routes(app, default_checks(self.settings))
        self.webhook.mount(app, self.config.webhook_path)
        if with_media:
            add_media_routes(app, self.service.media, self.service.clip)
        return app

    async def close(self) -> None:
        await self.webhook.stop()
        await self.api.close()


async def serve_until(app: web.Application, host: str, port: int, stop: asyncio.Event) -> web.AppRunner:
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


async def run_media(settings: Settings, stop: asyncio.Event, *, host: str, port: int) -> None:
    """``reelbot media``: the media routes (+ health) alone, e.g. on a read-only media volume."""
    from reelbot.app.service import ReelbotService
    from reelbot.ops.health import add_health_routes, default_checks

    service = await ReelbotService.open(settings, migrate=settings.migrate_on_start)
    app = web.Application()
    add_health_routes(app, default_checks(settings))
    add_media_routes(app, service.media, service.clip)
    runner = await serve_until(app, host, port, stop)
    log.info("media server listening on %s:%s", host, port)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await service.close()


async def run_line(settings: Settings, stop: asyncio.Event, config: LineConfig | None = None) -> None:
    """Serve the webhook + media routes and push results until ``stop`` is set."""
    from reelbot.app.service import ReelbotService

    require_secrets(settings)  # fail before opening anything
    config = config or LineConfig()
    service = await ReelbotService.open(settings, migrate=settings.migrate_on_start)
    bot = LineBot(service, settings, config)
    runner = await serve_until(bot.web_app(with_media=config.serve_media), config.host, config.port, stop)
    log.info("LINE webhook listening on %s:%s%s", config.host, config.port, config.webhook_path)
    delivery = asyncio.create_task(bot.deliverer.run(stop), name="line-delivery")
    sweepers = [
        asyncio.create_task(run_sweeper(folder, stop), name=f"line-sweeper-{folder.root.name}")
        for folder in bot.staged()
    ]
    try:
        await stop.wait()
    finally:
        await runner.cleanup()  # stops accepting, drains webhook tasks (on_shutdown)
        await delivery
        await asyncio.gather(*sweepers)
        await bot.close()
        await service.close()
