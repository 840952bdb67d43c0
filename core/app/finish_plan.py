"""What a finish from chat will produce — its size, frame rate and audio mode — by one rule.

Why a module of its own: the chats state the size and rate in the status line they post
*before* the task is queued (the task's status message carries its id), and
:func:`reelbot.app.finish.finish_clip` / ``finish_draft`` build the task's payload from the
same :class:`FinishPlan`, so the line cannot name another size than the file will have, and a
storyboard's own fields (a file's ``finish.size`` / ``finish.fps`` / ``audio_mode``, LINE's
``尺寸`` / ``fps`` / ``音訊模式`` lines) reach every way its draft is finished alike.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from reelbot.domain.errors import NotFound
from reelbot.domain.messages import render
from reelbot.domain.storyboard import parse_size
from reelbot.domain.types import short_id

if TYPE_CHECKING:
    from reelbot.app.finish import FinishOptions
    from reelbot.app.service import ReelbotService
    from reelbot.app.storyboards.state import BoardFinish
    from reelbot.domain.finish_config import FinishSettings

#: The finished frame rate when nobody chose one (30 looks smooth on Shorts; 24 is the film look).
DEFAULT_FINISH_FPS = 30

AudioMode = Literal["mix", "replace"]


@dataclass(frozen=True)
class FinishPlan:
    """What a finish will produce, decided once (:func:`plan_for`)."""

    width: int
    height: int
    fps: int
    audio_mode: AudioMode

    def queued_text(self, locale: str | None, target_id: uuid.UUID, *, draft: bool = False) -> str:
        """The status line of a finish of the clip ``target_id`` (a ``draft``: the board's) queued."""
        key, field = ("finish.queued_draft", "board_id") if draft else ("finish.queued_clip", "clip_id")
        sized = {"width": self.width, "height": self.height, "fps": self.fps}
        return render(key, locale, **{field: short_id(target_id)}, **sized)


def plan_for(fin: FinishSettings, options: FinishOptions, board: BoardFinish | None = None) -> FinishPlan:
    """The one rule for every finish from chat: what the person chose, else what the board
    (its storyboard file or typed lines) asks, else the server's ``finish`` settings — the
    frame rate's last resort is :data:`DEFAULT_FINISH_FPS` (a clip's rate is never the
    model's 16 fps). A board's size was checked when the board was read
    (:func:`~reelbot.domain.storyboard.parse_size`)."""
    board_fps = board.fps if board is not None and board.fps in (24, 30) else None
    board_mode = board.audio_mode if board is not None and board.audio_mode in ("mix", "replace") else None
    width, height = parse_size(board.size) if board is not None and board.size else (fin.width, fin.height)
    return FinishPlan(
        width=width,
        height=height,
        fps=options.fps or board_fps or DEFAULT_FINISH_FPS,
        audio_mode=options.audio_mode or board_mode or fin.audio_mode,  # type: ignore[arg-type]
    )


async def finish_plan(
    service: ReelbotService, options: FinishOptions, board_id: uuid.UUID | None = None
) -> FinishPlan:
    """:func:`plan_for` of a clip's finish (no ``board_id``) or of a board's draft, for a
    status line written before the finish is queued. A board gone (past its TTL) plans as
    none: :func:`~reelbot.app.finish.finish_draft` then refuses it with its own message,
    where the chat shows refusals of a queued finish."""
    from reelbot.app.storyboards.state import load_board

    board = None
    if board_id is not None:
        with contextlib.suppress(NotFound):
            board = (await load_board(service, board_id)).finish
    return plan_for(service.settings.finish, options, board)
