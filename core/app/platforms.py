"""The chat platform registry: what the composition root needs to know of each platform.

A platform is a package under ``bots/`` whose ``platform.py`` calls :func:`register_platform`
once. The composition root lists those modules (``reelbot.cli.platforms.PLATFORM_MODULES``,
one line per platform) and does the rest: a ``reelbot <name>`` command with ``--host`` /
``--port``, a place in ``reelbot serve`` when the platform is configured, its settings in
``.env.example`` and in log redaction. Its results travel on the events stream named after it
(``Keys.events(name)``), and its users are ``Origin(platform=name, ...)``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pydantic import BaseModel

from reelbot.domain.settings import Settings

PLATFORM_NAME = re.compile(r"[a-z][a-z0-9]{1,15}")


@dataclass(frozen=True)
class RunOptions:
    """Where a platform's own server listens (None: its settings decide)."""

    host: str | None = None
    port: int | None = None

    def overrides(self, *, host: str = "host", port: str = "port") -> dict[str, object]:
        """The given values as settings overrides under the platform's own field names."""
        named = {host: self.host, port: self.port}
        return {field: value for field, value in named.items() if value is not None}


@dataclass(frozen=True)
class ChatPlatform:
    """One chat platform as the composition root sees it."""

    name: str  # Origin.platform, the events stream, the CLI command
    help: str  # the CLI command's help line
    configured: Callable[[Settings], bool]  # its secrets are set: `serve` starts it
    check: Callable[[Settings], None]  # raise ReelbotError naming what is missing (one line)
    run: Callable[[Settings, asyncio.Event, RunOptions], Awaitable[None]]  # until the event is set
    settings_models: tuple[type[BaseModel], ...] = ()  # its own settings sections
    serves_media: bool = False  # its HTTP server also serves the media routes (one public origin)


PLATFORMS: dict[str, ChatPlatform] = {}


def register_platform(platform: ChatPlatform) -> ChatPlatform:
    if not PLATFORM_NAME.fullmatch(platform.name):
        raise ValueError(f"platform name must be 2-16 lowercase letters/digits, got {platform.name!r}")
    if platform.name in PLATFORMS and PLATFORMS[platform.name] != platform:
        raise ValueError(f"platform {platform.name!r} registered twice")
    PLATFORMS[platform.name] = platform
    return platform
