"""The draft: every shot's current take joined into one mp4 plus a contact sheet.

The joining itself is the generator's (decode → crossfade/cut → encode, no re-render); the
application reaches it through :class:`reelbot.ports.DraftAssembler`, wired by the composition
root. The same set of takes is assembled once; a re-roll changes the set.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reelbot.app.storyboards.state import DraftRecord, load_board, update_board
from reelbot.app.storyboards.status import board_status
from reelbot.domain.errors import InvalidRequest
from reelbot.ports import PORTS

if TYPE_CHECKING:
    from reelbot.app.service import ReelbotService
    from reelbot.app.storyboards.state import BoardState

log = logging.getLogger(__name__)

ASSEMBLY_LOCK_S = 300  # one process assembles a draft at a time; the lock expires if it dies
DRAFT_MAX_BYTES = 512 * 1024 * 1024  # same cap as the CLI's draft; the bots link what they can't attach


@dataclass(frozen=True)
class Draft:
    """A stitched draft in the media store (keys for :class:`MediaStore`)."""

    board_id: uuid.UUID
    video_key: str
    contact_sheet_key: str
    size_bytes: int
    width: int
    height: int
    fps: int
    num_frames: int
    job_ids: tuple[uuid.UUID, ...]

    @property
    def seconds(self) -> float:
        return self.num_frames / self.fps

    @classmethod
    def from_record(cls, board_id: uuid.UUID, record: DraftRecord) -> Draft:
        facts = record.model_dump(exclude={"job_ids"})
        return cls(board_id=board_id, job_ids=tuple(record.job_ids), **facts)


def _draft_keys(board_id: uuid.UUID, job_ids: list[uuid.UUID]) -> tuple[str, str]:
    digest = hashlib.sha256(",".join(str(j) for j in job_ids).encode()).hexdigest()[:16]
    return f"drafts/{board_id}/{digest}.mp4", f"drafts/{board_id}/{digest}.jpg"


async def _shot_clip_keys(
    service: ReelbotService, board_id: uuid.UUID, job_ids: list[uuid.UUID]
) -> list[str]:
    """The stored video of each take, in shot order; a take without one fails its shot."""
    keys = []
    for number, job_id in enumerate(job_ids, start=1):
        view = await service.job(job_id)
        clip = await service.clip(view.clip_id) if view.clip_id is not None else None
        if clip is None or clip.deleted or not clip.video_key:
            state = "no clip" if clip is None else "deleted"
            raise InvalidRequest("storyboard.shot_failed", shot=number, board_id=str(board_id), state=state)
        keys.append(clip.video_key)
    return keys


async def _build(service: ReelbotService, board: BoardState, job_ids: list[uuid.UUID]) -> DraftRecord:
    clip_keys = await _shot_clip_keys(service, board.board_id, job_ids)
    video_key, sheet_key = _draft_keys(board.board_id, job_ids)
    facts = await asyncio.to_thread(
        PORTS.require_draft_assembler(),
        service.media,
        service.settings.encode.model_copy(update={"max_bytes": DRAFT_MAX_BYTES}),
        clip_keys,
        board.transitions,
        board.crossfade_seconds,
        video_key,
        sheet_key,
        board.title,
    )
    return DraftRecord(job_ids=job_ids, video_key=video_key, contact_sheet_key=sheet_key, **facts)


async def assemble_draft(service: ReelbotService, board_id: uuid.UUID) -> Draft | None:
    """Stitch the current take of every shot into one draft (+ contact sheet), once all are done.

    None while any shot is still waiting or rendering (or another process is assembling this
    very set of shots right now). A failed or cancelled shot raises ``storyboard.shot_failed``:
    re-roll it.
    """
    board = await load_board(service, board_id)
    status = await board_status(service, board_id)
    if status.failed:
        bad = next(s for s in status.shots if s.number == status.failed[0])
        raise InvalidRequest(
            "storyboard.shot_failed", shot=bad.number, board_id=str(board_id), state=bad.state.value
        )
    if not status.complete:
        return None
    job_ids = [shot.job_id for shot in status.shots if shot.job_id is not None]
    if board.draft and board.draft.job_ids == job_ids and service.media.exists(board.draft.video_key):
        return Draft.from_record(board_id, board.draft)

    lock = service.keys.storyboard_lock(str(board_id))
    token = uuid.uuid4().hex
    if not await service.redis.set(lock, token, nx=True, ex=ASSEMBLY_LOCK_S):
        return None
    try:
        record = await _build(service, board, job_ids)

        def save(state: BoardState) -> None:
            state.draft = record

        await update_board(service, board_id, save)
        log.info("storyboard %s: draft assembled (%d frames)", board_id, record.num_frames)
        return Draft.from_record(board_id, record)
    finally:
        if (await service.redis.get(lock) or b"").decode() == token:
            await service.redis.delete(lock)
