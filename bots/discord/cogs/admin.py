"""/reelbot settings — server admins set per-person and per-server limits (stored per server)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
            if interaction.guild_id is None:
                raise InvalidRequest("discord.not_in_guild")
            # default_permissions only hides the command; the server can re-grant it, so check.
            if not interaction.permissions.manage_guild:
                raise Forbidden("discord.admin_only")
            changes: dict[str, Any] = {}
            if max_pending is not None:
                changes["max_pending_per_user"] = max_pending
            if user_per_hour is not None:
                changes["clips_per_hour_per_user"] = user_per_hour
            if server_per_hour is not None:
                changes["clips_per_hour"] = server_per_hour
            guild_id = str(interaction.guild_id)
            if not changes:
                policy = await self.bot.service.community_settings(Platform.DISCORD, guild_id)
                await reply(interaction, describe(policy, self.bot, locale, "discord.settings_current"))
                return
            policy = await self.bot.service.save_community_settings(
                Platform.DISCORD, guild_id, changes, by=str(interaction.user.id)
            )
            await reply(interaction, describe(policy, self.bot, locale, "discord.settings_saved"))


class AdminCog(commands.Cog):
    def __init__(self, bot: ReelBot) -> None:
        self.bot = bot
        self.group = ReelbotGroup(bot)
        bot.tree.add_command(self.group)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.group.name)


async def setup(bot: ReelBot) -> None:
    await bot.add_cog(AdminCog(bot))
