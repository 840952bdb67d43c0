"""LINE storyboards: a typed 分鏡 becomes a board of ordinary jobs; its shots come back as ONE
draft video, not one clip per shot.

Submission reuses :func:`reelbot.app.storyboards.submit_storyboard` — the same board, the same
checks (shot count, lengths, total, quotas, the pending cap) as Discord's ``/storyboard`` — with
the board parsed from the message by :mod:`.storyboard_syntax`. Every shot's origin is this
chat and the 分鏡 message, so :func:`~reelbot.app.storyboards.board_of_event` finds the board
of each shot's events.

Results: LINE cannot edit a sent message and every push counts against the monthly quota, so
progress is not pushed per shot. In a 1:1 chat the loading animation runs while a shot renders
(the ordinary ``started`` handling), 「分鏡進度」 answers with the board's state for free (reply
token), a shot that fails is pushed at once (the creator must know), and when the last shot is
done :func:`~reelbot.app.storyboards.assemble_draft` (the storyboards package's; the bot never
stitches) queues the worker task that assembles the draft — or returns the draft already made
for this set of takes. The task's ``done`` event (found by its origin, the board's message)
gives the draft through :func:`~reelbot.app.storyboards.draft_of_task`, pushed as a caption +
video message with a "重拍第 N 鏡" quick reply per shot; a failed task is pushed as such. The
draft push's retry key is derived from the board and its set of takes, so two events that both
see the finished board push it once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import TYPE_CHECKING

from linebot.v3.messaging import Message, VideoMessage

from reelbot.app.early_checks import check_board
from reelbot.bots.common.status import duration_text, failure_reason
from reelbot.bots.line import outgoing
from reelbot.bots.line.board_finish import check_board_music, draft_hints
from reelbot.bots.line.board_replies import consent_quick_reply, draft_quick_reply
from reelbot.bots.line.photos import discard_staged, photo_bytes
from reelbot.bots.line.storyboard_syntax import STORYBOARD_HEADER, parse_board
from reelbot.domain.errors import InvalidRequest, NotFound
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.messages import render
from reelbot.domain.storyboard import MAX_SHOTS, Storyboard
from reelbot.domain.tasks import ASSEMBLE_DRAFT
from reelbot.domain.types import JobState, ReferenceRole

if TYPE_CHECKING:
    from linebot.v3.webhooks import MessageEvent

    from reelbot.app.service import ReelbotService
    from reelbot.app.storyboards import BoardStatus, Draft
    from reelbot.bots.line.chat import Chat
    from reelbot.bots.line.deliver import Deliverer
    from reelbot.bots.line.handler import LineHandler

log = logging.getLogger(__name__)

#: A shot that names no length (and no 秒數 on the first line) lasts this long, within limits.
DEFAULT_SHOT_SECONDS = 3.0
LATEST_TTL_S = 30 * 24 * 3600  # as long as the board itself lives (storyboards.state)
TERMINAL = (EventKind.DONE, EventKind.FAILED, EventKind.CANCELLED)


def _short(value: object) -> str:
    return str(value)[:8]


def _latest_key(h: LineHandler, chat: Chat) -> str:
    """The person's newest board in this chat (what 分鏡進度 reports)."""
    return h.state.keys.key("board", chat.chat_id, chat.user_id)


def default_seconds(service: ReelbotService) -> float:
    limits = service.settings.limits
    return min(max(DEFAULT_SHOT_SECONDS, limits.min_seconds), limits.max_seconds)


def _title(title: str, locale: str | None) -> str:
    return title or render("line.storyboard_untitled", locale)


# -- submission --------------------------------------------------------------------------------


#: The waiting photos a board takes: the character and the look every shot keeps (a first or
#: end frame belongs to one clip, so those stay waiting for the next prompt).
BOARD_ROLES = {ReferenceRole.SUBJECT: "character", ReferenceRole.STYLE: "style"}


async def submit_board(h: LineHandler, event: MessageEvent, chat: Chat, locale: str, text: str) -> None:
    """Parse the typed board, check it, queue its shots; answer with the reply token."""
    header = STORYBOARD_HEADER.match(text)
    if header is not None and not text[header.end() :].strip(" :：\t"):  # 「分鏡」 alone: how
        await h.answer(event, chat, render("line.storyboard_help", locale, max_shots=MAX_SHOTS))
        return
    board = parse_board(text, default_seconds=default_seconds(h.service), locale=locale)
    check_board_music(h.service, board)  # 音樂: that could never be composed: no shot queued
    async with h.person_lock(chat):  # the waiting photos are read and cleared, as for a prompt
        await _submit(h, event, chat, locale, board)


