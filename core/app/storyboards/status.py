"""Where a board stands, for status messages: each shot's current take and its state."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reelbot.app.storyboards.state import load_board
from reelbot.domain.types import JobState, Origin

if TYPE_CHECKING:
    from reelbot.app.service import ReelbotService


@dataclass(frozen=True)
class StoryboardTicket:
    """The immediate answer to :func:`submit_storyboard`: one job per shot, in shot order."""

    board_id: uuid.UUID
    job_ids: tuple[uuid.UUID, ...]
    duplicate: bool = False
    awaiting_consent: tuple[uuid.UUID, ...] = ()  # shots held until the uploader confirms
    notice_key: str | None = None  # e.g. "quota.relaxed_notice" from any shot


@dataclass(frozen=True)
class ShotState:
    number: int  # 1-based, as the creator counts
    job_id: uuid.UUID | None  # None: waiting in the board for a free slot (or refused)
    state: JobState  # QUEUED for a shot still waiting in the board; FAILED when refused
    step: int | None
    total_steps: int | None
    error_key: str | None = None  # why the service refused a waiting shot


@dataclass(frozen=True)
class BoardStatus:
    """Where a board stands: what a status message shows."""

    board_id: uuid.UUID
    title: str
    origin: Origin
    shots: tuple[ShotState, ...]

    @property
    def total(self) -> int:
        return len(self.shots)

    @property
    def done(self) -> int:
        return sum(shot.state is JobState.DONE for shot in self.shots)

    @property
    def failed(self) -> tuple[int, ...]:
        bad = (JobState.FAILED, JobState.CANCELLED)
        return tuple(shot.number for shot in self.shots if shot.state in bad)

    @property
    def complete(self) -> bool:
        return self.done == self.total


async def board_status(service: ReelbotService, board_id: uuid.UUID) -> BoardStatus:
    board = await load_board(service, board_id)
    shots = []
    for shot in board.shots:
        if shot.job_id is None:  # waiting in the board, or refused by the service
            state = JobState.FAILED if shot.error else JobState.QUEUED
            shots.append(ShotState(shot.number, None, state, None, None, shot.error))
            continue
        view = await service.job(shot.job_id)
        shots.append(ShotState(shot.number, view.id, view.state, view.step, view.total_steps))
    return BoardStatus(board_id=board_id, title=board.title, origin=board.origin, shots=tuple(shots))
