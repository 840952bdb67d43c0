"""Finish for Shorts: the buttons under a clip (``reelbot:finish:<clip>``) and under a
storyboard draft (``reelbot:sbfinish:<board>``), and ``/finish`` with the choices a click
cannot carry (the person's own track or music composed from a description, mix or replace,
a caption, burned in or not, 24/30 fps).

Each queues one ``finish`` worker task (:mod:`reelbot.app.finish`) — nothing is rendered in
this process — after posting a status message the worker's progress edits; the finished
file is posted replying to it (:mod:`reelbot.bots.discord.finished`). The click guard's key
makes a double click one task; ``/finish`` uses its interaction id. ``/finish`` refuses bad
input (a caption too long, a track that is not audio, empty or too long) privately, before
the status message, the media store or the queue see anything; the person's track is stored
by the finish itself, after the quota (a refusal there stores nothing either).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands
from pydantic import ValidationError

from reelbot.app.finish import FinishOptions, finish_clip, finish_draft
from reelbot.app.finish_tracks import CheckedTrack
from reelbot.bots.discord.components import button_handler
from reelbot.bots.discord.finish_inputs import CLIP, DRAFT, Target, checked_track, queued_text, resolve_target
from reelbot.bots.discord.finish_music import compose
from reelbot.bots.discord.jobs import origin_for, status_channel
from reelbot.bots.discord.replies import guarded, reply
from reelbot.domain.errors import InvalidRequest, NotFound
from reelbot.domain.finish_config import check_caption
from reelbot.domain.messages import render
from reelbot.domain.types import Origin, Platform, short_id

if TYPE_CHECKING:
    from reelbot.app.tasks import TaskTicket
    from reelbot.bots.discord.bot import ReelBot

log = logging.getLogger(__name__)

Submit = Callable[[Origin, str], Awaitable["TaskTicket"]]


async def _start(interaction: discord.Interaction, key: str, status_text: str, submit: Submit) -> None:
    """Status message first (its id goes into the origin), then the task; the person hears
    privately that it is queued. A refusal removes the status message again."""
    origin = origin_for(interaction)
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
    bot: ReelBot = interaction.client  # type: ignore[assignment]
    if bot.delivery is not None:  # the task's Cancel button under the status message
        bot.delivery.finishes.offer_cancel(status, ticket.task_id, locale)
    await reply(interaction, render("submit.accepted", locale, job_id=short_id(ticket.task_id)))


async def _delete_quietly(message: discord.Message) -> None:
    try:
        await message.delete()
    except discord.HTTPException:
        log.info("could not delete status message %s", message.id)


async def _on_click(interaction: discord.Interaction, action: str, target: uuid.UUID) -> None:
    """The one body of both buttons: a clip's Finish (``CLIP``) or a draft's (``DRAFT``),
    with the defaults (a draft keeps its storyboard file's size, frame rate and audio mode)."""
    await interaction.response.defer(ephemeral=True, thinking=True)
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
    options = FinishOptions()
    finisher = finish_clip if action == CLIP else finish_draft
    text = await queued_text(bot.service, action, target, options, origin.locale)

    async def submit(origin: Origin, key: str) -> TaskTicket:
        return await finisher(bot.service, target, origin, idempotency_key=key, options=options)

    await _start(interaction, key, text, submit)


@button_handler(CLIP)
async def on_finish(interaction: discord.Interaction, clip_id: uuid.UUID) -> None:
    await _on_click(interaction, CLIP, clip_id)


@button_handler(DRAFT)
async def on_finish_draft(interaction: discord.Interaction, board_id: uuid.UUID) -> None:
    await _on_click(interaction, DRAFT, board_id)


async def _check_target(bot: ReelBot, target: Target) -> None:
    """A deleted clip or a board without a draft is refused before a track is stored."""
    if target.action == CLIP:
        clip = await bot.service.clip(target.id)
        if clip.deleted or not clip.video_key:
            raise NotFound("clip.not_found")
        return
    from reelbot.app.storyboards.state import load_board

    board = await load_board(bot.service, target.id)
    if board.draft is None:
        raise InvalidRequest("storyboard.no_draft", board_id=short_id(target.id))


class FinishCog(commands.Cog):
    """``/finish``; the buttons' handlers above are registered by name when this module loads."""

    def __init__(self, bot: ReelBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="finish",
        description=_("Finish a clip or a storyboard draft for YouTube Shorts (1080×1920)", key="cmd.finish"),
    )
    @app_commands.describe(
        clip=_("Clip id, or a link to the clip's message", key="cmd.finish.clip"),
        board=_("Storyboard id, or a link to its draft's message", key="cmd.finish.board"),
        audio=_("Your own music or sound (mp3, m4a, wav or ogg)", key="cmd.finish.audio"),
        audio_mode=_(
            "With the clip's own sound: mix the track in or replace it", key="cmd.finish.audio_mode"
        ),
        caption=_("A caption over the whole video", key="cmd.finish.caption"),
        burn=_("Burn the caption into the picture (else a .srt file only)", key="cmd.finish.burn"),
        fps=_("Frames per second", key="cmd.finish.fps"),
        music=_("Music composed for it from a description (instead of audio)", key="cmd.finish.music"),
        lyrics=_("Words for the composed music to sing (with music)", key="cmd.finish.lyrics"),
    )
    @app_commands.choices(
        audio_mode=[
            app_commands.Choice(name=_("mix with the clip's sound", key="choice.finish.mix"), value="mix"),
            app_commands.Choice(
                name=_("replace the clip's sound", key="choice.finish.replace"), value="replace"
            ),
        ],
    )
    @app_commands.choices(
        fps=[
            app_commands.Choice(name=_("24 fps (film)", key="choice.finish.fps24"), value=24),
            app_commands.Choice(name=_("30 fps (smooth)", key="choice.finish.fps30"), value=30),
        ],
    )
    @app_commands.guild_only()
    async def finish(
        self,
        interaction: discord.Interaction,
        clip: str | None = None,
        board: str | None = None,
        audio: discord.Attachment | None = None,
        audio_mode: str | None = None,
        caption: str | None = None,
        burn: bool = False,
        fps: int | None = None,
        music: str | None = None,
        lyrics: str | None = None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with guarded(interaction, "/finish"):
            if audio is not None and music:
                raise InvalidRequest("discord.finish_music_and_audio")
            target = await resolve_target(interaction, clip, board)
            if caption:
                caption = check_caption(caption, self.bot.settings.finish)
            try:  # a client that sent a value the choices never offered
                options = FinishOptions(audio_mode=audio_mode, caption=caption or None, burn=burn, fps=fps)  # type: ignore[arg-type]
            except ValidationError:
                raise InvalidRequest(
                    "discord.option_invalid",
                    option="audio_mode/fps",
                    value=f"{audio_mode}/{fps}",
                    choices="mix, replace / 24, 30",
                ) from None
            await _check_target(self.bot, target)
            if music:  # the finish waits for the track (bots/discord/finish_music.py)
                await compose(interaction, target, options, music, lyrics or "")
                return
            track = await checked_track(self.bot, audio) if audio is not None else None
            await self._queue(interaction, target, options, track)

    async def _queue(
        self,
        interaction: discord.Interaction,
        target: Target,
        options: FinishOptions,
        track: CheckedTrack | None,
    ) -> None:
        """The checked request as a task, through the same status-first path as the buttons;
        ``track`` is stored by the finish once nothing refuses it."""
        clip = target.action == CLIP
        finisher = finish_clip if clip else finish_draft
        text = await queued_text(
            self.bot.service, target.action, target.id, options, origin_for(interaction).locale
        )

        async def submit(origin: Origin, key: str) -> TaskTicket:
            return await finisher(
                self.bot.service, target.id, origin, idempotency_key=key, options=options, track=track
            )

        await _start(interaction, f"discord:interaction:{interaction.id}", text, submit)


async def setup(bot: ReelBot) -> None:
    await bot.add_cog(FinishCog(bot))
