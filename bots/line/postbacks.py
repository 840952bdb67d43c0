"""Quick-reply postbacks: the shared clip actions (``reelbot:<action>:<clip_id>``), a clip's
takes in another mode (``modes:<clip_id>`` asks which, ``take:<action>.<mode>:<clip_id>`` runs
one) and the LINE-only answers about a job (``consent:`` / ``decline:`` / ``cancel:<job_id>``)
or a board's draft (``finish_draft:<board_id>``).

Registries are dicts filled by decorators, so adding a postback is one function here; the
handler (:class:`reelbot.bots.line.handler.LineHandler`) looks the name up and turns any
``ReelbotError`` into a reply in the user's language.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from linebot.v3.webhooks import Event

from reelbot.bots.common.actions import ACTIONS, parse_custom_id
from reelbot.bots.common.modes import mode_takes, parse_take
from reelbot.bots.line import outgoing
from reelbot.bots.line.chat import created_job
from reelbot.domain.errors import InvalidRequest, ReelbotError
from reelbot.domain.messages import render
from reelbot.domain.types import SpeedMode, short_id

if TYPE_CHECKING:
    from linebot.v3.webhooks import PostbackEvent

    from reelbot.bots.line.chat import Chat
    from reelbot.bots.line.handler import LineHandler

PostbackHandler = Callable[["LineHandler", Event, "Chat", str, uuid.UUID], Awaitable[None]]
POSTBACKS: dict[str, PostbackHandler] = {}


def postback(name: str) -> Callable[[PostbackHandler], PostbackHandler]:
    """Register the LINE handler of a shared remix action (see bots/common/actions.py)."""

    def register(fn: PostbackHandler) -> PostbackHandler:
        if name not in ACTIONS:
            raise ValueError(f"unknown action {name!r}")
        POSTBACKS[name] = fn
        return fn

    return register


JobPostbackHandler = Callable[["LineHandler", Event, "Chat", str, uuid.UUID], Awaitable[None]]
JOB_POSTBACKS: dict[str, JobPostbackHandler] = {}


def job_postback(name: str) -> Callable[[JobPostbackHandler], JobPostbackHandler]:
    """Register the handler of a LINE-only postback about a job (``consent:<job_id>`` …)."""

    def register(fn: JobPostbackHandler) -> JobPostbackHandler:
        if name not in outgoing.JOB_POSTBACK_ACTIONS:
            raise ValueError(f"unknown job postback {name!r}")
        JOB_POSTBACKS[name] = fn
        return fn

    return register


async def on_postback(h: LineHandler, event: PostbackEvent, chat: Chat) -> None:
    """A tapped quick reply: a job postback or a clip action, each refusal in the tapper's language."""
    locale = await h.locale_for(chat)
    call = _postback_call(h, event, chat, locale, event.postback.data or "")
    if call is None:
        await h.answer(event, chat, render("line.unknown_action", locale))
        return
    try:
        await call
    except ReelbotError as exc:
        await h.answer(event, chat, exc.render(locale))


def _postback_call(
    h: LineHandler, event: PostbackEvent, chat: Chat, locale: str, data: str
) -> Awaitable[None] | None:
    """The handler call ``data`` names (a take, a job postback, a clip action), None for none."""
    take = outgoing.parse_take_postback(data)
    if take is not None:
        return _take(h, event, chat, locale, take[1], take[0])
    about_job = outgoing.parse_job_postback(data)
    if about_job is not None:
        return JOB_POSTBACKS[about_job[0]](h, event, chat, locale, about_job[1])
    parsed = parse_custom_id(data)
    handler = postback_for(parsed[0]) if parsed else None
    return handler(h, event, chat, locale, parsed[1]) if parsed and handler else None


async def start_remix(
    h: LineHandler,
    event: Any,
    chat: Chat,
    locale: str,
    clip_id: uuid.UUID,
    action: str,
    prompt: str | None = None,
    speed: SpeedMode | None = None,
) -> None:
    """Start the registry clip action ``action`` (reelbot.app.actions) on ``clip_id``; ``speed``
    is a mode the person typed (改提示's new prompt with 速度:…), else the parent's is kept."""
    await h.check_limits(chat)
    ticket = await h.service.start_action(
        action,
        clip_id,
        h.origin(chat, locale),
        idempotency_key=f"line:{event.webhook_event_id}",
        prompt=prompt,
        speed=speed,
    )
    created_job.set(ticket.job_id)
    await h.accepted(event, chat, locale, ticket)


# -- clip quick replies (bots/common/actions.py) ----------------------------------------------


def postback_for(name: str) -> PostbackHandler | None:
    """The handler of a clip-action postback: a decorated one (remix asks for the prompt, info
    answers), else — for any generating registry action shown on LINE — one generic handler."""
    handler = POSTBACKS.get(name)
    if handler is not None:
        return handler
    action = ACTIONS.get(name)
    if action is None or not action.generates or action.needs_prompt or "line" not in action.surfaces:
        return None

    async def start(h: LineHandler, event: Event, chat: Chat, locale: str, clip_id: uuid.UUID) -> None:
        await start_remix(h, event, chat, locale, clip_id, name)

    return start


