"""/help (and ``/help topic:prompts``: prompts that work well), in the person's language."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from reelbot.bots.discord.replies import locale_of, reply
from reelbot.domain.images import MiB
from reelbot.domain.messages import render

if TYPE_CHECKING:
    from reelbot.bots.discord.bot import ReelBot


class HelpCog(commands.Cog):
    def __init__(self, bot: ReelBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description=_("How to use reelbot", key="cmd.help"))
    @app_commands.describe(topic=_("What to explain", key="cmd.help.topic"))
    @app_commands.choices(
        topic=[app_commands.Choice(name=_("prompt examples", key="choice.help.prompts"), value="prompts")]
    )
    async def help(self, interaction: discord.Interaction, topic: str | None = None) -> None:
        if topic == "prompts":
            await reply(interaction, render("discord.help_prompts", locale_of(interaction)))
            return
        limits = self.bot.settings.limits
        text = render(
            "discord.help",
            locale_of(interaction),
            max_prompt=limits.max_prompt_chars,
            max_mb=f"{limits.max_reference_bytes / MiB:.0f}",
            min_s=f"{limits.min_seconds:g}",
            max_s=f"{limits.max_seconds:g}",
            max_pending=limits.max_pending_jobs_per_user,
        )
        await reply(interaction, text)  # no I/O before it: answered well within 3 s


async def setup(bot: ReelBot) -> None:
    await bot.add_cog(HelpCog(bot))
