"""What the next 「輸出成 Shorts」 adds: the person's own soundtrack and a caption.

Why waiting state and not options on the quick reply: a LINE quick reply carries only its
postback data, and a person sends the track (an audio message, or an mp3/m4a/… file) or
types ``字幕 <text>`` before tapping it. So both wait per chat and person in Redis (TTL),
like photos wait for their prompt. A track's bytes wait like a photo's too — staged on disk
under its LINE message id (bots/line/staging.py), *not* in the media store: the Finish hands
them to ``finish_clip`` / ``finish_draft``, which store them only after every refusal (the
quota among them), so a refused Finish or a track never used leaves nothing stored (the
staged copy is swept past its TTL by the bot's sweeper, as a photo is; a replica without
it downloads it from LINE again). The next Finish uses them — the track mixed with the
clip's own sound, the caption burned in and as an .srt — and clears them.

Everything a person can get wrong (a track too big, too long, empty or not audio at all, a
caption over the limit) is refused here with one message in their language, by the limits
of :mod:`reelbot.domain.audio_limits` (the app's and the worker's), and nothing is kept
waiting. Audio is taken in 1:1 chats only: in a group, voice messages are chatter.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from linebot.v3.webhooks import AudioMessageContent, Event, MessageEvent

from reelbot.app.finish import FinishOptions, finish_clip, finish_draft
from reelbot.app.finish_plan import finish_plan
from reelbot.app.finish_tracks import CheckedTrack, check_track
from reelbot.bots.common.status import shorten
from reelbot.bots.line.staging import PhotoStaging
from reelbot.bots.line.state import PendingTrack
from reelbot.domain.audio_limits import TRACK_EXTENSIONS, refuse_bad_audio, track_suffix
from reelbot.domain.audio_sniff import looks_like_audio
from reelbot.domain.errors import InvalidRequest, ReelbotError
from reelbot.domain.finish_config import check_caption
from reelbot.domain.messages import render
from reelbot.domain.types import short_id

if TYPE_CHECKING:
    import uuid

    from reelbot.bots.line.chat import Chat
    from reelbot.bots.line.handler import LineHandler

log = logging.getLogger(__name__)

MiB = 1024 * 1024
AUDIO_MESSAGE_EXT = ".m4a"  # LINE records and serves audio messages as m4a
CAPTION_ECHO_CHARS = 60  # the caption quoted back in an answer
TRACKS_FOLDER = "tracks"  # under the photos' staging folder


def is_track_file(name: str | None) -> bool:
    """A file message named like a soundtrack (``song.mp3``): audio intake, not a photo."""
    return bool(name) and track_suffix(name or "") in TRACK_EXTENSIONS


def _minutes(h: LineHandler) -> int:
    return max(1, h.config.finish_extras_ttl_s // 60)


def _check_header_facts(content: Any, name: str, h: LineHandler) -> None:
    """What LINE tells before the download (a file's size, an audio message's length) refuses
    a 2-hour or 0-second track, or one too big, without fetching a byte. (A file's name was
    checked when it was taken for a track: :func:`is_track_file`.)"""
    duration_ms = getattr(content, "duration", None)
    refuse_bad_audio(
        name,
        h.service.settings.finish,
        size_bytes=getattr(content, "file_size", None),
        seconds=None if duration_ms is None else duration_ms / 1000,
    )


def track_staging(photos: PhotoStaging, ttl_s: float) -> PhotoStaging:
    """Tracks wait beside the staged photos, in their own folder and with their own TTL
    (``finish_extras_ttl_s``): the one place that names the folder, for the intake here and
    the bot's sweeper."""
    return PhotoStaging(photos.root / TRACKS_FOLDER, ttl_s)


def _staged_tracks(h: LineHandler) -> PhotoStaging:
    return track_staging(h.staging, h.config.finish_extras_ttl_s)


