"""/gallery: the person's private gallery link, or (``scope: server``) the server's gallery.

Why ephemeral: a gallery link is a bearer credential for someone's clips (signed, expiring,
revocable — reelbot.app.gallery); only the person who asked may see it. The server's gallery
exists only while the server's admins switched it on (``/admin gallery on``); otherwise the
answer says so and who can change it. Nothing here builds tokens itself: every link comes
from :class:`reelbot.app.gallery.Gallery`, so the bot and the media server share one rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from reelbot.bots.discord.replies import guarded, locale_of, reply
from reelbot.domain.errors import Forbidden, InvalidRequest
from reelbot.domain.messages import render
from reelbot.domain.types import Platform

if TYPE_CHECKING:
    from reelbot.app.gallery import Gallery
    from reelbot.bots.discord.bot import ReelBot

#: How long a link from /gallery opens its page (the Gallery's own default: one week).
LINK_DAYS = 7


class GalleryCog(commands.Cog):
    def __init__(self, bot: ReelBot) -> None:
        self.bot = bot
        self._gallery: Gallery | None = None

    @property
    def gallery(self) -> Gallery:
        if self._gallery is None:
            from reelbot.app.gallery import Gallery

            self._gallery = Gallery(self.bot.service)
        return self._gallery

    @app_commands.command(name="gallery", description=_("Your clips on one private page", key="cmd.gallery"))
    @app_commands.describe(scope=_("Whose clips", key="cmd.gallery.scope"))
    @app_commands.choices(
        scope=[
            app_commands.Choice(name=_("mine", key="choice.gallery.mine"), value="mine"),
            app_commands.Choice(name=_("this server", key="choice.gallery.server"), value="server"),
        ]
    )
    async def gallery_command(self, interaction: discord.Interaction, scope: str = "mine") -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with guarded(interaction, "/gallery"):
            locale = locale_of(interaction)
            if scope == "server":
                text = await self._server_link(interaction, locale)
            elif scope == "mine":
                link = await self.gallery.link_for_user(
                    Platform.DISCORD, str(interaction.user.id), ttl_s=LINK_DAYS * 86400
                )
                text = render("gallery.mine", locale, url=link, days=LINK_DAYS)
            else:  # a client that sent a value we never offered
                raise InvalidRequest(
                    "discord.option_invalid", option="scope", value=scope[:20], choices="mine, server"
                )
            await reply(interaction, text)

    async def _server_link(self, interaction: discord.Interaction, locale: str) -> str:
        """The server's gallery link, or why there is none (a DM; switched off)."""
        if interaction.guild_id is None:
            return render("gallery.server_dm", locale)
        try:
            link = await self.gallery.link_for_community(
                Platform.DISCORD, str(interaction.guild_id), ttl_s=LINK_DAYS * 86400
            )
        except Forbidden as exc:
            if exc.key != "gallery.community_off":
                raise
            return render("gallery.server_off", locale)
        return render("gallery.server", locale, url=link, days=LINK_DAYS)


async def setup(bot: ReelBot) -> None:
    await bot.add_cog(GalleryCog(bot))