async def _submit(h: LineHandler, event: MessageEvent, chat: Chat, locale: str, board: Storyboard) -> None:
    from reelbot.app.storyboards import check_chat_storyboard, submit_storyboard

    await h.check_limits(chat)
    origin = h.origin(chat, locale, event.message.id)
    photos = [p for p in await h.state.photos(chat.chat_id, chat.user_id) if p.role in BOARD_ROLES]
    names = {photo: f"line:{photo.role.value}:{photo.message_id}" for photo in photos}
    update = {BOARD_ROLES[photo.role]: name for photo, name in names.items()}  # the newest of a role wins
    board = board.model_copy(update=update) if update else board
    check_chat_storyboard(board, h.service, dict.fromkeys(update.values(), b""))  # a bad shot by its number
    # Every shot's prompt moderated, then the person's limits for all the shots, before any
    # photo is fetched or shot queued: a refused prompt is moderation's answer, over a limit or not.
    await check_board(h.service, board, origin)
    images = {name: await photo_bytes(h, photo) for photo, name in names.items() if name in update.values()}
    ticket = await submit_storyboard(
        h.service, board, origin, images_by_name=images, idempotency_key=f"line:{event.webhook_event_id}"
    )
    await h.state.redis.set(_latest_key(h, chat), str(ticket.board_id), ex=LATEST_TTL_S)
    if photos:  # used (the board keeps them until every shot is admitted): only after success
        left = [p for p in await h.state.photos(chat.chat_id, chat.user_id) if p not in photos]
        await h.state.set_photos(chat.chat_id, chat.user_id, left)
        await discard_staged(h, photos)
    short = _short(ticket.board_id)
    if ticket.duplicate:
        await h.answer(event, chat, render("line.storyboard_duplicate", locale, board_id=short))
        return
    log.info(
        "LINE storyboard %s: %d shots, %d queued", ticket.board_id, len(board.shots), len(ticket.job_ids)
    )
    if ticket.awaiting_consent:  # a face in the character/style photo: one question for the board
        text = render("consent.required", locale, job_id=short)
        if ticket.notice_key:
            text = f"{text}\n{render(ticket.notice_key, locale)}"
        quick = consent_quick_reply(ticket.board_id, origin, locale, h.config)
        await h.answer(event, chat, [outgoing.text(text, h.config, quick_reply=quick)])
        return
    reply = render(
        "line.storyboard_accepted",
        locale,
        title=_title(board.title, locale),
        board_id=short,
        count=len(board.shots),
        seconds=f"{sum(shot.seconds for shot in board.shots):g}",
        queued=len(ticket.job_ids),
    )
    if ticket.notice_key:
        reply = f"{reply}\n{render(ticket.notice_key, locale)}"
    await h.answer(event, chat, reply)
    if chat.one_to_one:
        await h.api.show_loading(chat.chat_id)


async def board_consent(
    h: LineHandler, event: MessageEvent, chat: Chat, locale: str, board: str, yes: bool
) -> None:
    """同意 / 不同意 #<board>: consent for every shot of the board that waits for it, or the
    board's waiting shots cancelled (the service checks that the uploader answers)."""
    from reelbot.app.storyboards import board_status, confirm_consent, decline_consent

    board_id = await _newest_board(h, chat)
    if not str(board_id).startswith(board):
        raise NotFound("storyboard.not_found", board_id=board)
    origin = h.origin(chat, locale)
    short = _short(board_id)
    if yes:
        if not await confirm_consent(h.service, board_id, by=origin):
            raise InvalidRequest("line.storyboard_consent_nothing", board_id=short)
        await h.answer(event, chat, render("consent.confirmed", locale, job_id=short))
        if chat.one_to_one:
            await h.api.show_loading(chat.chat_id)
        return
    status = await board_status(h.service, board_id)
    waiting = [s.job_id for s in status.shots if s.state is JobState.AWAITING_CONSENT and s.job_id]
    for job_id in waiting:  # this reply is the notice: no "shot N did not render" pushes
        await h.state.mark_answered(job_id)
    try:
        declined = await decline_consent(h.service, board_id, by=origin)
    except BaseException:
        for job_id in waiting:
            await h.state.unmark_answered(job_id)
        raise
    if not declined:
        raise InvalidRequest("line.storyboard_consent_nothing", board_id=short)
    await h.answer(event, chat, render("consent.declined", locale, job_id=short))


