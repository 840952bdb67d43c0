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
task is told in the channel once (the note goes with it) and queues nothing; a cancel that
races the track's ``done`` still wins (the queue's cancel flag is checked). The note and the
finish it leads to are :mod:`reelbot.bots.discord.pending_finish`'s, shared with /video's and
/storyboard's own soundtracks.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from reelbot.app.finish import FinishOptions
from reelbot.app.music import music_seconds_for
from reelbot.bots.common.status import failure_reason
from reelbot.bots.discord.components import cancel_view
from reelbot.bots.discord.finish_inputs import CLIP, Target
from reelbot.bots.discord.jobs import origin_for
from reelbot.bots.discord.pending_finish import (
    MUSIC_FINISH,
    PendingFinish,
    drop,
    pending_key,
    queue_finish,
    read,
    say,
    start_music,
)
from reelbot.bots.discord.replies import reply
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.messages import render
from reelbot.domain.tasks import music_key
from reelbot.domain.types import short_id

if TYPE_CHECKING:
    from reelbot.bots.discord.bot import ReelBot

log = logging.getLogger(__name__)

TERMINAL = (EventKind.DONE, EventKind.FAILED, EventKind.CANCELLED)


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

    The finish is noted under the task's id *before* the task is queued
    (:func:`~reelbot.bots.discord.pending_finish.start_music`): a worker may finish a short
    track before this coroutine runs again, and its done event must find the note.
    """
    bot: ReelBot = interaction.client  # type: ignore[assignment]
    origin = origin_for(interaction)
    seconds = await target_seconds(bot, target)
    pending = PendingFinish(
        action=target.action, target_id=target.id, options=options, music=description, lyrics=lyrics
    )
    ticket = await start_music(
        bot, origin, pending, seconds=seconds, idempotency_key=f"discord:interaction:{interaction.id}"
    )
    if ticket.duplicate:
        await reply(interaction, render("submit.duplicate", origin.locale, job_id=short_id(ticket.task_id)))
        return
    log.info("music task %s queued for a finish of %s", ticket.task_id, target.id)
    job_id, length = short_id(ticket.task_id), f"{seconds:g}"
    text = render("discord.finish_music_composing", origin.locale, job_id=job_id, seconds=length)
    await reply(interaction, text, view=cancel_view([], origin.locale, task_ids=(ticket.task_id,)))


async def handle_music(bot: ReelBot, items: list[tuple[str, JobEvent]]) -> bool:
    """A music task's events; True when they may be acknowledged. Only an outcome of a task
    a Discord finish waits for does anything (LINE's and the CLI's music go their own ways)."""
    terminal = next((event for _, event in items if event.kind in TERMINAL), None)
    if terminal is None:
        return True
    key = pending_key(bot, MUSIC_FINISH, str(terminal.job_id))
    pending = await read(bot, key)
    if pending is None:
        return True
    locale = terminal.origin.locale
    try:
        # Cancelled — or done in a race with the person's cancel (the flag stays set): no finish.
        if terminal.kind is EventKind.CANCELLED or await bot.service.queue.is_cancelled(terminal.job_id):
            text = render("discord.finish_music_cancelled", locale, job_id=short_id(terminal.job_id))
            await say(bot, terminal.origin, text)
        elif terminal.kind is EventKind.DONE:
            await _queue_finish(bot, terminal, pending)
        else:
            reason = failure_reason(terminal.error_key, terminal.error_detail, str(terminal.job_id), locale)
            await say(bot, terminal.origin, render("discord.finish_music_failed", locale, reason=reason))
    except discord.Forbidden:
        log.warning("no access to channel %s; dropping music task %s", terminal.origin.channel_id, pending)
    except (discord.HTTPException, OSError, TimeoutError) as exc:
        log.warning("music task %s: telling the channel failed: %s", terminal.job_id, exc)
        return False
    await drop(bot, key)
    return True


async def _queue_finish(bot: ReelBot, event: JobEvent, pending: PendingFinish) -> None:
    """The finish with the composed track, keyed by the music task so a second ``done`` is
    the same task (its extra status message goes again)."""
    options = pending.options.model_copy(update={"audio": "music", "audio_key": music_key(event.job_id)})
    await queue_finish(
        bot,
        event.origin,
        pending.model_copy(update={"options": options}),
        idempotency_key=f"discord:music-finish:{event.job_id}",
        lead=render("discord.finish_music_ready", event.origin.locale),
    )
