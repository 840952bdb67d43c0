"""A finish waiting on something: a note in Redis, then the finish queued once it is due.

Why one module: a Short is finished after something else is done in two ways — ``/finish …
music:`` waits for its ``music`` task (:mod:`reelbot.bots.discord.finish_music`), and
``/video`` / ``/storyboard`` with a soundtrack wait for the clip or the draft itself
(:mod:`reelbot.bots.discord.after_render`). Both write what the person asked for (a
:class:`PendingFinish`) *before* the awaited work is queued — a fast worker must not finish
before the note exists — under a key the awaited work's done event leads back to, with a
TTL so an abandoned note goes by itself. When it is due, :func:`queue_finish` posts the
status message the worker's progress edits and queues the finish under an idempotency key
derived from what was awaited, so a repeated ``done`` is still one finish. Composing music
for a note (:func:`start_music`) is shared too: the music task's id is chosen first and the
note for its track is written under it. A note from ``/video`` or ``/storyboard`` carries the
plan's *holds* (:class:`~reelbot.app.plan_holds.TaskHold`: the finish's and music's quota
shares, reserved at the up-front plan check): writing the note ties them to its key, each
task is queued under its hold's id (the hold becomes its reservation), and dropping the note
gives back what no task took over.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import discord
from pydantic import BaseModel

from reelbot.app.finish import FinishOptions, finish_clip, finish_draft
from reelbot.app.music import submit_music
from reelbot.app.plan_holds import TaskHold, hold_for, release_holds, tag_holds
from reelbot.bots.discord.finish_inputs import CLIP, queued_text
from reelbot.domain.errors import InvalidRequest, ReelbotError
from reelbot.domain.tasks import FINISH, MUSIC
from reelbot.domain.types import Origin, Platform

if TYPE_CHECKING:
    from reelbot.app.tasks import TaskTicket
    from reelbot.bots.discord.bot import ReelBot

log = logging.getLogger(__name__)

#: How long a note waits (a queued clip or music task may wait behind others for hours).
PENDING_TTL_S = 24 * 3600
MUSIC_FINISH = "music-finish"  # the note's kind while a music task composes its track
T = TypeVar("T")


class PendingFinish(BaseModel):
    """What to finish and how, as the person asked for it.

    ``target_id`` is None while the target does not exist yet (the clip a /video job is
    rendering); ``music`` (+ ``lyrics``) is a soundtrack still to be composed for it;
    ``holds``: the quota the plan check held for its music and finish.
    """

    action: str
    target_id: uuid.UUID | None = None
    options: FinishOptions
    music: str | None = None
    lyrics: str = ""
    holds: tuple[TaskHold, ...] = ()


def pending_key(bot: ReelBot, kind: str, ref: str) -> str:
    """The note's Redis key: Discord's namespace, the kind of wait, what is awaited."""
    return bot.service.platform_key(Platform.DISCORD, kind, ref)


async def write(bot: ReelBot, key: str, pending: PendingFinish) -> None:
    """The note, with its holds tied to its key (kept by the settle sweep while it lives)."""
    await bot.service.redis.set(key, pending.model_dump_json(), ex=PENDING_TTL_S)
    await tag_holds(bot.service, pending.holds, key)


async def read(bot: ReelBot, key: str) -> PendingFinish | None:
    raw = await bot.service.redis.get(key)
    return PendingFinish.model_validate_json(raw) if raw is not None else None


async def drop(bot: ReelBot, key: str) -> None:
    """The note goes, and the holds tied to it that no queued task took over."""
    pending = await read(bot, key)
    await bot.service.redis.delete(key)
    if pending is not None:
        await release_holds(bot.service, pending.holds, key)


@contextlib.asynccontextmanager
async def noted(bot: ReelBot, key: str, pending: PendingFinish) -> AsyncIterator[None]:
    """The note is written on entry; a refusal (any exception) inside removes it again."""
    await write(bot, key, pending)
    try:
        yield
    except BaseException:
        await drop(bot, key)
        raise


async def with_note(
    bot: ReelBot, key: str | None, pending: PendingFinish | None, submit: Callable[[], Awaitable[T]]
) -> T:
    """``submit()`` with ``pending`` noted under ``key`` first (no note when either is None):
    a refusal removes the note again, and so does a duplicate (a result whose ``duplicate``
    is true: the first request's note stands under its own key)."""
    if key is None or pending is None:
        return await submit()
    async with noted(bot, key, pending):
        result = await submit()
    if getattr(result, "duplicate", False):
        await drop(bot, key)
    return result


async def start_music(
    bot: ReelBot,
    origin: Origin,
    pending: PendingFinish,
    *,
    seconds: float,
    idempotency_key: str,
) -> TaskTicket:
    """Queue the note's music task, the finish noted under the task's id first (moderation,
    quota and length refusals raise and leave no note; a duplicate's note goes too)."""
    assert pending.music is not None and pending.target_id is not None
    task_id = hold_for(pending.holds, MUSIC) or uuid.uuid4()
    key = pending_key(bot, MUSIC_FINISH, str(task_id))
    waiting = pending.model_copy(update={"music": None, "lyrics": ""})
    async with noted(bot, key, waiting):
        try:
            ticket = await submit_music(
                bot.service,
                origin,
                pending.music,
                seconds=seconds,
                lyrics=pending.lyrics,
                idempotency_key=idempotency_key,
                task_id=task_id,
            )
        except InvalidRequest as exc:  # the storyboard's wording names a storyboard file
            if exc.key != "storyboard.music_model_missing":
                raise
            raise InvalidRequest("discord.finish_music_off") from None
    if ticket.duplicate and ticket.task_id != task_id:  # the first request's task and note stand
        await drop(bot, key)  # (under the plan's music hold both are that one task's: kept)
    return ticket


def channel_of(bot: ReelBot, origin: Origin) -> discord.PartialMessageable | None:
    if not origin.channel_id:
        return None
    guild_id = int(origin.guild_id) if origin.guild_id else None
    return bot.get_partial_messageable(int(origin.channel_id), guild_id=guild_id)


async def say(
    bot: ReelBot, origin: Origin, text: str, *, reply_to: str | None = None
) -> discord.Message | None:
    """Post ``text`` where ``origin`` points (replying to message ``reply_to`` if given)."""
    channel = channel_of(bot, origin)
    if channel is None:
        return None
    mentions = discord.AllowedMentions.none()
    if reply_to is None:
        return await channel.send(text, allowed_mentions=mentions)
    reference = channel.get_partial_message(int(reply_to)).to_reference(fail_if_not_exists=False)
    return await channel.send(text, allowed_mentions=mentions, reference=reference, mention_author=False)


async def queue_finish(
    bot: ReelBot,
    origin: Origin,
    pending: PendingFinish,
    *,
    idempotency_key: str,
    lead: str,
    reply_to: str | None = None,
) -> TaskTicket | None:
    """Status message first (``lead`` above the queued line; the worker's progress edits it),
    then the finish. A refusal now (the clip went, the quota filled up) is said in the status
    message; a duplicate (the same ``idempotency_key`` again) removes its extra message."""
    assert pending.target_id is not None
    locale = origin.locale
    clip = pending.action == CLIP
    queued = await queued_text(bot.service, pending.action, pending.target_id, pending.options, locale)
    status = await say(bot, origin, f"{lead}\n{queued}", reply_to=reply_to)
    task_origin = origin.model_copy(update={"message_id": str(status.id) if status else None})
    finisher = finish_clip if clip else finish_draft
    try:
        ticket = await finisher(
            bot.service,
            pending.target_id,
            task_origin,
            idempotency_key=idempotency_key,
            options=pending.options,
            task_id=hold_for(pending.holds, FINISH),
        )
    except ReelbotError as exc:
        if status is not None:
            await status.edit(content=exc.render(locale), allowed_mentions=discord.AllowedMentions.none())
        return None
    if ticket.duplicate and status is not None:
        await status.delete()
    elif status is not None and bot.delivery is not None:  # the task's Cancel button under it
        bot.delivery.finishes.offer_cancel(status, ticket.task_id, locale)
    log.info("finish task %s queued (%s)", ticket.task_id, idempotency_key)
    return ticket
