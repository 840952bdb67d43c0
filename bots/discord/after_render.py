"""``/video`` and ``/storyboard`` with a soundtrack: the clip or draft is finished once it exists.

Why here: issue 14 lets a creator attach their own track (or ask for ``music``, a caption,
mix or replace) to the command that makes the video, instead of a second ``/finish`` later.
Everything is checked *up front*, before the status message or the job: the track goes
through :func:`reelbot.app.finish_tracks.check_track` (not audio, 0 s, too long, too big), music
with a track is refused, a music description is moderated as ``/finish … music:`` does
(the music task's own checks, then its moderation), a caption is held to its limit — one message, and
nothing queued. Then the finish is noted (:mod:`reelbot.bots.discord.pending_finish`)
before the job is queued, keyed by the request's status message: the job's id is chosen
inside the service, but the status message is posted before the submit and travels in
every event's origin, so the done event leads straight back to the note (one status
message per request). When the delivery loop has posted the clip (:func:`on_clip_outcome`)
or the draft (:func:`on_draft`), the finish is queued under an idempotency key derived from
the job id (the board id), so a redelivered ``done`` is one finish; with ``music`` the track
is composed first for the video's length and finished by the music path. A failed or
cancelled job drops the note. A storyboard's note survives a failed shot (it can be
re-rolled) and is used by the first draft posted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from pydantic import ValidationError

from reelbot.app.finish import FinishOptions
from reelbot.app.finish_plan import plan_for
from reelbot.app.finish_tracks import KeptTrack, keep_track, take_back_track
from reelbot.app.music import check_description, music_seconds_for
from reelbot.app.plan_holds import release_holds
from reelbot.app.task_costs import PlanCost
from reelbot.bots.discord.finish_inputs import CLIP, checked_track
from reelbot.bots.discord.pending_finish import PendingFinish, drop, queue_finish, read, say, start_music
from reelbot.bots.discord.pending_finish import pending_key as _pending_key
from reelbot.domain.errors import InvalidRequest, NotFound, ReelbotError
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.finish_config import check_caption
from reelbot.domain.messages import render
from reelbot.domain.types import GenerationRequest, Origin, short_id

if TYPE_CHECKING:
    from reelbot.app.storyboards import BoardStatus, Draft
    from reelbot.bots.discord.bot import ReelBot
    from reelbot.domain.finish_config import FinishSettings

log = logging.getLogger(__name__)

AFTER_RENDER = "after-render"  # the note's kind: a finish waiting for a clip or a draft


@dataclass(frozen=True)
class Extras:
    """The checked finish options of one request, and the track kept for it."""

    pending: PendingFinish
    track: KeptTrack | None = None
    more: tuple[str, ...] = ()  # text keys a storyboard file adds (its shot captions, beat snap)
    size: tuple[int, int] | None = None  # a storyboard file's own ``finish.size``

    def planned(self, cost: PlanCost) -> Extras:
        """These extras with the quota the plan check held for them (noted with the finish)."""
        return replace(self, pending=self.pending.model_copy(update={"holds": cost.holds}))

    def ack(self, locale: str | None, fin: FinishSettings, *, board: bool = False) -> str:
        """The line the acknowledgement adds: what will be done once the video exists, planned
        by the finish's one rule (:func:`plan_for`), at the file's own size where it gives one."""
        options, parts = self.pending.options, [render(key, locale) for key in self.more]
        plan = plan_for(fin, options)
        if options.audio == "upload":
            parts.append(render(f"discord.after_with_track_{plan.audio_mode}", locale))
        if self.pending.music:
            parts.append(render("discord.after_with_music", locale))
        if options.caption:
            parts.append(render("discord.after_with_caption", locale))
        extras = "".join(render("discord.after_sep", locale) + part for part in parts)
        key = "discord.after_ack_board" if board else "discord.after_ack_clip"
        width, height = self.size or (plan.width, plan.height)
        return render(key, locale, width=width, height=height, fps=plan.fps, extras=extras)


AUDIO_MODES = [
    app_commands.Choice(name=_("mix with the clip's sound", key="choice.finish.mix"), value="mix"),
    app_commands.Choice(name=_("replace the clip's sound", key="choice.finish.replace"), value="replace"),
]


@dataclass(frozen=True)
class Soundtrack:
    """The finish options of /video and /storyboard as typed; checked by :func:`check_extras`."""

    audio: discord.Attachment | None = None
    audio_mode: str | None = None
    caption: str | None = None
    music: str | None = None
    lyrics: str | None = None

    @property
    def asks_for_finish(self) -> bool:
        """Whether any option asks for a Short — an ``audio_mode`` given at all does; without
        one, :func:`check_extras` notes no finish (the one statement of this condition)."""
        return (
            self.audio is not None
            or self.audio_mode is not None
            or bool(self.music or self.caption or self.lyrics)
        )

    async def checked(self, bot: ReelBot, origin: Origin, action: str = CLIP) -> Extras | None:
        return await check_extras(bot, origin, action, self)


def note_key(bot: ReelBot, origin: Origin) -> str | None:
    """The note's key for the request whose status message ``origin`` names (None: no message)."""
    if not origin.channel_id or not origin.message_id:
        return None
    return _pending_key(bot, AFTER_RENDER, f"{origin.channel_id}:{origin.message_id}")