@postback("remix")
async def _remix(h: LineHandler, event: Event, chat: Chat, locale: str, clip_id: uuid.UUID) -> None:
    clip = await h.service.clip(clip_id)  # NotFound now rather than after the user typed a prompt
    if clip.deleted:
        raise InvalidRequest("clip.not_found")
    await h.state.await_prompt(chat.chat_id, chat.user_id, clip_id)
    minutes = max(1, h.config.pending_prompt_ttl_s // 60)
    await h.answer(event, chat, render("line.remix_prompt", locale, minutes=minutes))


@postback("info")
async def _info(h: LineHandler, event: Event, chat: Chat, locale: str, clip_id: uuid.UUID) -> None:
    clip = await h.service.clip(clip_id)
    if clip.deleted:
        raise InvalidRequest("clip.not_found")
    request = clip.request
    text = outgoing.info_text(
        prompt=request.prompt,
        aspect=request.aspect.value,
        seconds=clip.duration_s,
        fps=clip.fps,
        seed=request.seed,
        preset=request.preset,
        lineage=clip.lineage,
        page_url=h.page_url(clip_id),
        locale=locale,
        report=clip.report,
    )
    await h.answer(event, chat, text)


@postback("finish")
async def _finish(h: LineHandler, event: Event, chat: Chat, locale: str, clip_id: uuid.UUID) -> None:
    """「輸出成 Shorts」: one ``finish`` worker task (with the person's waiting track and caption);
    the finished file is pushed when it is done."""
    from reelbot.bots.line.finish_extras import finish_here

    await finish_here(h, event, chat, locale, clip_id)


# -- another speed mode (bots/common/modes.py) ----------------------------------------------------


@job_postback("modes")
async def _modes(h: LineHandler, event: Event, chat: Chat, locale: str, clip_id: uuid.UUID) -> None:
    """換個速度: a reply (not a push: it costs no quota) whose quick replies are the clip's takes in
    another mode; a clip with none (deleted, its preset changed) gets the stale-button answer."""
    clip = await h.service.clip(clip_id)
    takes = [] if clip.deleted else mode_takes(clip, h.service.settings, "line")
    if not takes:
        await h.answer(event, chat, render("line.unknown_action", locale))
        return
    quick = outgoing.take_quick_reply(clip_id, takes, locale, h.config)
    await h.answer(
        event, chat, [outgoing.text(render("line.pick_take", locale), h.config, quick_reply=quick)]
    )


async def _take(
    h: LineHandler, event: Event, chat: Chat, locale: str, clip_id: uuid.UUID, value: str
) -> None:
    """A tapped take: the action in that mode through the clip actions' own path (limits,
    idempotency, the queued reply); a forged or stale value is the stale-button answer, a mode
    the clip's preset lacks the service's refusal. A take in the clip's own mode is stale too
    (never offered; bots/common/modes.py decides it for both chats)."""
    clip = await h.service.clip(clip_id)
    if clip.deleted:
        raise InvalidRequest("clip.not_found")
    parsed = parse_take(value, "line", clip, h.service.settings)
    if parsed is None:
        await h.answer(event, chat, render("line.unknown_action", locale))
        return
    await start_remix(h, event, chat, locale, clip_id, parsed[0], speed=parsed[1])


# -- postbacks about a job (consent question, 取消 quick reply) -------------------------------------


@job_postback("consent")
async def _consent(h: LineHandler, event: Event, chat: Chat, locale: str, job_id: uuid.UUID) -> None:
    """The uploader confirms consent; anyone else gets ``consent.not_yours`` and nothing is queued."""
    ticket = await h.service.confirm_consent(job_id, by=h.origin(chat, locale))
    text = render("consent.confirmed", locale, job_id=short_id(job_id))
    if ticket.notice_key:
        text = f"{text}\n{render(ticket.notice_key, locale)}"
    quick = outgoing.cancel_quick_reply(job_id, locale, h.config)
    await h.answer(event, chat, [outgoing.text(text, h.config, quick_reply=quick)])
    if chat.one_to_one:
        await h.api.show_loading(chat.chat_id)


@job_postback("decline")
async def _decline(h: LineHandler, event: Event, chat: Chat, locale: str, job_id: uuid.UUID) -> None:
    """The uploader declines: the job is cancelled, never queued; this reply is the only notice."""
    await h.state.mark_answered(job_id)
    try:
        await h.service.decline_consent(job_id, by=h.origin(chat, locale))
    except BaseException:
        await h.state.unmark_answered(job_id)
        raise
    await h.answer(event, chat, render("consent.declined", locale, job_id=short_id(job_id)))


@job_postback("finish_draft")
async def _finish_draft(h: LineHandler, event: Event, chat: Chat, locale: str, board_id: uuid.UUID) -> None:
    """「輸出成 Shorts」 under a storyboard draft: a ``finish`` task of the board's current draft,
    with the person's waiting track and caption, as under a clip — or first the board's own
    ``音樂:`` composed (bots/line/board_finish.py)."""
    from reelbot.bots.line.board_finish import finish_board_draft

    await finish_board_draft(h, event, chat, locale, board_id)


@job_postback("cancel")
async def _cancel(h: LineHandler, event: Event, chat: Chat, locale: str, job_id: uuid.UUID) -> None:
    await h.cancel_job(event, chat, locale, job_id)