async def _newest_board(h: LineHandler, chat: Chat) -> uuid.UUID:
    raw = await h.state.redis.get(_latest_key(h, chat))
    if raw is None:
        raise InvalidRequest("line.storyboard_none")
    return uuid.UUID(raw.decode() if isinstance(raw, bytes) else raw)


async def reroll_board_shot(
    h: LineHandler, event: MessageEvent, chat: Chat, locale: str, shot: int | None, board: str | None
) -> None:
    """重拍 N: a new take of shot N (new seed, same recipe) of the person's newest board here,
    by :func:`reelbot.app.storyboards.reroll_shot` (the board's owner only); the next draft
    keeps the other shots' clips and is pushed when the new take is done."""
    from reelbot.app.storyboards import reroll_shot

    if shot is None:
        raise InvalidRequest("line.storyboard_reroll_how")
    board_id = await _newest_board(h, chat)
    if board is not None and not str(board_id).startswith(board):  # a quick reply of an older draft
        raise NotFound("storyboard.not_found", board_id=board)
    await h.check_limits(chat)
    ticket = await reroll_shot(
        h.service, board_id, shot, by=h.origin(chat, locale), idempotency_key=f"line:{event.webhook_event_id}"
    )
    text = render("line.storyboard_rerolled", locale, shot=shot, board_id=_short(board_id))
    quick = outgoing.cancel_quick_reply(ticket.job_id, locale, h.config)
    await h.answer(event, chat, [outgoing.text(text, h.config, quick_reply=quick)])
    if chat.one_to_one:
        await h.api.show_loading(chat.chat_id)


async def board_progress(h: LineHandler, event: MessageEvent, chat: Chat, locale: str) -> None:
    """分鏡進度: where the person's newest board in this chat stands (a reply: no push used)."""
    from reelbot.app.storyboards import board_status

    status = await board_status(h.service, await _newest_board(h, chat))  # gone: storyboard.not_found
    await h.answer(event, chat, progress_text(status, locale))


def progress_text(status: BoardStatus, locale: str | None) -> str:
    if status.failed:
        detail = render("line.storyboard_progress_failed", locale, shots=", ".join(map(str, status.failed)))
    elif status.complete:
        detail = render("line.storyboard_progress_ready", locale)
    else:
        running = next((s.number for s in status.shots if s.state is JobState.RUNNING), None)
        detail = render("line.storyboard_progress_rendering", locale, shot=running) if running else ""
    return render(
        "line.storyboard_progress",
        locale,
        title=_title(status.title, locale),
        board_id=_short(status.board_id),
        done=status.done,
        total=status.total,
        detail=detail,
    ).rstrip()


# -- results -------------------------------------------------------------------------------------


async def board_of(d: Deliverer, event: JobEvent) -> uuid.UUID | None:
    """The board of a job event, for the events that a board answers differently (outcomes)."""
    from reelbot.app.storyboards import board_of_event

    if event.kind not in TERMINAL:
        return None  # started: the loading animation as for any job; queued/progress: nothing
    return await board_of_event(d.service, event.job_id, event.origin)


async def board_messages(
    d: Deliverer, event: JobEvent, board_id: uuid.UUID
) -> tuple[list[Message], str] | None:
    """What to push for one shot's outcome, with the push's retry key; None: push nothing."""
    from reelbot.app.storyboards import advance_storyboard, assemble_draft, board_status

    with contextlib.suppress(NotFound):
        await advance_storyboard(d.service, board_id)  # a pending-cap slot came free
    try:
        status = await board_status(d.service, board_id)
    except NotFound:
        log.info("storyboard %s is gone; dropping the outcome of job %s", board_id, event.job_id)
        return None
    locale = status.origin.locale
    title = _title(status.title, locale)
    if event.task == ASSEMBLE_DRAFT:  # the worker task that stitches the draft: done or failed
        return await _draft_task_outcome(d, event, status)
    shot = next((s for s in status.shots if s.job_id == event.job_id), None)
    if shot is None:
        return None  # an earlier take of a re-rolled shot
    if event.kind is not EventKind.DONE:
        if event.kind is EventKind.CANCELLED and await d.state.take_answered(event.job_id):
            return None  # the reply to 取消 said it
        reason = (
            render("status.cancelled", locale)
            if event.kind is EventKind.CANCELLED
            else failure_reason(event.error_key, event.error_detail, str(event.job_id), locale)
        )
        text = render("line.storyboard_shot_failed", locale, title=title, shot=shot.number, reason=reason)
        return [outgoing.text(text, d.config)], f"board-shot:{event.job_id}:{event.kind.value}"
    refused = next((s for s in status.shots if s.error_key), None)
    if refused is not None:  # a waiting shot the service refused when its turn came
        reason = failure_reason(refused.error_key, None, str(board_id), locale)
        text = render("line.storyboard_shot_failed", locale, title=title, shot=refused.number, reason=reason)
        return [outgoing.text(text, d.config)], f"board-refused:{board_id}:{refused.number}"
    if not status.complete:
        return None
    draft = await assemble_draft(d.service, board_id)
    if draft is None:
        return None  # being assembled (a worker task, or another event): its outcome pushes it
    return await _draft_push(d, status, draft)


