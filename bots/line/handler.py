"""What the bot does with each webhook event: prompts, photos, quick-reply postbacks, 用量, 取消.

Handlers only validate and hand work to the service (which stores and enqueues); the answer
goes back at once with the reply token (free), falling back to a counted push with a retry key
when the token has expired. Every refusal a person can act on is a ``ReelbotError`` rendered in
their language; anything else is logged and answered with ``error.internal`` (naming the job
when one was already created) or ``error.internal_no_job``.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linebot.v3.messaging import Message
from linebot.v3.webhooks import (
    Event,
    FileMessageContent,
    FollowEvent,
    GroupSource,
    ImageMessageContent,
    JoinEvent,
    MemberJoinedEvent,
    MemberLeftEvent,
    MessageEvent,
    PostbackEvent,
    RoomSource,
    TextMessageContent,
    UserMentionee,
)

from reelbot.bots.common.actions import parse_custom_id
from reelbot.bots.common.wait import ack_eta
from reelbot.bots.line import outgoing
from reelbot.bots.line.api import LineApi, PushFailed
from reelbot.bots.line.commands import COMMANDS
from reelbot.bots.line.config import LineConfig
from reelbot.bots.line.outgoing import short_id
from reelbot.bots.line.postbacks import JOB_POSTBACKS, postback_for
from reelbot.bots.line.staging import PhotoStaging
from reelbot.bots.line.state import LineState, PendingPhoto
from reelbot.bots.line.syntax import Command, Parsed, parse_text, remove_spans, strip_trigger
from reelbot.domain.errors import LimitReached, ReelbotError
from reelbot.domain.images import inspect_image
from reelbot.domain.messages import normalize_locale, render
from reelbot.domain.types import (
    Aspect,
    GenerationRequest,
    JobState,
    Origin,
    Platform,
    ReferenceRole,
)

if TYPE_CHECKING:
    from reelbot.app.service import ReelbotService

log = logging.getLogger(__name__)

RETRY_NAMESPACE = uuid.UUID("0b4f4a52-5f0e-4b39-9d0c-6c8f0e6a1a11")  # stable: retry keys survive restarts
SINGLE_ROLES = (ReferenceRole.FIRST_FRAME, ReferenceRole.LAST_FRAME)


def retry_key(*parts: object) -> uuid.UUID:
    """A push retry key derived from what the push is about, so a retried push is not doubled."""
    return uuid.uuid5(RETRY_NAMESPACE, ":".join(str(p) for p in parts))


def _read_if_file(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


#: The job the event being handled has created (set right after the service accepted it), so
#: that a later failure in the same event says ``error.internal`` with the id, not "no job".
_created_job: contextvars.ContextVar[uuid.UUID | None] = contextvars.ContextVar(
    "line_created_job", default=None
)


@dataclass(frozen=True)
class Chat:
    """Where an event happened: the chat to answer in and who spoke."""

    chat_id: str  # user id (1:1), group id or room id — also the push target
    user_id: str
    kind: str  # "user" | "group" | "room"

    @property
    def one_to_one(self) -> bool:
        return self.kind == "user"


def chat_of(event: Any) -> Chat | None:
    source = getattr(event, "source", None)
    user_id = getattr(source, "user_id", None)
    if source is None or not user_id:
        return None  # LINE omits the user in some group events (e.g. old clients): nothing to address
    if isinstance(source, GroupSource):
        return Chat(source.group_id, user_id, "group")
    if isinstance(source, RoomSource):
        return Chat(source.room_id, user_id, "room")
    return Chat(user_id, user_id, "user")


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
        token = _created_job.set(None)
        try:
            await self._dispatch(event)
        except Exception:
            job_id = _created_job.get()
            log.exception("LINE event %s failed (job %s)", event_id, job_id)
            await self._apologize(event, job_id)
        finally:
            _created_job.reset(token)

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
            elif isinstance(content, ImageMessageContent) or (
                isinstance(content, FileMessageContent) and chat.one_to_one  # files in groups: not for us
            ):
                await self.on_photo(event, chat, content)
            elif chat.one_to_one:
                locale = await self.locale_for(chat)
                await self.answer(event, chat, render("line.unsupported_message", locale))
        elif isinstance(event, PostbackEvent):
            await self.on_postback(event, chat)
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
                    await self.start_remix(event, chat, locale, clip_id, "remix", prompt=parsed.prompt)
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
        photos = await self.state.photos(chat.chat_id, chat.user_id)
        images = [(photo.role, await self.photo_bytes(photo)) for photo in photos]
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
        _created_job.set(ticket.job_id)  # from here on, a failure must name the job
        if photos:
            # Used (the service stored them as assets with the job): only after success.
            await self.state.clear_photos(chat.chat_id, chat.user_id)
            await self.discard_staged(photos)
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
    async def cancel_job(self, event: Any, chat: Chat, locale: str, job_id: uuid.UUID) -> None:
        """Cancel one job of the speaker's (the service refuses anyone else's) and say so.

        The reply itself tells the user, so the ``cancelled`` event's push is skipped (marked
        before the call: the delivery loop may read the event before the service returns). A
        job that is already rendering stops at the worker's next step; its event is the answer.
        """
        await self.state.mark_answered(job_id)
        try:
            view = await self.service.cancel(job_id, by=self.origin(chat, locale))
        except BaseException:
            await self.state.unmark_answered(job_id)
            raise
        if view.state is JobState.RUNNING:
            await self.state.unmark_answered(job_id)
            text = render("line.cancel_stopping", locale, job_id=short_id(job_id))
        else:
            text = render("line.cancel_done", locale, job_id=short_id(job_id))
        await self.answer(event, chat, text)

    # -- photos --------------------------------------------------------------------------------
    async def photo_bytes(self, photo: PendingPhoto) -> bytes:
        """The bytes of a waiting photo: staged when it arrived (1:1), else downloaded now
        (group photos; a photo another replica staged; one the sweep removed)."""
        staged = await asyncio.to_thread(self.staging.get, photo.message_id)
        if staged is not None:
            return staged
        if photo.media_key is not None:  # waiting since before staging existed (an upgrade)
            path = self.service.media.path(photo.media_key)
            data = await asyncio.to_thread(_read_if_file, path)
            if data is not None:
                return data
        return await self.download(photo.message_id)

    async def download(self, message_id: str) -> bytes:
        """Fetch (capped) and validate with the service's image checks; nothing is stored here.

        The service stores a photo as an asset only when a prompt uses it (see staging.py).
        """
        data = await self.api.fetch_content(message_id, max_bytes=self.config.max_image_bytes)
        # A full decode (bomb and truncation checks): seconds of CPU for a big photo, so it runs
        # in a thread, not on the event loop that answers every other chat's webhooks.
        await asyncio.to_thread(inspect_image, data, self.service_limits())
        return data

    async def stage(self, message_id: str, data: bytes) -> None:
        """Keep a checked photo until its prompt; a failure here (disk full, odd id) only means
        it is downloaded again when the prompt comes, so it is logged, not shown."""
        try:
            await asyncio.to_thread(self.staging.put, message_id, data)
        except (OSError, ValueError) as exc:
            log.warning("photo %s not staged (%s); it will be downloaded again", message_id, exc)

    async def discard_staged(self, photos: list[PendingPhoto]) -> None:
        await asyncio.to_thread(self.staging.discard, [p.message_id for p in photos])

    def service_limits(self) -> Any:
        return self.service.settings.limits

    async def on_photo(self, event: MessageEvent, chat: Chat, content: Any) -> None:
        if getattr(getattr(content, "content_provider", None), "type", "line") != "line":
            return  # an external URL: nothing to download through LINE
        async with self.person_lock(chat):
            await self._on_photo(event, chat, content)

    async def _on_photo(self, event: MessageEvent, chat: Chat, content: Any) -> None:
        locale = await self.locale_for(chat)
        photos = await self.state.photos(chat.chat_id, chat.user_id)
        marked = await self.state.pop_next_role(chat.chat_id, chat.user_id)
        taken = {p.role for p in photos}
        role = marked or next((r for r in SINGLE_ROLES if r not in taken), None)
        try:
            if role is None or (role not in taken and len(photos) >= self.config.max_pending_photos):
                raise LimitReached("line.too_many_photos", limit=self.config.max_pending_photos)
            if chat.one_to_one:  # 1:1: check it now and say so; groups: only when it is used
                data = await self.download(content.id)
                await self.stage(content.id, data)
        except ReelbotError as exc:
            if chat.one_to_one:
                await self.answer(event, chat, exc.render(locale))
            return
        if role in SINGLE_ROLES:
            replaced = [p for p in photos if p.role is role]  # the newest first/end frame wins
            photos = [p for p in photos if p.role is not role]
            await self.discard_staged(replaced)
        photos.append(PendingPhoto(message_id=content.id, role=role))
        await self.state.set_photos(chat.chat_id, chat.user_id, photos)
        await asyncio.to_thread(self.staging.touch, [p.message_id for p in photos])
        await asyncio.to_thread(self.staging.maybe_sweep)
        if chat.one_to_one:
            label = render(f"line.role.{role.value}", locale)
            minutes = max(1, self.config.photo_ttl_s // 60)
            await self.answer(event, chat, render("line.photo_received", locale, role=label, minutes=minutes))

    # -- quick replies ---------------------------------------------------------------------------
    async def on_postback(self, event: PostbackEvent, chat: Chat) -> None:
        locale = await self.locale_for(chat)
        about_job = outgoing.parse_job_postback(event.postback.data or "")
        if about_job is not None:
            try:
                await JOB_POSTBACKS[about_job[0]](self, event, chat, locale, about_job[1])
            except ReelbotError as exc:
                await self.answer(event, chat, exc.render(locale))
            return
        parsed = parse_custom_id(event.postback.data or "")
        handler = postback_for(parsed[0]) if parsed else None
        if parsed is None or handler is None:
            await self.answer(event, chat, render("line.unknown_action", locale))
            return
        try:
            await handler(self, event, chat, locale, parsed[1])
        except ReelbotError as exc:
            await self.answer(event, chat, exc.render(locale))

    async def start_remix(
        self,
        event: Any,
        chat: Chat,
        locale: str,
        clip_id: uuid.UUID,
        action: str,
        prompt: str | None = None,
    ) -> None:
        """Start the registry clip action ``action`` (reelbot.app.actions) on ``clip_id``."""
        await self.check_limits(chat)
        ticket = await self.service.start_action(
            action,
            clip_id,
            self.origin(chat, locale),
            idempotency_key=f"line:{event.webhook_event_id}",
            prompt=prompt,
        )
        _created_job.set(ticket.job_id)
        await self.accepted(event, chat, locale, ticket)
