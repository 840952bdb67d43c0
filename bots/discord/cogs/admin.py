"""Server admins: ``/reelbot settings`` (per-person and per-server limits, stored per server) and
``/admin gallery`` (the server's web gallery on or off; off by default)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from reelbot.bots.discord.replies import guarded, locale_of, reply
from reelbot.domain.errors import Forbidden, InvalidRequest
from reelbot.domain.messages import render
from reelbot.domain.types import Platform

if TYPE_CHECKING:
    from reelbot.bots.discord.bot import ReelBot
    from reelbot.storage.communities import CommunitySettings


def describe(policy: CommunitySettings, bot: ReelBot, locale: str, key: str) -> str:
    default_pending = bot.settings.limits.max_pending_jobs_per_user
    unlimited = "∞"
    return render(
        key,
        locale,
        max_pending=policy.max_pending_per_user or default_pending,
        user_per_hour=policy.clips_per_hour_per_user
        if policy.clips_per_hour_per_user is not None
        else unlimited,
        guild_per_hour=policy.clips_per_hour if policy.clips_per_hour is not None else unlimited,
    )


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ReelbotGroup(
    app_commands.Group, name="reelbot", description=_("reelbot server settings", key="cmd.reelbot")
):
    def __init__(self, bot: ReelBot) -> None:
        super().__init__()
        self.bot = bot

    @app_commands.command(
        name="settings", description=_("Show or change this server's limits", key="cmd.settings")
    )
    @app_commands.describe(
        max_pending=_("Videos one person may have waiting", key="cmd.settings.max_pending"),
        user_per_hour=_("Clips per person per hour", key="cmd.settings.user_per_hour"),
        server_per_hour=_("Clips for the whole server per hour", key="cmd.settings.server_per_hour"),
    )
    async def settings(
        self,
        interaction: discord.Interaction,
        max_pending: app_commands.Range[int, 1, 100] | None = None,
        user_per_hour: app_commands.Range[int, 0, 10_000] | None = None,
        server_per_hour: app_commands.Range[int, 0, 100_000] | None = None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with guarded(interaction, "/reelbot settings"):
            locale = locale_of(interaction)
            guild_id = require_admin(interaction)
            changes: dict[str, Any] = {}
            if max_pending is not None:
                changes["max_pending_per_user"] = max_pending
            if user_per_hour is not None:
                changes["clips_per_hour_per_user"] = user_per_hour
            if server_per_hour is not None:
                changes["clips_per_hour"] = server_per_hour
            if not changes:
                policy = await self.bot.service.community_settings(Platform.DISCORD, guild_id)
                await reply(interaction, describe(policy, self.bot, locale, "discord.settings_current"))
                return
            policy = await self.bot.service.save_community_settings(
                Platform.DISCORD, guild_id, changes, by=str(interaction.user.id)
            )
            await reply(interaction, describe(policy, self.bot, locale, "discord.settings_saved"))


def require_admin(interaction: discord.Interaction) -> str:
    """The server's id, when the caller may change its settings (default_permissions only hides
    a command: a server can re-grant it, so check)."""
    if interaction.guild_id is None:
        raise InvalidRequest("discord.not_in_guild")
    if not interaction.permissions.manage_guild:
        raise Forbidden("discord.admin_only")
    return str(interaction.guild_id)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class AdminGroup(app_commands.Group, name="admin", description=_("Server admin switches", key="cmd.admin")):
    def __init__(self, bot: ReelBot) -> None:
        super().__init__()
        self.bot = bot

    @app_commands.command(
        name="gallery", description=_("Switch this server's web gallery on or off", key="cmd.admin.gallery")
    )
    @app_commands.describe(
        switch=_("on: members' clips on one page; off: links stop working", key="cmd.admin.gallery.switch")
    )
    async def gallery(self, interaction: discord.Interaction, switch: Literal["on", "off"]) -> None:
        from reelbot.app.gallery import Gallery

        await interaction.response.defer(ephemeral=True, thinking=True)
        async with guarded(interaction, "/admin gallery"):
            locale = locale_of(interaction)
            guild_id = require_admin(interaction)
            enabled = switch == "on"
            gallery = Gallery(self.bot.service)
            await gallery.set_community_gallery(
                Platform.DISCORD, guild_id, enabled=enabled, by=str(interaction.user.id)
            )
            key = "gallery.switched_on" if enabled else "gallery.switched_off"
            await reply(interaction, render(key, locale))


class AdminCog(commands.Cog):
    def __init__(self, bot: ReelBot) -> None:
        self.bot = bot
        self.groups = (ReelbotGroup(bot), AdminGroup(bot))
        for group in self.groups:
            bot.tree.add_command(group)

    async def cog_unload(self) -> None:
        for group in self.groups:
            self.bot.tree.remove_command(group.name)


async def setup(bot: ReelBot) -> None:
    await bot.add_cog(AdminCog(bot))
