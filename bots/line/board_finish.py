"""A typed board's finish lines (``音樂:``, ``節拍``, ``音訊模式``) at submit and at 「輸出成 Shorts」.

Why the music is composed at 輸出成 Shorts and not at submit: LINE's music is one flow —
:func:`reelbot.app.music.submit_music` queues a ``music`` task, its ``done`` event makes the
track the person's waiting soundtrack in that chat and one push says so (bots/line/music.py)
— and the next 輸出成 Shorts uses the waiting track. A board's ``音樂:`` joins that flow at
the point the track is needed: its length is the draft's (known only once the draft is
assembled), and a person who never finishes the draft spends no GPU on music. There is no
"finish after music" path in LINE: finishing by itself would need one more push per board
against the monthly push quota (docs/line.md) and would finish a Short the person has not
asked for yet; so the reply says to tap 輸出成 Shorts again when the music push comes.

The description is checked up front at submit (:func:`~reelbot.app.music.check_description`:
length, a music engine configured), so a board that could never get its music queues no shot;
moderation runs when the music task is submitted, as for 「音樂 <描述>」.

``節拍`` needs a track: the board's music, or the person's waiting soundtrack (an audio
message, a music file, composed music). With neither, 輸出成 Shorts is refused with one message
and nothing is queued — not finished without the beat snap the board asked for.

``音訊模式: 取代|混音`` is the finish's ``audio_mode`` for whatever track the tap uses: LINE's
quick reply carries no mode of its own (a waiting track is otherwise mixed in), so the board's
line is the person's choice. ``尺寸`` and ``fps`` reach the finish from the board itself
(:func:`reelbot.app.finish.finish_draft`), ``色調一致`` the draft's assembly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reelbot.app.music import check_description, music_seconds_for, submit_music
from reelbot.app.tasks import active_tasks
from reelbot.bots.common.status import shorten
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.messages import render
from reelbot.domain.tasks import MUSIC
from reelbot.domain.types import short_id

if TYPE_CHECKING:
    import uuid

    from linebot.v3.webhooks import Event

    from reelbot.app.service import ReelbotService
    from reelbot.app.storyboards.state import BoardFinish, BoardState
    from reelbot.bots.line.chat import Chat
    from reelbot.bots.line.handler import LineHandler
    from reelbot.domain.storyboard import Storyboard

MUSIC_ECHO_CHARS = 60  # the description quoted back in the reply


def check_board_music(service: ReelbotService, board: Storyboard) -> None:
    """At submit: a board's ``音樂:`` that could never be composed (too long, no engine) is
    refused before any shot is queued, in the board's words (remove the line)."""
    if board.music is None:
        return
    try:
        check_description(service, board.music, "")
    except InvalidRequest as exc:
        if exc.key != "storyboard.music_model_missing":
            raise
        raise InvalidRequest("line.storyboard_music_off") from None


def draft_hints(wanted: BoardFinish | None) -> list[str]:
    """The draft push's lines about what 輸出成 Shorts will do with the board's own fields."""
    if wanted is None:
        return []
    hints = ["line.storyboard_finish_hint"] if any(wanted.captions) else []
    if wanted.music:
        hints.append("line.storyboard_music_hint")
    if wanted.beat_snap:
        hints.append("line.storyboard_beat_hint")
    if wanted.audio_mode is not None:
        hints.append(f"line.storyboard_{wanted.audio_mode}_hint")
    return hints


async def finish_board_draft(
    h: LineHandler, event: Event, chat: Chat, locale: str, board_id: uuid.UUID
) -> None:
    """「輸出成 Shorts」 under a draft: the board's music composed first when no track waits,
    a beat snap with no track at all refused, else the ordinary draft finish."""
    from reelbot.app.storyboards.state import load_board
    from reelbot.bots.line.finish_extras import finish_draft_here

    board = await load_board(h.service, board_id)
    wanted = board.finish
    if wanted is not None and (wanted.music or wanted.beat_snap) and board.draft is not None:
        track, _ = await h.state.finish_extras(chat.chat_id, chat.user_id)
        if track is None and wanted.music:
            await _compose(h, event, chat, locale, board, wanted.music)
            return
        if track is None:
            raise InvalidRequest("line.storyboard_beat_needs_track")
    mode = wanted.audio_mode if wanted is not None else None
    await finish_draft_here(h, event, chat, locale, board_id, mode)  # no draft: storyboard.no_draft


async def _compose(
    h: LineHandler, event: Event, chat: Chat, locale: str, board: BoardState, music: str
) -> None:
    """The board's music as a ``music`` task for the draft's length (the one LINE music flow);
    a second tap while that description is composing is told so, not queued twice (another
    ``音樂 <描述>`` of the person's composing does not count: it is not the board's music)."""
    await h.check_limits(chat)  # the track is announced by a push: LINE's monthly quota first
    origin = h.origin(chat, locale)
    busy = [
        task
        for task in await active_tasks(h.service, origin)
        if task.kind == MUSIC and task.payload.get("description") == music.strip()
    ]
    if busy:
        await h.answer(event, chat, render("line.storyboard_music_busy", locale, job_id=short_id(busy[0].id)))
        return
    seconds = music_seconds_for(board.draft.seconds if board.draft else 0.0)
    try:
        ticket = await submit_music(
            h.service, origin, music, seconds=seconds, idempotency_key=f"line:{event.webhook_event_id}"
        )  # moderation, the quota: one refusal, nothing queued
    except InvalidRequest as exc:  # switched off since the board was sent
        if exc.key != "storyboard.music_model_missing":
            raise
        raise InvalidRequest("line.music_off") from None
    text = render(
        "line.storyboard_music_composing",
        locale,
        board_id=short_id(board.board_id),
        music=shorten(music, MUSIC_ECHO_CHARS),
        job_id=short_id(ticket.task_id),
        seconds=f"{seconds:g}",
    )
    await h.answer(event, chat, text)
    if chat.one_to_one:
        await h.api.show_loading(chat.chat_id)
