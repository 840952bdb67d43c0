"""Discord as a reelbot platform: the one entry the composition root reads.

Light on purpose (no discord.py import): the CLI lists every platform at start-up.
"""

from __future__ import annotations

import asyncio

from reelbot.app.platforms import ChatPlatform, RunOptions, register_platform
from reelbot.bots.discord.config import DiscordConfig
from reelbot.domain.errors import ConfigError
from reelbot.domain.settings import Settings

NAME = "discord"


def configured(settings: Settings) -> bool:
    return settings.discord_token is not None and bool(settings.discord_token.get_secret_value().strip())


def check(settings: Settings) -> None:
    if not configured(settings):
        raise ConfigError("config.invalid", variable="REELBOT_DISCORD_TOKEN", reason="is not set", count=1)


async def run(settings: Settings, stop: asyncio.Event, options: RunOptions) -> None:
    from reelbot.bots.discord.bot import run_bot

    overrides = options.overrides(host="health_host", port="health_port")
    await run_bot(settings, DiscordConfig(**overrides), stop=stop)  # type: ignore[arg-type]


PLATFORM = register_platform(
    ChatPlatform(
        name=NAME,
        help="Run the Discord bot (token from REELBOT_DISCORD_TOKEN); --port/--host: its health endpoints.",
        configured=configured,
        check=check,
        run=run,
        settings_models=(DiscordConfig,),
    )
)
