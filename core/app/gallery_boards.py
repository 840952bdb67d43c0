"""Storyboards in a person's gallery: which clips are shots of a board, and the board's draft.

Why a lookup per page rather than a listing: a board lives in Redis (``core/app/storyboards``,
kept ``STATE_TTL_S``) and nothing indexes boards by person. Every shot, though, is an ordinary
clip in the gallery, and the storyboard code maps each shot's job to its board. So for the
clips on the page being shown, the boards they belong to are found (one GET per clip, then one
per board), and each board the person owns is shown with its stitched draft when one was
assembled. A board whose shots are on no page shown (or whose Redis state expired) does not
appear; its shots still do, as clips.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from reelbot.domain.errors import NotFound


@dataclass(frozen=True)
class BoardCard:
    """One storyboard as the gallery shows it; URLs are signed media URLs."""

    board_id: uuid.UUID
    title: str
    shots: int
    draft_url: str | None
    sheet_url: str | None
    width: int
    height: int


async def boards_on_page(
    service: Any, job_ids: list[uuid.UUID], owner_key: str
) -> tuple[dict[uuid.UUID, tuple[str, int]], list[BoardCard]]:
    """``({job id: (board title, shot number)}, [boards])`` for the person ``owner_key``."""
    from reelbot.app.storyboards.state import board_of_job, load_board

    shots: dict[uuid.UUID, tuple[uuid.UUID, int]] = {}
    for job_id in job_ids:
        found = await board_of_job(service, job_id)
        if found is not None:
            shots[job_id] = found
    boards: dict[uuid.UUID, Any] = {}
    for board_id in dict.fromkeys(board for board, _ in shots.values()):
        try:
            board = await load_board(service, board_id)
        except NotFound:  # expired: the shots stay plain clips
            continue
        if board.origin.user_key == owner_key:
            boards[board_id] = board
    labels = {
        job_id: (boards[board_id].title, number)
        for job_id, (board_id, number) in shots.items()
        if board_id in boards
    }
    sign = service.media.signed_url
    cards = [
        BoardCard(
            board_id=board.board_id,
            title=board.title,
            shots=len(board.shots),
            draft_url=sign(board.draft.video_key) if board.draft else None,
            sheet_url=sign(board.draft.contact_sheet_key) if board.draft else None,
            width=board.draft.width if board.draft else 9,
            height=board.draft.height if board.draft else 16,
        )
        for board in boards.values()
    ]
    return labels, cards
