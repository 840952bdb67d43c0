"""A chat storyboard's state: a typed document in Redis, and the maps from jobs and messages.

The board is small (its shots' recipes, which job is each shot's current take, the draft once
assembled) and shared by every bot replica, so it lives in one Redis string under
:meth:`Keys.storyboard`, read-modified-written under WATCH. The models below are its schema;
nothing else reads the JSON.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict
from redis.exceptions import WatchError

from reelbot.domain.errors import NotFound
from reelbot.domain.storyboard import Transition
from reelbot.domain.types import GenerationRequest, Origin, ReferenceRole

if TYPE_CHECKING:
    from collections.abc import Callable

    from reelbot.app.service import ReelbotService

STATE_TTL_S = 30 * 24 * 3600  # a board lives as long as the bots remember delivered clips


class ShotRecord(BaseModel):
    """One shot: its recipe, the images it uses (by hash), its current take."""

    number: int  # 1-based, as the creator counts
    request: GenerationRequest  # references left empty: ``images`` holds them until admitted
    images: list[tuple[ReferenceRole, str]] = []  # (role, sha256)
    job_id: uuid.UUID | None = None  # None: waiting in the board for a free slot (or refused)
    error: str | None = None  # why the service refused it (a message key)


class DraftRecord(BaseModel):
    """The draft assembled from one set of takes (a re-roll makes another set)."""

    job_ids: list[uuid.UUID]
    video_key: str
    contact_sheet_key: str
    size_bytes: int
    width: int
    height: int
    fps: int
    num_frames: int
    # Where each shot lies in the joined draft (the assemble task reports them; a record
    # stored before they existed has none, and its finish has no shot timings to caption).
    clip_keys: list[str] = []
    shot_frames: list[int] = []  # frames each shot has in the join (a crossfade's included)
    overlaps: list[int] = []  # frames each join overlaps (0: a cut)

    @property
    def seconds(self) -> float:
        """How long the draft plays (0 for a record without a frame rate)."""
        return self.num_frames / self.fps if self.fps else 0.0

    def shot_spans(self) -> list[tuple[float, float]]:
        """(start, end) seconds of each shot on the draft's timeline: from where it begins to
        where the next begins (a crossfade hands over at its start); [] for an old record."""
        if not self.fps or not self.shot_frames or len(self.overlaps) != len(self.shot_frames) - 1:
            return []
        spans, start = [], 0
        for index, count in enumerate(self.shot_frames):
            shown = count - (self.overlaps[index] if index < len(self.overlaps) else 0)
            spans.append((start / self.fps, (start + shown) / self.fps))
            start += shown
        return spans


class BoardFinish(BaseModel):
    """What the storyboard file asks of its finished Short, kept as written (plain data): the
    shots' captions and the soundtrack and finish fields (docs/control.md)."""

    captions: list[str | None] = []  # one per shot
    music: str | None = None
    audio: str | None = None  # the name the file gives the creator's own track
    audio_mode: str | None = None
    beat_snap: bool = False
    burn: bool = False
    fps: int | None = None
    size: str | None = None


class BoardState(BaseModel):
    """The whole board, as stored."""

    model_config = ConfigDict(validate_assignment=True)

    board_id: uuid.UUID
    key: str  # the submission's idempotency key: shot keys derive from it
    title: str = ""
    origin: Origin
    transitions: list[Transition]  # how shot 2, 3, … begin
    crossfade_seconds: float
    colour_match: bool | None = None  # later shots graded to shot 1 (None: the worker's default)
    shots: list[ShotRecord]
    draft: DraftRecord | None = None
    finish: BoardFinish | None = None  # None: a draft only (or a board stored before this field)

    def shot(self, number: int) -> ShotRecord:
        return self.shots[number - 1]


def board_id_for(idempotency_key: str) -> uuid.UUID:
    """The board id a submission key names: the same key twice is the same board."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"reelbot:storyboard:{idempotency_key}")


def _decode(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)


async def load_board(service: ReelbotService, board_id: uuid.UUID) -> BoardState:
    raw = await service.redis.get(service.keys.storyboard(str(board_id)))
    if raw is None:
        raise NotFound("storyboard.not_found", board_id=str(board_id))
    return BoardState.model_validate_json(raw)


async def create_board(service: ReelbotService, state: BoardState) -> bool:
    """Store a new board; False when one with this id exists already (a concurrent submit)."""
    key = service.keys.storyboard(str(state.board_id))
    return bool(await service.redis.set(key, state.model_dump_json(), ex=STATE_TTL_S, nx=True))


async def update_board(
    service: ReelbotService, board_id: uuid.UUID, change: Callable[[BoardState], None]
) -> BoardState:
    """Read-modify-write the board under WATCH, retrying when another writer got there first."""
    key = service.keys.storyboard(str(board_id))
    async with service.redis.pipeline(transaction=True) as pipe:
        while True:
            try:
                await pipe.watch(key)
                raw = await pipe.get(key)
                if raw is None:
                    raise NotFound("storyboard.not_found", board_id=str(board_id))
                state = BoardState.model_validate_json(raw)
                change(state)
                pipe.multi()
                pipe.set(key, state.model_dump_json(), ex=STATE_TTL_S)
                await pipe.execute()
                return state
            except WatchError:
                continue


async def forget_board(service: ReelbotService, board_id: uuid.UUID) -> None:
    await service.redis.delete(service.keys.storyboard(str(board_id)))


async def map_job(service: ReelbotService, job_id: uuid.UUID, board_id: uuid.UUID, number: int) -> None:
    """Remember that ``job_id`` is a take of shot ``number`` (events find their board by it)."""
    await service.redis.set(
        service.keys.storyboard_of_job(str(job_id)), f"{board_id}:{number}", ex=STATE_TTL_S
    )


async def map_message(service: ReelbotService, origin: Origin, board_id: uuid.UUID) -> None:
    """Remember the board's status message, before any shot exists."""
    if origin.message_id:
        key = service.keys.storyboard_of_message(str(origin.platform), origin.message_id)
        await service.redis.set(key, str(board_id), ex=STATE_TTL_S)


async def board_of_job(service: ReelbotService, job_id: uuid.UUID) -> tuple[uuid.UUID, int] | None:
    """``(board id, shot number)`` when ``job_id`` was started by a storyboard (any take), else None."""
    raw = await service.redis.get(service.keys.storyboard_of_job(str(job_id)))
    if raw is None:
        return None
    board, _, number = _decode(raw).rpartition(":")
    return uuid.UUID(board), int(number)


async def board_of_event(service: ReelbotService, job_id: uuid.UUID, origin: Origin) -> uuid.UUID | None:
    """The board a job event belongs to: by the job, else by the status message it edits."""
    found = await board_of_job(service, job_id)
    if found is not None:
        return found[0]
    if not origin.message_id:
        return None
    raw = await service.redis.get(service.keys.storyboard_of_message(str(origin.platform), origin.message_id))
    return uuid.UUID(_decode(raw)) if raw is not None else None
