"""/gallery in Discord: an ephemeral, signed, expiring link that opens the asker's own gallery
on the media server; ``scope: server`` only while the server's admins switched it on."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from reelbot.app.gallery import Gallery, Scope
from reelbot.app.service import ReelbotService
from reelbot.bots.media_server import create_media_app
from reelbot.bots.web.routes import RateLimiter
from reelbot.domain.messages import render
from reelbot.domain.types import Platform
from tests.bots.discord.helpers import answer_of
from tests.fakes.discord_api import FakeDiscord

EPHEMERAL = 64
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/g/([A-Za-z0-9_\-]+\.[0-9a-f]+))")


@pytest.fixture
async def media_site(service: ReelbotService) -> AsyncIterator[str]:
    """The real media server (gallery pages included) on the bot's service; links point at it."""
    app = create_media_app(
        service.media, service.clip, gallery=Gallery(service), limiter=RateLimiter(limit=10_000)
    )
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    service.media.base_url = f"http://127.0.0.1:{port}"
    try:
        yield service.media.base_url
    finally:
        await runner.cleanup()


async def ask(
    fake: FakeDiscord, user: dict[str, Any], locale: str = "en-US", **options: str
) -> dict[str, Any]:
    inter = await fake.send_interaction(fake.slash("gallery", dict(options), user=user, locale=locale))
    answer = await answer_of(fake, inter)
    assert answer.get("flags", 0) & EPHEMERAL, answer  # a gallery link is for the asker only
    return answer


def link_in(answer: dict[str, Any]) -> tuple[str, str]:
    match = LINK.search(answer["content"])
    assert match, answer["content"]
    return match[1], match[2]


async def fetch(url: str, lang: str = "en") -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(f"{url}?lang={lang}") as response:
        return response.status, await response.text()


async def test_gallery_link_opens_the_askers_own_page(
    fake: FakeDiscord, service: ReelbotService, media_site: str, start_bot: Any
) -> None:
    ann, bob = fake.user(name="ann"), fake.user(name="bob")
    gallery = Gallery(service)
    async with start_bot():
        url, token = link_in(await ask(fake, ann))
        assert url.startswith(media_site + "/g/")
        scope = await gallery.open(token)
        own = await gallery.open(link_in(await ask(fake, ann))[1])
        other = await gallery.open(link_in(await ask(fake, bob))[1])
        assert scope.kind == "user" and scope == own and scope != other and other.kind == "user"
        expected = await gallery.link_for_user(Platform.DISCORD, ann["id"])
        assert await gallery.open(expected.rsplit("/", 1)[1]) == scope  # ann's user, nobody else's

        status, page = await fetch(url)
        assert status == 200 and render("web.gallery.mine", "en") in page
        tampered = url[:-1] + ("0" if url[-1] != "0" else "1")
        assert (await fetch(tampered))[0] == 403

        await gallery.revoke_user(Platform.DISCORD, ann["id"])  # revocable: the old link stops
        assert (await fetch(url))[0] == 403

        zh = await ask(fake, ann, locale="zh-TW")
        assert "你的作品集" in zh["content"] and "7 天內有效" in zh["content"]
        assert (await fetch(link_in(zh)[0], "zh-TW"))[0] == 200


async def test_server_gallery_only_when_switched_on(
    fake: FakeDiscord, service: ReelbotService, media_site: str, start_bot: Any
) -> None:
    ann = fake.user(name="ann")
    gallery = Gallery(service)
    async with start_bot():
        off = await ask(fake, ann, scope="server")
        assert off["content"] == render("gallery.server_off", "en") and "/g/" not in off["content"]
        off_zh = await ask(fake, ann, locale="zh-TW", scope="server")
        assert off_zh["content"] == render("gallery.server_off", "zh-TW")

        await gallery.set_community_gallery(Platform.DISCORD, fake.guild_id, enabled=True, by="admin")
        url, token = link_in(await ask(fake, ann, scope="server"))
        assert await gallery.open(token) == Scope(
            "community", platform=Platform.DISCORD, community_id=fake.guild_id
        )
        status, page = await fetch(url)
        assert status == 200 and "<html" in page.lower()

        await gallery.set_community_gallery(Platform.DISCORD, fake.guild_id, enabled=False, by="admin")
        assert (await fetch(url))[0] == 403  # switched off: every issued link stops at once
        assert (await ask(fake, ann, scope="server"))["content"] == render("gallery.server_off", "en")


async def test_unknown_scope_value_is_answered(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    async with start_bot():
        answer = await ask(fake, fake.user(), scope="everyone")
        assert "everyone" in answer["content"] and "/g/" not in answer["content"]


MANAGE_GUILD = str(1 << 5)


async def test_admins_switch_the_server_gallery_with_admin_gallery(
    fake: FakeDiscord, service: ReelbotService, media_site: str, start_bot: Any
) -> None:
    admin, ann = fake.user(name="admin"), fake.user(name="ann")
    gallery = Gallery(service)

    async def switch(user: dict[str, Any], value: str, permissions: str, locale: str = "en-US") -> str:
        payload = fake.slash(
            "admin",
            {"switch": value},
            user=user,
            permissions=permissions,
            subcommand=["gallery"],
            locale=locale,
        )
        inter = await fake.send_interaction(payload)
        return str((await answer_of(fake, inter))["content"])

    async with start_bot():
        refused = await switch(ann, "on", permissions="0")  # a member without Manage Server
        assert refused == render("discord.admin_only", "en")
        assert not await gallery.community_enabled(Platform.DISCORD, fake.guild_id)

        assert await switch(admin, "on", MANAGE_GUILD, "zh-TW") == render("gallery.switched_on", "zh-TW")
        assert await gallery.community_enabled(Platform.DISCORD, fake.guild_id)
        url, _token = link_in(await ask(fake, ann, scope="server"))
        assert (await fetch(url))[0] == 200

        assert await switch(admin, "off", MANAGE_GUILD) == render("gallery.switched_off", "en")
        assert (await fetch(url))[0] == 403  # links already sent stop working
