"""What the next 「輸出成 Shorts」 adds: the person's own soundtrack and a caption.

Why waiting state and not options on the quick reply: a LINE quick reply carries only its
postback data, and a person sends the track (an audio message, or an mp3/m4a/… file) or
types ``字幕 <text>`` before tapping it. So both wait per chat and person in Redis (TTL),
like photos wait for their prompt; the track's bytes are already in the media store
(``store_track``: content-addressed, once). The next Finish uses them — the track mixed
with the clip's own sound, the caption burned in and as an .srt — and clears them.

Everything a person can get wrong (a track too big, too long, empty or not audio at all, a
caption over the limit) is refused here with one message in their language, and nothing is
kept waiting. Audio is taken in 1:1 chats only: in a group, voice messages are chatter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from linebot.v3.webhooks import AudioMessageContent, Event, MessageEvent

from reelbot.app.finish import TRACK_EXTENSIONS, FinishOptions, finish_clip, finish_draft, store_track
from reelbot.bots.common.status import shorten
from reelbot.bots.line.state import PendingTrack
from reelbot.domain.audio_sniff import looks_like_audio
from reelbot.domain.errors import InvalidRequest, ReelbotError
from reelbot.domain.finish_config import check_caption
from reelbot.domain.messages import render
from reelbot.domain.types import short_id

if TYPE_CHECKING:
    import uuid

    from reelbot.app.tasks import TaskTicket
    from reelbot.bots.line.chat import Chat
    from reelbot.bots.line.handler import LineHandler

MiB = 1024 * 1024
AUDIO_MESSAGE_EXT = ".m4a"  # LINE records and serves audio messages as m4a
CAPTION_ECHO_CHARS = 60  # the caption quoted back in an answer


def is_track_file(name: str | None) -> bool:
    """A file message named like a soundtrack (``song.mp3``): audio intake, not a photo."""
    if not name or "." not in name:
        return False
    return "." + name.rsplit(".", 1)[-1].lower() in TRACK_EXTENSIONS


def _minutes(h: LineHandler) -> int:
    return max(1, h.config.finish_extras_ttl_s // 60)


def _check_header_facts(content: Any, name: str, h: LineHandler) -> None:
    """What LINE tells before the download (a file's size, an audio message's length) refuses
    a 2-hour or 0-second track, or one too big, without fetching a byte."""
    fin = h.service.settings.finish
    size = getattr(content, "file_size", None)
    if size is not None and size > fin.max_audio_bytes:
        raise InvalidRequest(
            "finish.audio_too_big",
            name=name,
            size_mb=f"{size / MiB:.1f}",
            limit_mb=f"{fin.max_audio_bytes / MiB:.0f}",
        )
    duration_ms = getattr(content, "duration", None)
    if duration_ms is None:
        return
    seconds = duration_ms / 1000
    if seconds < fin.min_audio_seconds:
        raise InvalidRequest("finish.audio_empty", name=name)
    if seconds > fin.max_audio_seconds:
        raise InvalidRequest(
            "finish.audio_too_long", name=name, seconds=round(seconds), limit=round(fin.max_audio_seconds)
        )


async def _store(h: LineHandler, content: Any, locale: str) -> str:
    """Download (capped), check the bytes look like audio, keep it: the track's media key."""
    audio_message = isinstance(content, AudioMessageContent)
    name = render("line.track_audio_message", locale) if audio_message else str(content.file_name)[:80]
    filename = f"track{AUDIO_MESSAGE_EXT}" if audio_message else str(content.file_name)
    _check_header_facts(content, name, h)
    limit = h.service.settings.finish.max_audio_bytes
    too_large = InvalidRequest("line.track_too_large", limit_mb=f"{limit / MiB:.0f}")
    try:
        data = await h.api.fetch_content(content.id, max_bytes=limit, too_large=too_large)
    except ReelbotError as exc:  # LINE's content endpoint failed: say so about the audio, not a photo
        if exc.key != "line.image_fetch_failed":
            raise
        raise ReelbotError("line.track_fetch_failed") from None
    if not looks_like_audio(data):
        raise InvalidRequest("finish.audio_not_audio", name=name)
    try:
        return await asyncio.to_thread(store_track, h.service, data, filename)
    except InvalidRequest as exc:  # the app names the file; the person knows it by this name
        raise InvalidRequest(exc.key, **{**exc.details, "name": name}) from None


async def on_audio(h: LineHandler, event: MessageEvent, chat: Chat, content: Any) -> None:
    """An audio message (or an audio file) in a 1:1 chat: the next Finish's soundtrack."""
    if not chat.one_to_one:
        return  # a group's voice messages are not for us
    if getattr(getattr(content, "content_provider", None), "type", "line") != "line":
        return  # an external URL: nothing to download through LINE
    locale = await h.locale_for(chat)
    async with h.person_lock(chat):
        try:
            key = await _store(h, content, locale)
        except ReelbotError as exc:
            await h.answer(event, chat, exc.render(locale))
            return
        await h.state.set_track(chat.chat_id, chat.user_id, PendingTrack(key))
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
    """The waiting track (an own upload or composed music, mixed with the clip's own sound)
    and caption (burned in + .srt)."""
    if track is None:
        return FinishOptions(caption=caption, burn=caption is not None)
    return FinishOptions(
        audio=track.audio, audio_key=track.key, audio_mode="mix", caption=caption, burn=caption is not None
    )


#: ``finish_clip`` or ``finish_draft`` (app.finish): what a 輸出成 Shorts quick reply queues.
Finisher = Callable[..., Awaitable["TaskTicket"]]
TRACK_LINES = {"upload": "line.finish_with_track", "music": "line.finish_with_music"}


async def finish_here(h: LineHandler, event: Event, chat: Chat, locale: str, clip_id: uuid.UUID) -> None:
    """「輸出成 Shorts」 under a clip: one ``finish`` task with what is waiting."""
    await _finish(h, event, chat, locale, clip_id, finish_clip, "finish.queued_clip")


async def finish_draft_here(
    h: LineHandler, event: Event, chat: Chat, locale: str, board_id: uuid.UUID
) -> None:
    """「輸出成 Shorts」 under a storyboard draft: the same, of the board's current draft."""
    await _finish(h, event, chat, locale, board_id, finish_draft, "finish.queued_draft")


async def _finish(
    h: LineHandler, event: Event, chat: Chat, locale: str, target: uuid.UUID, finisher: Finisher, queued: str
) -> None:
    """One ``finish`` task of ``target`` (a clip or a board) with the waiting track and
    caption; used, they wait no more."""
    async with h.person_lock(chat):
        track, caption = await h.state.finish_extras(chat.chat_id, chat.user_id)
        options = options_for(track, caption)
        ticket = await finisher(
            h.service,
            target,
            h.origin(chat, locale),
            idempotency_key=f"line:{event.webhook_event_id}",
            options=options,
        )
        if track is not None or caption is not None:
            await h.state.clear_finish_extras(chat.chat_id, chat.user_id)
    key = "submit.duplicate" if ticket.duplicate else queued
    ids = {"clip_id": short_id(target), "board_id": short_id(target), "job_id": short_id(ticket.task_id)}
    lines = [render(key, locale, fps=options.fps, **ids)]
    if track is not None:
        lines.append(render(TRACK_LINES[track.audio], locale))
    if caption is not None:
        lines.append(render("line.finish_with_caption", locale, caption=shorten(caption, CAPTION_ECHO_CHARS)))
    await h.answer(event, chat, "\n".join(lines))
