"""The draft: every shot's current take joined into one mp4 plus a contact sheet.

The joining itself is the generator's (decode → crossfade/cut → encode, no re-render) and runs
on a worker: the application queues an ``assemble_draft`` task (:mod:`reelbot.app.tasks`) and
the bot posts the draft when the task's ``done`` event arrives. The same set of takes is
assembled once (the task's key is the set); a re-roll changes the set.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reelbot.app.storyboards.state import DraftRecord, load_board, update_board
from reelbot.app.storyboards.status import board_status
from reelbot.app.tasks import NO_CAP, submit_task, task_view
from reelbot.domain.errors import InvalidRequest, ReelbotError
from reelbot.domain.tasks import ASSEMBLE_DRAFT, AssembleDraft
from reelbot.domain.types import JobState

if TYPE_CHECKING:
    from reelbot.app.service import ReelbotService
    from reelbot.app.storyboards.state import BoardState

log = logging.getLogger(__name__)

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
        facts = record.model_dump(exclude={"job_ids", "clip_keys", "shot_frames", "overlaps"})
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


def _payload(board: BoardState, job_ids: list[uuid.UUID], clip_keys: list[str]) -> dict[str, Any]:
    video_key, sheet_key = _draft_keys(board.board_id, job_ids)
    return AssembleDraft(
        board_id=str(board.board_id),
        clip_keys=clip_keys,
        transitions=[t.value for t in board.transitions],
        crossfade_seconds=board.crossfade_seconds,
        video_key=video_key,
        sheet_key=sheet_key,
        title=board.title,
        max_bytes=DRAFT_MAX_BYTES,
        job_ids=[str(j) for j in job_ids],
        colour_match=board.colour_match,
    ).payload()


def _record(result: Mapping[str, Any], payload: Mapping[str, Any]) -> DraftRecord:
    """The draft as the board keeps it; shot timings when the worker reported them (a
    result from before they existed has none)."""
    return DraftRecord(
        job_ids=[uuid.UUID(j) for j in payload.get("job_ids", [])],
        video_key=str(result["video_key"]),
        contact_sheet_key=str(result["sheet_key"]),
        clip_keys=[str(k) for k in payload.get("clip_keys", [])],
        shot_frames=[int(n) for n in result.get("shot_frames", [])],
        overlaps=[int(n) for n in result.get("overlaps", [])],
        **{name: int(result[name]) for name in ("size_bytes", "width", "height", "fps", "num_frames")},
    )


async def _keep(service: ReelbotService, board_id: uuid.UUID, record: DraftRecord) -> Draft:
    """Remember the assembled draft in the board (the same takes are never assembled again)."""

    def save(state: BoardState) -> None:
        state.draft = record

    await update_board(service, board_id, save)
    log.info("storyboard %s: draft assembled (%d frames)", board_id, record.num_frames)
    return Draft.from_record(board_id, record)


async def assemble_draft(service: ReelbotService, board_id: uuid.UUID) -> Draft | None:
    """The draft of the current take of every shot: the stored one, or None while it is made.

    Once every shot is done, the first call queues one ``assemble_draft`` task for this set of
    takes (idempotent: its key is the board and the takes, so events racing here queue it
    once); a worker joins the clips and its ``done`` event comes to the bot, which calls
    :func:`draft_of_task`. None also while any shot is still waiting or rendering. A failed or
    cancelled shot raises ``storyboard.shot_failed``: re-roll it; a failed assembly raises its
    own reason.
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
    clip_keys = await _shot_clip_keys(service, board_id, job_ids)
    payload = _payload(board, job_ids, clip_keys)
    ticket = await submit_task(
        service,
        ASSEMBLE_DRAFT,
        payload,
        board.origin,
        idempotency_key=_task_key(board_id, job_ids),
        max_pending=NO_CAP,  # its shots were admitted already
    )
    if ticket.state is JobState.DONE:
        return await draft_of_task(service, ticket.task_id)
    if ticket.state is JobState.FAILED:
        view = await task_view(service, ticket.task_id)
        details = json.loads(view.error_detail) if view.error_detail else {}
        fields = details if isinstance(details, dict) else {"error": view.error_detail}
        raise ReelbotError(view.error_key or "error.internal", **{"job_id": str(view.id)[:8], **fields})
    return None


def _task_key(board_id: uuid.UUID, job_ids: list[uuid.UUID]) -> str:
    return f"draft:{board_id}:{_draft_keys(board_id, job_ids)[0].rsplit('/', 1)[-1][:-4]}"


async def draft_of_task(service: ReelbotService, task_id: uuid.UUID) -> Draft | None:
    """The draft a done ``assemble_draft`` task made, kept in its board; None if not done."""
    view = await task_view(service, task_id)
    if view.kind != ASSEMBLE_DRAFT or view.state is not JobState.DONE or view.result is None:
        return None
    board_id = uuid.UUID(str(view.payload["board_id"]))
    record = _record(view.result, view.payload)
    board = await load_board(service, board_id)
    if board.draft == record:
        return Draft.from_record(board_id, record)
    return await _keep(service, board_id, record)
