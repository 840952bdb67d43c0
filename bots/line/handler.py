"""What the bot does with each webhook event: the dispatch, answering, text and prompts.

The rest of an event's work sits beside it, each module over :class:`LineHandler`: typed
commands in ``commands.py``, quick-reply postbacks in ``postbacks.py``, photo intake in
``photos.py``, an own track and caption for 輸出成 Shorts in ``finish_extras.py``, storyboards
in ``boards.py``; who spoke and where is ``chat.py``.

Handlers only validate and hand work to the service (which stores and enqueues); the answer
goes back at once with the reply token (free), falling back to a counted push with a retry key
when the token has expired. Every refusal a person can act on is a ``ReelbotError`` rendered in
their language; anything else is logged and answered with ``error.internal`` (naming the job
when one was already created) or ``error.internal_no_job``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from linebot.v3.messaging import Message
from linebot.v3.webhooks import (
    AudioMessageContent,
    Event,
    FileMessageContent,
    FollowEvent,
    ImageMessageContent,
    JoinEvent,
    MemberJoinedEvent,
    MemberLeftEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UserMentionee,
)

from reelbot.app.tasks import cancel_task
from reelbot.bots.common.wait import ack_eta
from reelbot.bots.line import finish_extras, outgoing, photos, postbacks
from reelbot.bots.line.api import LineApi, PushFailed
from reelbot.bots.line.chat import Chat, chat_of, created_job, retry_key
from reelbot.bots.line.commands import COMMANDS
from reelbot.bots.line.config import LineConfig
from reelbot.bots.line.staging import PhotoStaging
from reelbot.bots.line.state import LineState
from reelbot.bots.line.syntax import Command, Parsed, parse_text, remove_spans, strip_trigger
from reelbot.domain.errors import LimitReached, ReelbotError
from reelbot.domain.messages import normalize_locale, render
from reelbot.domain.types import Aspect, GenerationRequest, JobState, Origin, Platform, SpeedMode, short_id

if TYPE_CHECKING:
    from reelbot.app.service import ReelbotService

log = logging.getLogger(__name__)


class LineHandler:
    """Turns parsed webhook events into service calls and replies."""

    def __init__(
        self,
        *,
        service: ReelbotService,
        api: LineApi,
        state: LineState,
        config: LineConfig,
        media_base_url: str,
        staging: PhotoStaging,
    ) -> None:
        self.service = service
        self.api = api
        self.state = state
        self.config = config
        self.media_base_url = media_base_url.rstrip("/")
        self.staging = staging
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._lock_users: dict[tuple[str, str], int] = {}  # holders + waiters, to drop idle locks

    @contextlib.asynccontextmanager
    async def person_lock(self, chat: Chat) -> AsyncIterator[None]:
        """One at a time per (chat, user) in this process: photo / prompt / 清除 read-modify-write
        the waiting photos, and two photos in separate webhook deliveries would otherwise both
        become the first frame (one dropped). The entry goes once nobody holds or awaits it."""
        key = (chat.chat_id, chat.user_id)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._lock_users[key] = self._lock_users.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._lock_users[key] -= 1
            if not self._lock_users[key]:
                del self._lock_users[key], self._locks[key]

    # -- entry point --------------------------------------------------------------------------
    async def handle(self, event: Event) -> None:
        """Handle one event from the inbox (core/app/inbox.py drops LINE's redeliveries of
        events it already holds, and re-runs an event a killed process was handling).

        The webhook has already answered 200 when this runs, so LINE will NOT redeliver a
        failed event: a failure is logged and the user is told instead (with the job id when a
        job was already created — it renders anyway). An event run again after a crash makes
        no second job: the service's idempotency key is ``line:<webhookEventId>``.
        """
        if getattr(getattr(event, "mode", None), "value", "active") != "active":
            return  # standby: another channel answers this chat
        event_id = event.webhook_event_id  # redeliveries are dropped by the inbox, not here
        token = created_job.set(None)
        try:
            await self._dispatch(event)
        except Exception:
            job_id = created_job.get()
            log.exception("LINE event %s failed (job %s)", event_id, job_id)
            await self._apologize(event, job_id)
        finally:
            created_job.reset(token)

    async def _apologize(self, event: Event, job_id: uuid.UUID | None = None) -> None:
        """Best effort "something went wrong" (never a traceback in chat, never a second failure);
        names the job when the service had already accepted one, since it renders regardless."""
        chat = chat_of(event)
        if chat is None or not isinstance(event, MessageEvent | PostbackEvent):
            return
        try:
            locale = await self.locale_for(chat)
            text = (
                render("error.internal", locale, job_id=short_id(job_id))
                if job_id is not None
                else render("error.internal_no_job", locale)
            )
            await self.answer(event, chat, text)
        except Exception:
            log.warning("could not tell the user about the failure of event %s", event.webhook_event_id)

    async def _dispatch(self, event: Event) -> None:
        if isinstance(event, JoinEvent | MemberJoinedEvent | MemberLeftEvent):
            await self.on_group_change(event)
            return
        chat = chat_of(event)
        if chat is None:
            return
        if isinstance(event, MessageEvent):
            content = event.message
            if isinstance(content, TextMessageContent):
                await self.on_text(event, chat, content)
            elif isinstance(content, AudioMessageContent) or (
                isinstance(content, FileMessageContent) and finish_extras.is_track_file(content.file_name)
            ):
                await finish_extras.on_audio(self, event, chat, content)  # 1:1 only
            elif isinstance(content, ImageMessageContent) or (
                isinstance(content, FileMessageContent) and chat.one_to_one  # files in groups: not for us
            ):
                await photos.on_photo(self, event, chat, content)
            elif chat.one_to_one:
                locale = await self.locale_for(chat)
                await self.answer(event, chat, render("line.unsupported_message", locale))
        elif isinstance(event, PostbackEvent):
            await postbacks.on_postback(self, event, chat)
        elif isinstance(event, FollowEvent):
            locale = await self.locale_for(chat)
            await self.answer(event, chat, self.help_text(locale))

    async def on_group_change(self, event: JoinEvent | MemberJoinedEvent | MemberLeftEvent) -> None:
        """The bot joined a group (greet it: LINE's join event names the group, never a person),
        or members came or went (the group's gallery hides the clips of those who left)."""
        from reelbot.app.gallery import Gallery

        source = event.source
        group_id = getattr(source, "group_id", None) or getattr(source, "room_id", None)
        if not group_id:
            return
        if isinstance(event, JoinEvent):
            chat = Chat(group_id, "", "group")
            await self.answer(event, chat, self.help_text(self.config.default_locale))
            return
        gallery = Gallery(self.service)
        members = event.left.members if isinstance(event, MemberLeftEvent) else event.joined.members
        for member in members:
            user_id = getattr(member, "user_id", None)
            if not user_id:
                continue
            if isinstance(event, MemberLeftEvent):
                await gallery.member_left(Platform.LINE, group_id, user_id)
            else:
                await gallery.member_joined(Platform.LINE, group_id, user_id)

    # -- answering ---------------------------------------------------------------------------
    async def answer(self, event: Any, chat: Chat, message: str | list[Message]) -> None:
        """Reply with the event's reply token; expired or used → a push (counted, retry-keyed)."""
        messages: list[Message] = (
            [outgoing.text(message, self.config)] if isinstance(message, str) else message
        )
        token = getattr(event, "reply_token", None)
        if token and await self.api.reply(token, messages):
            return
        try:
            if await self.api.push(
                chat.chat_id, messages, retry_key=retry_key("answer", event.webhook_event_id)
            ):
                await self.state.count_push()  # a 409 (accepted before) sent nothing new
        except PushFailed as exc:
            log.warning("could not answer event %s: %s", event.webhook_event_id, exc)

    async def locale_for(self, chat: Chat) -> str:
        """The user's LINE language (cached), else zh-TW."""
        cached = await self.state.cached_locale(chat.user_id)
        if cached:
            return cached
        language = await self.api.profile_language(chat.user_id) if chat.one_to_one else None
        locale = normalize_locale(language, default=self.config.default_locale)
        if language is not None or chat.one_to_one:
            await self.state.cache_locale(chat.user_id, locale)
        return locale

    def help_text(self, locale: str) -> str:
        return render("line.help", locale, minutes=max(1, self.config.photo_ttl_s // 60))

    def origin(self, chat: Chat, locale: str, message_id: str | None = None) -> Origin:
        return Origin(
            platform=Platform.LINE,
            user_id=chat.user_id,
            channel_id=chat.chat_id,
            guild_id=None if chat.one_to_one else chat.chat_id,
            message_id=message_id,
            locale=locale,
        )

    def page_url(self, clip_id: uuid.UUID) -> str:
        return f"{self.media_base_url}/c/{clip_id}"

    # -- text ----------------------------------------------------------------------------------
    def addressed_text(self, chat: Chat, content: TextMessageContent) -> str | None:
        """The text meant for the bot, or None (group chatter without a mention or trigger)."""
        raw = content.text
        if chat.one_to_one:
            stripped = strip_trigger(raw, self.config.triggers)
            return raw if stripped is None else stripped
        mention = getattr(content, "mention", None)
        spans = [
            (m.index, m.length)
            for m in (mention.mentionees if mention else [])
            if isinstance(m, UserMentionee) and m.is_self
        ]
        if spans:
            return remove_spans(raw, spans)
        return strip_trigger(raw, self.config.triggers)

    async def on_text(self, event: MessageEvent, chat: Chat, content: TextMessageContent) -> None:
        text = self.addressed_text(chat, content)
        awaiting = await self.state.is_awaiting(chat.chat_id, chat.user_id)
        if text is None:
            if not awaiting:
                return  # group chatter: not for us
            text = content.text  # 改提示 asked for exactly this user's next text
        locale = await self.locale_for(chat)
        try:
            parsed = parse_text(text)
            if awaiting and parsed.command is Command.PROMPT:
                clip_id = await self.state.pop_awaited(chat.chat_id, chat.user_id)
                if clip_id is not None:
                    speed = parsed.options.get("speed")  # 速度:… with the new prompt picks the mode
                    await postbacks.start_remix(
                        self,
                        event,
                        chat,
                        locale,
                        clip_id,
                        "remix",
                        prompt=parsed.prompt,
                        speed=speed if isinstance(speed, SpeedMode) else None,
                    )
                    return
            await self.on_command(event, chat, locale, parsed)
        except ReelbotError as exc:
            await self.answer(event, chat, exc.render(locale))

    async def on_command(self, event: MessageEvent, chat: Chat, locale: str, parsed: Parsed) -> None:
        """One typed command, from the registry in bots/line/commands.py."""
        await COMMANDS[parsed.command](self, event, chat, locale, parsed)

    async def check_limits(self, chat: Chat) -> None:
        """The monthly push quota (LINE's own, not a job limit) before any work. Hourly limits
        per person (across all their chats) and per group are the service's, reserved
        atomically in ``submit`` (see :meth:`LineBot.limits`)."""
        quota = self.config.push_quota_monthly
        if quota is not None and await self.state.pushes_this_month() >= quota:
            raise LimitReached("line.push_quota_reached")

    async def submit_prompt(self, event: MessageEvent, chat: Chat, locale: str, parsed: Parsed) -> None:
        async with self.person_lock(chat):
            await self._submit_prompt(event, chat, locale, parsed)

    async def _submit_prompt(self, event: MessageEvent, chat: Chat, locale: str, parsed: Parsed) -> None:
        await self.check_limits(chat)
        waiting = await self.state.photos(chat.chat_id, chat.user_id)
        images = [(photo.role, await photos.photo_bytes(self, photo)) for photo in waiting]
        opts = parsed.options
        request = GenerationRequest(
            prompt=parsed.prompt,
            negative_prompt=str(opts.get("negative", "")),
            aspect=opts.get("aspect", Aspect.PORTRAIT),  # type: ignore[arg-type]
            seconds=opts.get("seconds"),  # type: ignore[arg-type]
            fps=opts.get("fps"),  # type: ignore[arg-type]
            seed=opts.get("seed"),  # type: ignore[arg-type]
            preset=opts.get("preset"),  # type: ignore[arg-type]
            speed=opts.get("speed"),  # type: ignore[arg-type]
            motion=opts.get("motion"),  # type: ignore[arg-type]
            camera=opts.get("camera"),  # type: ignore[arg-type]
            loop=bool(opts.get("loop", False)),
            origin=self.origin(chat, locale, event.message.id),
        )
        ticket = await self.service.submit(request, images, idempotency_key=f"line:{event.webhook_event_id}")
        created_job.set(ticket.job_id)  # from here on, a failure must name the job
        if waiting:
            # Used (the service stored them as assets with the job): only after success.
            await self.state.clear_photos(chat.chat_id, chat.user_id)
            await photos.discard_staged(self, waiting)
        await self.accepted(event, chat, locale, ticket)

    async def _eta(self, job_id: uuid.UUID, locale: str) -> str:
        """``\n`` + when a new job should be ready (LINE cannot edit the answer later, so it
        is said once here, and 排隊 / queue asks again); empty when no estimate can be made."""
        try:
            return ack_eta(await self.service.waits.wait_for(job_id), locale)
        except Exception as exc:  # the job is queued: the ETA is a courtesy
            log.warning("no wait estimate for job %s (%s)", job_id, type(exc).__name__)
            return ""

    async def accepted(self, event: Any, chat: Chat, locale: str, ticket: Any) -> None:
        """The immediate answer to a new job: its place in line with 取消, or the consent question."""
        state = JobState(ticket.state)
        quick = None
        if state is JobState.AWAITING_CONSENT:
            # Not queued until the uploader answers; the question carries the two answers.
            text = render("consent.required", locale, job_id=short_id(ticket.job_id))
            quick = outgoing.consent_quick_reply(ticket.job_id, locale, self.config)
        elif ticket.duplicate:
            text = render("line.queued_duplicate", locale, position=ticket.position or 1)
        elif ticket.position is None:
            text = render("line.queued_running", locale)
        else:
            text = render("line.queued", locale, position=ticket.position) + await self._eta(
                ticket.job_id, locale
            )
        if quick is None and state in (JobState.QUEUED, JobState.RUNNING):
            quick = outgoing.cancel_quick_reply(ticket.job_id, locale, self.config)
        notice_key = getattr(ticket, "notice_key", None)
        if notice_key:
            text = f"{text}\n{render(notice_key, locale)}"
        await self.answer(event, chat, [outgoing.text(text, self.config, quick_reply=quick)])
        if chat.one_to_one and state is not JobState.AWAITING_CONSENT:
            await self.api.show_loading(chat.chat_id)

    # -- cancelling ------------------------------------------------------------------------------
    async def cancel_job(
        self, event: Any, chat: Chat, locale: str, job_id: uuid.UUID, *, task: bool = False
    ) -> None:
        """Cancel one job (or, with ``task``, one task) of the speaker's (the service refuses
        anyone else's) and say so.

        The reply itself tells the user, so the ``cancelled`` event's push is skipped (marked
        before the call: the delivery loop may read the event before the service returns). A
        job that is already rendering stops at the worker's next step; its event is the answer.
        """
        await self.state.mark_answered(job_id)
        try:
            by = self.origin(chat, locale)
            if task:
                view: Any = await cancel_task(self.service, job_id, by=by)
            else:
                view = await self.service.cancel(job_id, by=by)
        except BaseException:
            await self.state.unmark_answered(job_id)
            raise
        if view.state is JobState.RUNNING:
            await self.state.unmark_answered(job_id)
            text = render("line.cancel_stopping", locale, job_id=short_id(job_id))
        else:
            text = render("line.cancel_done", locale, job_id=short_id(job_id))
        await self.answer(event, chat, text)
