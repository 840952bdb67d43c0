"""LINE as a reelbot platform: the one entry the composition root reads.

Light on purpose (no line-bot-sdk import): the CLI lists every platform at start-up. The LINE
webhook server also serves the media routes, because LINE fetches clips over the same public
HTTPS origin.
"""

from __future__ import annotations

import asyncio

from reelbot.app.platforms import ChatPlatform, RunOptions, register_platform
from reelbot.bots.line.config import LineConfig, load_line_config
from reelbot.domain.settings import Settings

NAME = "line"


def configured(settings: Settings) -> bool:
    return settings.line_channel_secret is not None and settings.line_channel_access_token is not None


def check(settings: Settings) -> None:
    from reelbot.bots.line.app import require_secrets

    require_secrets(settings)  # one line naming the missing variable; values never printed


async def run(settings: Settings, stop: asyncio.Event, options: RunOptions) -> None:
    from reelbot.bots.line.app import run_line

    await run_line(settings, stop, load_line_config(**options.overrides()))


PLATFORM = register_platform(
    ChatPlatform(
        name=NAME,
        help="Run the LINE bot: webhook + media routes, and the push of finished clips.",
        configured=configured,
        check=check,
        run=run,
        settings_models=(LineConfig,),
        serves_media=True,
    )
)
