"""Chat platforms in the CLI: one ``reelbot <platform>`` command each, and their part in ``serve``.

Adding a platform: a package under ``bots/`` with a ``platform.py`` that registers it
(:func:`reelbot.app.platforms.register_platform`), plus one line in :data:`PLATFORM_MODULES`.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from typing import Annotated

import typer

from reelbot.app.platforms import PLATFORMS, ChatPlatform, RunOptions
from reelbot.domain.errors import ReelbotError

#: One line per platform: the module whose import registers it.
PLATFORM_MODULES: tuple[str, ...] = (
    "reelbot.bots.discord.platform",
    "reelbot.bots.line.platform",
)

HostOpt = Annotated[str | None, typer.Option(help="listen address (default: the platform's setting)")]
PortOpt = Annotated[int | None, typer.Option(min=0, max=65535, help="listen port (default: its setting)")]


def load_platforms() -> dict[str, ChatPlatform]:
    """Every registered platform, by name (importing the modules registers them)."""
    for module in PLATFORM_MODULES:
        importlib.import_module(module)
    return dict(PLATFORMS)


def configured_platforms(settings: object) -> list[ChatPlatform]:
    """The platforms whose secrets are set: ``serve`` runs these."""
    return [platform for platform in load_platforms().values() if platform.configured(settings)]  # type: ignore[arg-type]


def _command(platform: ChatPlatform) -> Callable[..., None]:
    def command(host: HostOpt = None, port: PortOpt = None) -> None:
        from reelbot.cli import fail, run_async, settings_or_exit, setup_logging

        settings = settings_or_exit()
        try:
            platform.check(settings)  # one clear line before anything starts
        except ReelbotError as exc:
            raise fail(exc) from None
        setup_logging(settings)

        async def body() -> None:
            from reelbot.ops.lifecycle import install_shutdown_handlers

            stop = asyncio.Event()
            install_shutdown_handlers(stop)
            await platform.run(settings, stop, RunOptions(host=host, port=port))

        run_async(body)

    command.__doc__ = platform.help
    return command


def register(app: typer.Typer) -> None:
    for name, platform in load_platforms().items():
        app.command(name=name)(_command(platform))