async def _draft_task_outcome(
    d: Deliverer, event: JobEvent, status: BoardStatus
) -> tuple[list[Message], str] | None:
    """The ``done`` / ``failed`` event of the worker task that assembles a board's draft."""
    from reelbot.app.storyboards import draft_of_task

    locale = status.origin.locale
    if event.kind is EventKind.DONE:
        draft = await draft_of_task(d.service, event.job_id)
        return await _draft_push(d, status, draft) if draft is not None else None
    reason = failure_reason(event.error_key, event.error_detail, str(event.job_id), locale)
    text = render("line.storyboard_draft_failed", locale, title=_title(status.title, locale), reason=reason)
    return [outgoing.text(text, d.config)], f"board-draft-failed:{event.job_id}"


async def _draft_push(d: Deliverer, status: BoardStatus, draft: Draft) -> tuple[list[Message], str]:
    """The draft's messages, with a retry key of the board and its set of takes: two events
    that both see the finished board push it once (LINE answers the second with 409)."""
    from reelbot.app.storyboards.state import load_board

    digest = draft.video_key.rsplit("/", 1)[-1].split(".")[0]
    hints = draft_hints((await load_board(d.service, draft.board_id)).finish)
    # Measures the preview file: a thread, not the event loop.
    messages = await asyncio.to_thread(draft_messages, d, status, draft, hints)
    return messages, f"board-draft:{draft.board_id}:{digest}"


def draft_messages(
    d: Deliverer, status: BoardStatus, draft: Draft, hints: list[str] | None = None
) -> list[Message]:
    """The caption, then the draft as a LINE video (the contact sheet as its preview), or a link
    when LINE could not show it (too large, no HTTPS, a preview over 1 MB); either way with the
    「輸出成 Shorts」 quick reply and a "重拍第 N 鏡" one per shot. ``hints``: text keys of what the
    quick reply does with the board's own fields (shot captions burned in, its music composed
    first, the beat snap) — the Short is not pushed by itself (a second push per board against
    the monthly push quota), so the text says what the tap will do."""
    locale = status.origin.locale
    media = d.service.media
    caption = render(
        "line.storyboard_draft",
        locale,
        title=_title(status.title, locale),
        shots=status.total,
        seconds=duration_text(draft.seconds),
        width=draft.width,
        height=draft.height,
    )
    clip_media = outgoing.ClipMedia(
        video_url=media.signed_url(draft.video_key),
        preview_url=media.signed_url(draft.contact_sheet_key),
        video_bytes=draft.size_bytes,
        preview_path=media.path(draft.contact_sheet_key),
        duration_s=draft.seconds,
    )
    problem = outgoing.video_problem(clip_media, d.config)
    quick = draft_quick_reply(status, d.config)
    caption = f"{caption}\n{render('line.storyboard_reroll_hint', locale)}"
    for hint in hints or []:
        caption = f"{caption}\n{render(hint, locale)}"
    if problem is not None:
        log.warning("draft of storyboard %s sent as a link: %s", draft.board_id, problem)
        link = render("line.storyboard_draft_link", locale, url=clip_media.video_url)
        return [outgoing.text(f"{caption}\n{link}", d.config, quick_reply=quick)]
    video = VideoMessage(
        original_content_url=clip_media.video_url, preview_image_url=clip_media.preview_url, quick_reply=quick
    )
    return [outgoing.text(caption, d.config), video]
