"""``/finish … music:"<description>"``: compose a track on a worker, then finish with it.

Why two steps and a Redis record: a music model wants the GPU like a clip does, so the
description becomes a ``music`` task (:func:`reelbot.app.music.submit_music`: moderation,
quota, no-engine and length refusals queue nothing) and the finish can only be queued once
that track exists. What the person asked for (the clip or draft and the other options) waits
in Redis under the music task's id, with a TTL; when the delivery loop sees that task
``done`` it queues the finish with ``audio="music"`` and the task's
:func:`~reelbot.domain.tasks.music_key` — the idempotency key is derived from the music
task's id, so a retried or repeated ``done`` is one finish — and the finished Short is then
delivered like any other (:mod:`reelbot.bots.discord.finished`). A failed or cancelled music
task is told in the channel and queues nothing.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

import discord
from pydantic import BaseModel

from reelbot.app.finish import FinishOptions, finish_clip, finish_draft
from reelbot.app.music import music_seconds_for, submit_music
from reelbot.bots.common.status import failure_reason
from reelbot.bots.discord.finish_inputs import CLIP, Target
from reelbot.bots.discord.jobs import origin_for
from reelbot.bots.discord.replies import reply
from reelbot.domain.errors import InvalidRequest, ReelbotError
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.messages import render
from reelbot.domain.tasks import music_key
from reelbot.domain.types import Platform, short_id

if TYPE_CHECKING:
    from reelbot.bots.discord.bot import ReelBot

log = logging.getLogger(__name__)

#: How long a pending finish waits for its music (a queued music task may wait behind clips).
PENDING_TTL_S = 24 * 3600
TERMINAL = (EventKind.DONE, EventKind.FAILED, EventKind.CANCELLED)


class PendingFinish(BaseModel):
    """The finish a music task is composing for: what to finish and the person's options."""

    action: str
    target_id: uuid.UUID
    options: FinishOptions


def pending_key(bot: ReelBot, task_id: uuid.UUID) -> str:
    return bot.service.platform_key(Platform.DISCORD, "music-finish", str(task_id))


async def target_seconds(bot: ReelBot, target: Target) -> float:
    """The clip's length, or the draft's, within a music task's bounds."""
    if target.action == CLIP:
        seconds = (await bot.service.clip(target.id)).duration_s
    else:
        from reelbot.app.storyboards.state import load_board

        draft = (await load_board(bot.service, target.id)).draft
        seconds = draft.seconds if draft is not None else 0.0
    return music_seconds_for(seconds)


async def compose(
    interaction: discord.Interaction, target: Target, options: FinishOptions, description: str, lyrics: str
) -> None:
    """Queue the music task and remember the finish it is for; refusals raise, storing nothing.

    The finish is noted under the task's id *before* the task is queued: a worker may finish
    a short track before this coroutine runs again, and its done event must find the note.
    """
    bot: ReelBot = interaction.client  # type: ignore[assignment]
    origin = origin_for(interaction)
    seconds = await target_seconds(bot, target)
    task_id = uuid.uuid4()
    key = pending_key(bot, task_id)
    pending = PendingFinish(action=target.action, target_id=target.id, options=options)
    await bot.service.redis.set(key, pending.model_dump_json(), ex=PENDING_TTL_S)
    try:
        ticket = await submit_music(
            bot.service,
            origin,
            description,
            seconds=seconds,
            lyrics=lyrics,
            idempotency_key=f"discord:interaction:{interaction.id}",
            task_id=task_id,
        )
    except InvalidRequest as exc:  # the storyboard's wording names a storyboard file
        await bot.service.redis.delete(key)
        if exc.key != "storyboard.music_model_missing":
            raise
        raise InvalidRequest("discord.finish_music_off") from None
    except BaseException:
        await bot.service.redis.delete(key)
        raise
    if ticket.duplicate:  # the first click's task (and its note) stand; this note is not needed
        await bot.service.redis.delete(key)
        await reply(interaction, render("submit.duplicate", origin.locale, job_id=short_id(ticket.task_id)))
        return
    log.info("music task %s queued for a finish of %s", ticket.task_id, target.id)
    job_id, length = short_id(ticket.task_id), f"{seconds:g}"
    text = render("discord.finish_music_composing", origin.locale, job_id=job_id, seconds=length)
    await reply(interaction, text)


async def handle_music(bot: ReelBot, items: list[tuple[str, JobEvent]]) -> bool:
    """A music task's events; True when they may be acknowledged. Only an outcome of a task
    ``/finish`` asked for does anything (LINE's and the CLI's music go their own ways)."""
    terminal = next((event for _, event in items if event.kind in TERMINAL), None)
    if terminal is None:
        return True
    key = pending_key(bot, terminal.job_id)
    raw = await bot.service.redis.get(key)
    if raw is None:
        return True
    pending = PendingFinish.model_validate_json(raw)
    locale = terminal.origin.locale
    try:
        if terminal.kind is EventKind.DONE:
            await _queue_finish(bot, terminal, pending)
        else:
            reason = failure_reason(terminal.error_key, terminal.error_detail, str(terminal.job_id), locale)
            await _say(bot, terminal, render("discord.finish_music_failed", locale, reason=reason))
    except discord.Forbidden:
        log.warning("no access to channel %s; dropping music task %s", terminal.origin.channel_id, pending)
    except (discord.HTTPException, OSError, TimeoutError) as exc:
        log.warning("music task %s: telling the channel failed: %s", terminal.job_id, exc)
        return False
    await bot.service.redis.delete(key)
    return True


def _channel(bot: ReelBot, event: JobEvent) -> discord.PartialMessageable | None:
    origin = event.origin
    if not origin.channel_id:
        return None
    guild_id = int(origin.guild_id) if origin.guild_id else None
    return bot.get_partial_messageable(int(origin.channel_id), guild_id=guild_id)


async def _say(bot: ReelBot, event: JobEvent, text: str) -> discord.Message | None:
    channel = _channel(bot, event)
    if channel is None:
        return None
    return await channel.send(text, allowed_mentions=discord.AllowedMentions.none())


async def _queue_finish(bot: ReelBot, event: JobEvent, pending: PendingFinish) -> None:
    """Status message first (the worker's progress edits it), then the finish, keyed by the
    music task so a second ``done`` is the same task (its extra status message goes again)."""
    locale = event.origin.locale
    clip = pending.action == CLIP
    text_key, field = ("finish.queued_clip", "clip_id") if clip else ("finish.queued_draft", "board_id")
    options = pending.options.model_copy(update={"audio": "music", "audio_key": music_key(event.job_id)})
    queued = render(text_key, locale, **{field: short_id(pending.target_id), "fps": options.fps})
    status = await _say(bot, event, f"{render('discord.finish_music_ready', locale)}\n{queued}")
    origin = event.origin.model_copy(update={"message_id": str(status.id) if status else None})
    finisher = finish_clip if clip else finish_draft
    try:
        ticket = await finisher(
            bot.service,
            pending.target_id,
            origin,
            idempotency_key=f"discord:music-finish:{event.job_id}",
            options=options,
        )
    except ReelbotError as exc:  # the clip went, the quota filled up meanwhile: say why
        if status is not None:
            await status.edit(content=exc.render(locale), allowed_mentions=discord.AllowedMentions.none())
        return
    if ticket.duplicate and status is not None:
        await status.delete()
    log.info("finish task %s queued with music task %s's track", ticket.task_id, event.job_id)