async def check_extras(bot: ReelBot, origin: Origin, action: str, typed: Soundtrack) -> Extras | None:
    """The finish a request asks for, every part checked (the track stored last); None
    when it asks for none. Refusals raise :class:`InvalidRequest` with nothing stored."""
    if not typed.asks_for_finish:
        return None
    audio, caption, music, lyrics = typed.audio, typed.caption, typed.music, typed.lyrics
    if audio is not None and music:
        raise InvalidRequest("discord.finish_music_and_audio")
    if lyrics and not music:
        raise InvalidRequest("discord.after_lyrics_without_music")
    caption = check_caption(caption, bot.settings.finish) if caption else None
    # not chosen (nor by a storyboard file, merged into ``typed``): the server's, by the one rule
    mode = typed.audio_mode or plan_for(bot.settings.finish, FinishOptions()).audio_mode
    try:  # a client that sent a value the choices never offered
        options = FinishOptions(audio_mode=mode, caption=caption or None)  # type: ignore[arg-type]
    except ValidationError:
        raise InvalidRequest(
            "discord.option_invalid", option="audio_mode", value=mode, choices="mix, replace"
        ) from None
    if music:  # moderated now, as the music task will be; composed once the video exists
        try:
            music = check_description(bot.service, music, lyrics or "")
        except InvalidRequest as exc:  # the storyboard's wording names a storyboard file
            if exc.key != "storyboard.music_model_missing":
                raise
            raise InvalidRequest("discord.finish_music_off") from None
        prompt = f"{music}\n{lyrics}" if lyrics and lyrics.strip() else music
        await bot.service.safety.admit(GenerationRequest(prompt=prompt, origin=origin))
    pending = PendingFinish(action=action, options=options, music=music or None, lyrics=lyrics or "")
    if audio is None:
        return Extras(pending)
    kept = await _store(bot, audio)
    options = options.model_copy(update={"audio": "upload", "audio_key": kept.key})
    return Extras(pending.model_copy(update={"options": options}), track=kept)


async def _store(bot: ReelBot, audio: discord.Attachment) -> KeptTrack:
    """The track checked (probe), then kept for the finish after the render. Tracks are kept
    by content and shared: :func:`keep_track` stores it under the track's lease, and
    :func:`discard` takes back only a file this request wrote and no other finish has found
    since — so neither this note nor another finish's task loses the file it relies on."""
    return await keep_track(bot.service, await checked_track(bot, audio))


async def discard(bot: ReelBot, extras: Extras | None) -> None:
    """The request was refused after its track was stored or its plan held: take back the
    track it wrote (unless another finish found it since), give back the holds no note took
    (a written note's go with it: ``drop``)."""
    if extras is None:
        return
    if extras.track is not None:
        await take_back_track(bot.service, extras.track)
    await release_holds(bot.service, extras.pending.holds, None)


async def on_clip_outcome(bot: ReelBot, event: JobEvent) -> None:
    """After the delivery loop posted a job's outcome: its noted finish, if it has one."""
    key = note_key(bot, event.origin)
    if key is None:
        return
    pending = await read(bot, key)
    if pending is None or pending.action != CLIP:
        return
    if event.kind is EventKind.DONE and event.clip_id is not None:
        try:
            clip = await bot.service.clip(event.clip_id)
        except NotFound:  # deleted meanwhile: there is nothing left to finish
            clip = None
        if clip is not None and not clip.deleted:
            target = pending.model_copy(update={"target_id": clip.id})
            await _finish_after(bot, event.origin, target, ref=str(event.job_id), seconds=clip.duration_s)
    await drop(bot, key)


async def on_draft(bot: ReelBot, status: BoardStatus, draft: Draft) -> None:
    """After the board's draft was posted: its noted finish, if it has one (once per board)."""
    key = note_key(bot, status.origin)
    if key is None:
        return
    pending = await read(bot, key)
    if pending is None or pending.action == CLIP:
        return
    target = pending.model_copy(update={"target_id": draft.board_id})
    await _finish_after(bot, status.origin, target, ref=str(draft.board_id), seconds=draft.seconds)
    await drop(bot, key)


async def _finish_after(
    bot: ReelBot, origin: Origin, pending: PendingFinish, *, ref: str, seconds: float
) -> None:
    """The noted finish of ``ref`` (a job's or a board's id): music first if asked for."""
    locale = origin.locale
    try:
        if pending.music:
            await _compose(bot, origin, pending, ref=ref, seconds=music_seconds_for(seconds))
            return
        lead_key = "discord.after_lead_clip" if pending.action == CLIP else "discord.after_lead_draft"
        await queue_finish(
            bot,
            origin,
            pending,
            idempotency_key=f"discord:after-render:{ref}",
            lead=render(lead_key, locale),
            reply_to=origin.message_id,
        )
    except discord.Forbidden:
        log.warning("no access to channel %s; dropping the finish after %s", origin.channel_id, ref)


async def _compose(bot: ReelBot, origin: Origin, pending: PendingFinish, *, ref: str, seconds: float) -> None:
    """Queue the music for the video's length; its done event queues the finish
    (:mod:`reelbot.bots.discord.finish_music`). A refusal now is told in the channel."""
    locale = origin.locale
    try:
        ticket = await start_music(
            bot, origin, pending, seconds=seconds, idempotency_key=f"discord:after-music:{ref}"
        )
    except ReelbotError as exc:
        await say(bot, origin, render("discord.after_refused", locale, reason=exc.render(locale)))
        return
    if ticket.duplicate:
        return
    text = render("discord.after_composing", locale, job_id=short_id(ticket.task_id), seconds=f"{seconds:g}")
    await say(bot, origin, text, reply_to=origin.message_id)