async def _download(h: LineHandler, message_id: str) -> bytes:
    """The track's bytes from LINE, capped at the size limit."""
    limit = h.service.settings.finish.max_audio_bytes
    too_large = InvalidRequest("line.track_too_large", limit_mb=f"{limit / MiB:.0f}")
    try:
        return await h.api.fetch_content(message_id, max_bytes=limit, too_large=too_large)
    except ReelbotError as exc:  # LINE's content endpoint failed: say so about the audio, not a photo
        if exc.key != "line.image_fetch_failed":
            raise
        raise ReelbotError("line.track_fetch_failed") from None


async def _checked(h: LineHandler, data: bytes, filename: str, name: str) -> CheckedTrack:
    """The app's checks (name, size, the ffmpeg probe) in a thread; nothing is stored."""
    if not looks_like_audio(data):  # the container's shape: no ffmpeg needed to refuse a text file
        refuse_bad_audio(name, h.service.settings.finish, size_bytes=len(data), has_audio=False)
    try:
        return await asyncio.to_thread(check_track, h.service, data, filename)
    except InvalidRequest as exc:  # the app names the file; the person knows it by this name
        raise InvalidRequest(exc.key, **{**exc.details, "name": name}) from None


async def _take(h: LineHandler, content: Any, locale: str) -> PendingTrack:
    """Download (capped) and check the track, then stage it: what waits for the Finish."""
    audio_message = isinstance(content, AudioMessageContent)
    name = render("line.track_audio_message", locale) if audio_message else str(content.file_name)[:80]
    filename = f"track{AUDIO_MESSAGE_EXT}" if audio_message else str(content.file_name)
    _check_header_facts(content, name, h)
    data = await _download(h, content.id)
    await _checked(h, data, filename, name)
    try:
        await asyncio.to_thread(_staged_tracks(h).put, content.id, data)
    except (OSError, ValueError) as exc:  # downloaded again when the Finish comes
        log.warning("track %s not staged (%s); it will be downloaded again", content.id, exc)
    return PendingTrack(message_id=content.id, filename=filename, name=name)


async def _waiting_upload(h: LineHandler, track: PendingTrack | None) -> CheckedTrack | None:
    """The staged upload's bytes (from LINE again where this replica has none), checked again:
    the app stores only what it checked itself. None for music and pre-staging tracks."""
    if track is None or track.message_id is None:
        return None
    data = await asyncio.to_thread(_staged_tracks(h).get, track.message_id)
    if data is None:
        data = await _download(h, track.message_id)
    return await _checked(h, data, track.filename or "track", track.name or "?")


async def on_audio(h: LineHandler, event: MessageEvent, chat: Chat, content: Any) -> None:
    """An audio message (or an audio file) in a 1:1 chat: the next Finish's soundtrack."""
    if not chat.one_to_one:
        return  # a group's voice messages are not for us
    if getattr(getattr(content, "content_provider", None), "type", "line") != "line":
        return  # an external URL: nothing to download through LINE
    locale = await h.locale_for(chat)
    async with h.person_lock(chat):
        try:
            pending = await _take(h, content, locale)
        except ReelbotError as exc:
            await h.answer(event, chat, exc.render(locale))
            return
        await h.state.set_track(chat.chat_id, chat.user_id, pending)
    await h.answer(event, chat, render("line.track_received", locale, minutes=_minutes(h)))


async def set_caption(h: LineHandler, event: MessageEvent, chat: Chat, locale: str, text: str) -> None:
    """``字幕 <text>``: the next Finish's caption (``finish.caption_too_long`` keeps nothing)."""
    if not text.strip():
        await h.answer(event, chat, render("line.caption_how", locale))
        return
    caption = check_caption(text, h.service.settings.finish)
    async with h.person_lock(chat):
        await h.state.set_caption(chat.chat_id, chat.user_id, caption)
    shown = shorten(caption, CAPTION_ECHO_CHARS)
    await h.answer(event, chat, render("line.caption_set", locale, caption=shown, minutes=_minutes(h)))


