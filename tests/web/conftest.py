"""Fixtures for the web pages: the real service, a real media server on a free port, clips.

The server listens on 127.0.0.1 and the media store's base URL names 127.0.0.1 too; the
browser tests open pages as ``http://localhost:PORT`` on purpose, so the CSP must allow the
media origin in use rather than ``'self'``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

from reelbot.app.gallery import Gallery
from reelbot.app.service import ReelbotService
from reelbot.bots.media_server import create_media_app
from reelbot.bots.web.routes import RateLimiter
from reelbot.domain.settings import Settings

from .clipdata import ClipFactory


@dataclass
class Site:
    service: ReelbotService
    gallery: Gallery
    clips: ClipFactory
    port: int

    @property
    def media_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def other_host_url(self) -> str:
        """The same server under another host name than the media URLs carry."""
        return f"http://localhost:{self.port}"


async def start_site(
    settings: Settings, workdir: Path, limiter: RateLimiter | None = None
) -> tuple[Site, web.AppRunner]:
    service = await ReelbotService.open(settings)
    gallery = Gallery(service)
    app = create_media_app(
        service.media, service.clip, gallery=gallery, limiter=limiter or RateLimiter(limit=10_000)
    )
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    service.media.base_url = f"http://127.0.0.1:{port}"
    return Site(service, gallery, ClipFactory(service, workdir), port), runner


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def site_any_db(
    request: pytest.FixtureRequest,
    settings: Settings,
    tmp_path: Path,
    fresh_database_url: Callable[[str], str],
) -> AsyncIterator[Site]:
    """The site on SQLite, then on a fresh PostgreSQL database (the gallery queries on both)."""
    settings = settings.model_copy(update={"database_url": fresh_database_url(request.param)})
    built, runner = await start_site(settings, tmp_path)
    try:
        yield built
    finally:
        await runner.cleanup()
        await built.service.close()


@pytest.fixture
async def site(settings: Settings, tmp_path: Path) -> AsyncIterator[Site]:
    built, runner = await start_site(settings, tmp_path)
    try:
        yield built
    finally:
        await runner.cleanup()
        await built.service.close()
