"""「音樂 <描述>」 / ``music <description>``: a soundtrack composed on a worker, waiting for the
next 「輸出成 Shorts」.

Why a task and a push, not a reply with the track: a music model wants the GPU like a clip
does, so :func:`reelbot.app.music.submit_music` moderates the description (the prompt's own
safety gate), checks the quota and queues a ``music`` task — a refusal queues nothing — and
the reply only says it is composing. The task's ``done`` event reaches the delivery loop
like a finished Short's: the track becomes the person's waiting track in this chat with
``audio="music"`` (the same record an audio message leaves, so 取消音樂 drops it and the next
Finish uses it) and the chat is told. A failed task is told and leaves nothing waiting.

Length: the person's newest clip's, so the track fits what they are about to finish; with no
clip yet, the music default (a longer video loops the track, a shorter one trims it).
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

from reelbot.app.music import DEFAULT_MUSIC_SECONDS, music_seconds_for, submit_music
from reelbot.app.tasks import task_view
from reelbot.bots.common.status import failure_reason
from reelbot.bots.line import outgoing
from reelbot.bots.line.state import PendingTrack
from reelbot.domain.errors import InvalidRequest, NotFound
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.messages import render
from reelbot.domain.tasks import music_key
from reelbot.domain.types import Platform, short_id

if TYPE_CHECKING:
    from linebot.v3.messaging import Message
    from linebot.v3.webhooks import MessageEvent

    from reelbot.bots.line.chat import Chat
    from reelbot.bots.line.deliver import Deliverer
    from reelbot.bots.line.handler import LineHandler

log = logging.getLogger(__name__)


async def track_seconds(h: LineHandler, chat: Chat) -> float:
    """The length of the person's newest clip (within a music task's bounds), else the default."""
    for job in await h.service.jobs_for(Platform.LINE, chat.user_id, active_only=False):
        if job.clip_id is None:
            continue
        with contextlib.suppress(NotFound):
            clip = await h.service.clip(job.clip_id)
            if not clip.deleted and clip.duration_s > 0:
                return music_seconds_for(clip.duration_s)
    return DEFAULT_MUSIC_SECONDS


async def compose(
    h: LineHandler, event: MessageEvent, chat: Chat, locale: str, description: str, lyrics: str
) -> None:
    """Queue a ``music`` task for the person; refusals (moderation, no music engine, quota,
    too long) raise with one message and queue nothing."""
    if not description.strip():
        await h.answer(event, chat, render("line.music_how", locale))
        return
    await h.check_limits(chat)  # the track is announced by a push: LINE's monthly quota first
    seconds = await track_seconds(h, chat)
    try:
        ticket = await submit_music(
            h.service,
            h.origin(chat, locale, event.message.id),
            description,
            seconds=seconds,
            lyrics=lyrics,
            idempotency_key=f"line:{event.webhook_event_id}",
        )
    except InvalidRequest as exc:  # the storyboard's wording names audio: <file>; LINE has audio messages
        if exc.key != "storyboard.music_model_missing":
            raise
        raise InvalidRequest("line.music_off") from None
    key = "submit.duplicate" if ticket.duplicate else "line.music_composing"
    await h.answer(event, chat, render(key, locale, job_id=short_id(ticket.task_id), seconds=f"{seconds:g}"))
    if chat.one_to_one:
        await h.api.show_loading(chat.chat_id)


async def music_messages(d: Deliverer, event: JobEvent, locale: str | None) -> list[Message] | None:
    """A done music task: its track waits as the person's soundtrack in that chat, and the
    chat is told (with a link to listen); a failed one: why, and nothing waits."""
    if event.kind is EventKind.FAILED:
        reason = failure_reason(event.error_key, event.error_detail, str(event.job_id), locale)
        return [outgoing.text(render("line.music_failed", locale, reason=reason), d.config)]
    view = await task_view(d.service, event.job_id)
    key = str(view.payload.get("output_key") or music_key(event.job_id))
    if not d.service.media.exists(key):
        log.warning("music task %s is done but its track %s is gone", event.job_id, key)
        return None
    chat_id = event.origin.channel_id or event.origin.user_id
    await d.state.give_music(chat_id, event.origin.user_id, event.job_id, PendingTrack(key, "music"))
    seconds = (view.result or {}).get("seconds", view.payload.get("seconds", 0))
    text = render(
        "line.music_ready",
        locale,
        seconds=f"{float(seconds):g}",
        minutes=max(1, d.config.finish_extras_ttl_s // 60),
        url=d.service.media.signed_url(key),
    )
    return [outgoing.text(text, d.config)]