async def clear_track(h: LineHandler, event: MessageEvent, chat: Chat, locale: str) -> None:
    """``取消音樂`` / ``no music``: the next Finish keeps the clip's own sound."""
    async with h.person_lock(chat):
        had = await h.state.clear_track(chat.chat_id, chat.user_id)
    await h.answer(event, chat, render("line.track_cleared" if had else "line.track_none", locale))


async def clear_caption(h: LineHandler, event: MessageEvent, chat: Chat, locale: str) -> None:
    """``取消字幕`` / ``no caption``: the next Finish has no caption."""
    async with h.person_lock(chat):
        had = await h.state.clear_caption(chat.chat_id, chat.user_id)
    await h.answer(event, chat, render("line.caption_cleared" if had else "line.caption_none", locale))


def options_for(track: PendingTrack | None, caption: str | None) -> FinishOptions:
    """The waiting track (an own upload or composed music, mixed with the clip's own sound:
    LINE's quick reply chooses ``mix``, a typed board's ``音訊模式`` line may choose again)
    and caption (burned in + .srt). A staged upload is handed over as a
    :class:`~reelbot.app.finish.CheckedTrack`, which sets the audio itself."""
    if track is None:
        return FinishOptions(caption=caption, burn=caption is not None)
    if track.message_id is not None:
        return FinishOptions(audio_mode="mix", caption=caption, burn=caption is not None)
    return FinishOptions(
        audio=track.audio, audio_key=track.key, audio_mode="mix", caption=caption, burn=caption is not None
    )


TRACK_LINES = {"upload": "line.finish_with_track", "music": "line.finish_with_music"}


async def finish_here(h: LineHandler, event: Event, chat: Chat, locale: str, clip_id: uuid.UUID) -> None:
    """「輸出成 Shorts」 under a clip: one ``finish`` task with what is waiting."""
    await _finish(h, event, chat, locale, clip_id)


async def finish_draft_here(
    h: LineHandler,
    event: Event,
    chat: Chat,
    locale: str,
    board_id: uuid.UUID,
    audio_mode: str | None = None,
) -> None:
    """「輸出成 Shorts」 under a storyboard draft: the same, of the board's current draft
    (``audio_mode``: its ``音訊模式`` line, the person's choice for the track the tap uses;
    its size and frame rate come from the board itself, :func:`~reelbot.app.finish_plan.plan_for`)."""
    await _finish(h, event, chat, locale, board_id, draft=True, audio_mode=audio_mode)


async def _finish(
    h: LineHandler,
    event: Event,
    chat: Chat,
    locale: str,
    target: uuid.UUID,
    *,
    draft: bool = False,
    audio_mode: str | None = None,
) -> None:
    """One ``finish`` task of ``target`` (a clip, or a board's draft) with the waiting track
    and caption; used, they wait no more."""
    finisher = finish_draft if draft else finish_clip
    async with h.person_lock(chat):
        track, caption = await h.state.finish_extras(chat.chat_id, chat.user_id)
        options = options_for(track, caption)
        if audio_mode in ("mix", "replace"):
            options = options.model_copy(update={"audio_mode": audio_mode})
        ticket = await finisher(
            h.service,
            target,
            h.origin(chat, locale),
            idempotency_key=f"line:{event.webhook_event_id}",
            options=options,
            track=await _waiting_upload(h, track),
        )  # a refusal (the quota, …) raises here: the track and caption keep waiting, unstored
        if track is not None or caption is not None:
            await h.state.clear_finish_extras(chat.chat_id, chat.user_id)
        if track is not None and track.message_id is not None:
            await asyncio.to_thread(_staged_tracks(h).discard, [track.message_id])
    if ticket.duplicate:
        lines = [render("submit.duplicate", locale, job_id=short_id(ticket.task_id))]
    else:
        plan = await finish_plan(h.service, options, target if draft else None)
        lines = [plan.queued_text(locale, target, draft=draft)]
    if track is not None:
        lines.append(render(TRACK_LINES[track.audio], locale))
    if caption is not None:
        lines.append(render("line.finish_with_caption", locale, caption=shorten(caption, CAPTION_ECHO_CHARS)))
    await h.answer(event, chat, "\n".join(lines))
