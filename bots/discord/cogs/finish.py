"""The "Finish for Shorts" buttons: under a clip (``reelbot:finish:<clip>``) and under a
storyboard draft (``reelbot:sbfinish:<board>``).

A click queues one ``finish`` worker task (:mod:`reelbot.app.finish`) — nothing is rendered in
this process — after posting a status message the worker's progress edits; the finished
file is posted replying to it (:mod:`reelbot.bots.discord.finished`). The click guard's key
makes a double click one task.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from reelbot.app.finish import FinishOptions, finish_clip, finish_draft
from reelbot.bots.discord.components import button_handler
from reelbot.bots.discord.jobs import origin_for, status_channel
from reelbot.bots.discord.replies import reply
from reelbot.domain.messages import render
from reelbot.domain.types import Origin, Platform, short_id

if TYPE_CHECKING:
    from reelbot.app.tasks import TaskTicket
    from reelbot.bots.discord.bot import ReelBot

log = logging.getLogger(__name__)

Submit = Callable[[Origin, str], Awaitable["TaskTicket"]]


async def _start(
    interaction: discord.Interaction, action: str, target: uuid.UUID, status_text: str, submit: Submit
) -> None:
    """Status message first (its id goes into the origin), then the task; the person hears
    privately that it is queued. A refusal removes the status message again."""
    bot: ReelBot = interaction.client  # type: ignore[assignment]
    origin = origin_for(interaction)
    key = await bot.service.click_idempotency_key(
        platform=Platform.DISCORD.value,
        user_id=origin.user_id,
        action=action,
        target=str(target),
        interaction_id=str(interaction.id),
        window_s=bot.config.click_window_s,
    )
    channel = status_channel(interaction)
    mentions = discord.AllowedMentions.none()
    message = interaction.message
    reference = message.to_reference(fail_if_not_exists=False) if message is not None else None
    status = await channel.send(
        status_text, allowed_mentions=mentions, reference=reference, mention_author=False
    )  # type: ignore[arg-type]
    try:
        ticket = await submit(origin.model_copy(update={"message_id": str(status.id)}), key)
    except BaseException:
        await _delete_quietly(status)
        raise
    locale = origin.locale
    if ticket.duplicate:
        await _delete_quietly(status)
        await reply(interaction, render("submit.duplicate", locale, job_id=short_id(ticket.task_id)))
        return
    log.info("finish task %s queued from interaction %s", ticket.task_id, interaction.id)
    await reply(interaction, render("submit.accepted", locale, job_id=short_id(ticket.task_id)))


async def _delete_quietly(message: discord.Message) -> None:
    try:
        await message.delete()
    except discord.HTTPException:
        log.info("could not delete status message %s", message.id)


Finisher = Callable[..., Awaitable["TaskTicket"]]


async def _on_click(
    interaction: discord.Interaction,
    action: str,
    target: uuid.UUID,
    text_key: str,
    id_field: str,
    finisher: Finisher,
) -> None:
    """The one body of both buttons: they differ only in the action name, the status text
    and which app function queues the task (a clip's or a draft's finish)."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    service = interaction.client.service  # type: ignore[attr-defined]
    options = FinishOptions()
    fields = {id_field: short_id(target), "fps": options.fps}
    text = render(text_key, origin_for(interaction).locale, **fields)

    async def submit(origin: Origin, key: str) -> TaskTicket:
        return await finisher(service, target, origin, idempotency_key=key, options=options)

    await _start(interaction, action, target, text, submit)


@button_handler("finish")
async def on_finish(interaction: discord.Interaction, clip_id: uuid.UUID) -> None:
    await _on_click(interaction, "finish", clip_id, "finish.queued_clip", "clip_id", finish_clip)


@button_handler("sbfinish")
async def on_finish_draft(interaction: discord.Interaction, board_id: uuid.UUID) -> None:
    await _on_click(interaction, "sbfinish", board_id, "finish.queued_draft", "board_id", finish_draft)


class FinishCog(commands.Cog):
    """Holds nothing: the handlers above are registered by name when this module loads."""

    def __init__(self, bot: ReelBot) -> None:
        self.bot = bot


async def setup(bot: ReelBot) -> None:
    await bot.add_cog(FinishCog(bot))
