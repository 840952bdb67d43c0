"""Consent buttons for face references, and /usage (issue 8).

A job whose reference image shows a face is stored ``awaiting_consent``; the uploader gets an
ephemeral question with two persistent buttons, ``reelbot:consent:<job>`` and
``reelbot:decline:<job>`` (a storyboard asks once for all its shots: ``reelbot:sbconsent:<board>``
/ ``reelbot:sbdecline:<board>``). They are handled like every other reelbot button (the
:class:`ReelButton` dynamic item), so they work after a restart. The service decides who may
answer: anyone but the uploader gets ``consent.not_yours`` and nothing is queued. After a
confirmation the service publishes ``queued`` and the status message goes on as usual.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from reelbot.app.safety.quotas import usage_text
from reelbot.bots.discord.components import button_handler
from reelbot.bots.discord.jobs import origin_for
from reelbot.bots.discord.replies import guarded, locale_of, reply
from reelbot.domain.messages import render
from reelbot.domain.types import short_id

if TYPE_CHECKING:
    from reelbot.bots.discord.bot import ReelBot


def _bot(interaction: discord.Interaction) -> ReelBot:
    return interaction.client  # type: ignore[return-value]


@button_handler("consent")
async def on_consent(interaction: discord.Interaction, job_id: uuid.UUID) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    ticket = await _bot(interaction).service.confirm_consent(job_id, by=origin_for(interaction))
    locale = locale_of(interaction)
    text = render("consent.confirmed", locale, job_id=short_id(job_id))
    if ticket.notice_key:
        text += "\n" + render(ticket.notice_key, locale)
    await reply(interaction, text)


@button_handler("decline")
async def on_decline(interaction: discord.Interaction, job_id: uuid.UUID) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    await _bot(interaction).service.decline_consent(job_id, by=origin_for(interaction))
    await reply(interaction, render("consent.declined", locale_of(interaction), job_id=short_id(job_id)))


@button_handler("sbconsent")
async def on_board_consent(interaction: discord.Interaction, board_id: uuid.UUID) -> None:
    from reelbot.app.storyboards import confirm_consent

    await interaction.response.defer(ephemeral=True, thinking=True)
    tickets = await confirm_consent(_bot(interaction).service, board_id, by=origin_for(interaction))
    await reply(
        interaction, render("discord.storyboard_consent_given", locale_of(interaction), count=len(tickets))
    )


@button_handler("sbdecline")
async def on_board_decline(interaction: discord.Interaction, board_id: uuid.UUID) -> None:
    from reelbot.app.storyboards import decline_consent

    await interaction.response.defer(ephemeral=True, thinking=True)
    count = await decline_consent(_bot(interaction).service, board_id, by=origin_for(interaction))
    await reply(
        interaction,
        render(
            "discord.storyboard_consent_declined",
            locale_of(interaction),
            board_id=short_id(board_id),
            count=count,
        ),
    )


class SafetyCog(commands.Cog):
    def __init__(self, bot: ReelBot) -> None:
        self.bot = bot

    @app_commands.command(name="usage", description=_("Your GPU use and what a clip costs", key="cmd.usage"))
    async def usage(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with guarded(interaction, "/usage"):
            usages = await self.bot.service.usage(origin_for(interaction))
            await reply(interaction, usage_text(usages, locale_of(interaction)))


async def setup(bot: ReelBot) -> None:
    await bot.add_cog(SafetyCog(bot))
