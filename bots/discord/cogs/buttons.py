"""Clicks on buttons the bot does not recognise get an answer, not "This interaction failed".

Every component Discord delivers to the bot sits on one of its own messages, so a custom_id
outside reelbot's ``reelbot:<action>:<id>`` format is a button from an older version of the
bot (or a message edited elsewhere): the person is told, privately, that it no longer works.
Ids in reelbot's own format that no handler takes are answered by ``RemixCog`` — the two
conditions never overlap, so a click is answered once.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from reelbot.bots.common.actions import is_ours
from reelbot.bots.discord.replies import locale_of, reply
from reelbot.domain.messages import render

if TYPE_CHECKING:
    from reelbot.bots.discord.bot import ReelBot

log = logging.getLogger(__name__)

_ANSWERED_TYPES = (discord.InteractionType.component, discord.InteractionType.modal_submit)


class ForeignButtonCog(commands.Cog):
    """Answers components whose custom_id is not in reelbot's format."""

    def __init__(self, bot: ReelBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type not in _ANSWERED_TYPES:
            return
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        cid = str(data.get("custom_id", ""))
        if is_ours(cid):
            return
        log.info("refusing a button in a foreign format from user %s", interaction.user.id)
        await reply(interaction, render("button.invalid", locale_of(interaction)))


async def setup(bot: ReelBot) -> None:
    await bot.add_cog(ForeignButtonCog(bot))
