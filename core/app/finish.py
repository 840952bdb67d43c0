"""Finish for Shorts from chat: one ``finish`` task per request, its result a clip's variant.

Why here: both chats start it (a Discord button under a clip or a draft, a LINE quick reply)
and both read its result, so checking the request, naming the output and reading the
finished file back are the application's, once. Everything a person can get wrong (a
deleted clip, a draft not assembled yet, a caption over the limit, a track too big) is
refused before anything is stored or queued. The finished file is stored under a key
derived from the task's id, and the task row links it to its clip (``task.clip_id``) — the
clip's "finished" variants are its done ``finish`` tasks.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from reelbot.app.task_costs import reserve_task
from reelbot.app.tasks import TaskTicket, submit_task, task_view
from reelbot.domain.errors import InvalidRequest, NotFound
from reelbot.domain.finish_config import check_caption
from reelbot.domain.messages import render
from reelbot.domain.tasks import FINISH, Caption, FinishTask, finished_keys
from reelbot.domain.types import JobState, Origin
from reelbot.ports import PORTS
from reelbot.storage import tasks as task_repo

if TYPE_CHECKING:
    from reelbot.app.service import ReelbotService
    from reelbot.domain.finish_config import FinishSettings
    from reelbot.ports import AudioFacts

#: Uploaded tracks are kept under their content hash (the same song twice is stored once).
TRACKS_PREFIX = "tracks"
TRACK_EXTENSIONS = frozenset({".mp3", ".m4a", ".aac", ".wav", ".ogg", ".oga", ".opus", ".flac"})


class FinishOptions(BaseModel):
    """What a person may choose; the defaults are what a one-click "Finish for Shorts" does."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    audio: Literal["none", "model", "upload", "music"] = "model"
    audio_key: str | None = None  # from :func:`store_track`, or a done music task's key
    audio_mode: Literal["mix", "replace"] = "mix"
    caption: str | None = None  # one caption over the whole clip
    burn: bool = False
    fps: Literal[24, 30] = 30


@dataclass(frozen=True)
class Finished:
    """A done finish task's file, as the bots deliver it."""

    task_id: uuid.UUID
    origin: Origin
    clip_id: uuid.UUID | None
    board_id: uuid.UUID | None
    video_key: str
    srt_key: str | None
    size_bytes: int
    width: int
    height: int
    fps: int
    duration_s: float
    has_audio: bool
    upscale: str
    interpolate: str

    def done_text(self, locale: str | None) -> str:
        """What every chat says beside the finished file (size, rate, methods, the YouTube reminder)."""
        return render(
            "finish.done",
            locale,
            width=self.width,
            height=self.height,
            fps=self.fps,
            upscale=self.upscale,
            interpolate=self.interpolate,
        )


def store_track(service: ReelbotService, data: bytes, filename: str) -> str:
    """Keep an uploaded soundtrack in the media store; its key for :class:`FinishOptions`.

    The name and the size are checked first; then, where the composition root wired an
    :class:`~reelbot.ports.AudioProbe`, the audio itself — not audio, 0 seconds, too long —
    so a bad track is refused before it is stored. Blocking (ffmpeg): call it in a thread.
    A process without the probe stores what passes the name and size; the worker probes the
    track again either way and fails the task with the same message if it must.
    """
    fin = service.settings.finish
    name = filename[:80]
    ext = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext not in TRACK_EXTENSIONS or not data:
        raise InvalidRequest("finish.audio_not_audio", name=name)
    if len(data) > fin.max_audio_bytes:
        raise InvalidRequest(
            "finish.audio_too_big",
            name=name,
            size_mb=f"{len(data) / 2**20:.1f}",
            limit_mb=f"{fin.max_audio_bytes / 2**20:.0f}",
        )
    if PORTS.audio_probe is not None:
        _refuse_bad_audio(PORTS.audio_probe(data, ext, fin.max_audio_seconds), name, fin)
    key = f"{TRACKS_PREFIX}/{hashlib.sha256(data).hexdigest()}{ext}"
    if not service.media.exists(key):
        service.media.put_bytes(key, data)
    return key


def _refuse_bad_audio(facts: AudioFacts, name: str, fin: FinishSettings) -> None:
    """The probe's facts against the limits, in the worker's order and with its messages."""
    if not facts.has_audio:
        raise InvalidRequest("finish.audio_not_audio", name=name)
    if facts.seconds > fin.max_audio_seconds:
        limit = round(fin.max_audio_seconds)
        raise InvalidRequest("finish.audio_too_long", name=name, seconds=round(facts.seconds), limit=limit)
    if facts.seconds < fin.min_audio_seconds:
        raise InvalidRequest("finish.audio_empty", name=name)


def _payload(
    service: ReelbotService,
    task_id: uuid.UUID,
    source_key: str,
    options: FinishOptions,
    *,
    clip_id: uuid.UUID | None,
    board_id: uuid.UUID | None,
) -> FinishTask:
    captions = []
    if options.caption:
        captions = [Caption(text=check_caption(options.caption, service.settings.finish))]
    track = options.audio in ("upload", "music")
    if track and (not options.audio_key or not service.media.exists(options.audio_key)):
        raise InvalidRequest("finish.audio_not_audio", name=(options.audio_key or "?")[:80])
    video_key, srt_key = finished_keys(task_id)
    return FinishTask(
        source_key=source_key,
        output_key=video_key,
        srt_key=srt_key if captions else None,
        clip_id=str(clip_id) if clip_id else None,
        board_id=str(board_id) if board_id else None,
        audio=options.audio,
        audio_key=options.audio_key if track else None,
        audio_mode=options.audio_mode,
        captions=captions,
        burn=options.burn and bool(captions),
        fps=options.fps,
    )


async def finish_clip(
    service: ReelbotService,
    clip_id: uuid.UUID,
    origin: Origin,
    *,
    idempotency_key: str,
    options: FinishOptions | None = None,
) -> TaskTicket:
    """Queue Finish for Shorts of any clip (like a remix, anyone's); the result goes to ``origin``.

    Charged like a music task: its profile (:func:`finish_estimate_s` of the clip's length) is
    checked against ``origin``'s quotas first; over one, nothing is stored or queued."""
    clip = await service.clip(clip_id)
    if clip.deleted or not clip.video_key:
        raise NotFound("clip.not_found")
    task_id = uuid.uuid4()
    payload = _payload(
        service, task_id, clip.video_key, options or FinishOptions(), clip_id=clip.id, board_id=None
    )
    await reserve_task(
        service, origin, FINISH, clip.duration_s, task_id=task_id, idempotency_key=idempotency_key
    )
    return await submit_task(
        service,
        FINISH,
        payload.payload(),
        origin,
        idempotency_key=idempotency_key,
        clip_id=clip.id,
        task_id=task_id,
    )


async def finish_draft(
    service: ReelbotService,
    board_id: uuid.UUID,
    origin: Origin,
    *,
    idempotency_key: str,
    options: FinishOptions | None = None,
) -> TaskTicket:
    """Queue Finish for Shorts of a storyboard's current draft (``storyboard.no_draft`` before)."""
    from reelbot.app.storyboards.state import load_board

    board = await load_board(service, board_id)
    if board.draft is None or not service.media.exists(board.draft.video_key):
        raise InvalidRequest("storyboard.no_draft", board_id=str(board_id)[:8])
    task_id = uuid.uuid4()
    payload = _payload(
        service, task_id, board.draft.video_key, options or FinishOptions(), clip_id=None, board_id=board_id
    )
    await reserve_task(
        service, origin, FINISH, board.draft.seconds, task_id=task_id, idempotency_key=idempotency_key
    )
    return await submit_task(
        service, FINISH, payload.payload(), origin, idempotency_key=idempotency_key, task_id=task_id
    )


async def finished(service: ReelbotService, task_id: uuid.UUID) -> Finished:
    """The finished file of a done ``finish`` task (``job.not_found`` for anything else)."""
    view = await task_view(service, task_id)
    if view.kind != FINISH or view.state is not JobState.DONE or view.result is None:
        raise NotFound("job.not_found", job_id=str(task_id)[:8])
    r = view.result
    return Finished(
        task_id=view.id,
        origin=view.origin,
        clip_id=view.clip_id,
        board_id=uuid.UUID(str(r["board_id"])) if r.get("board_id") else None,
        video_key=str(r["video_key"]),
        srt_key=str(r["srt_key"]) if r.get("srt_key") else None,
        size_bytes=int(r["size_bytes"]),
        width=int(r["width"]),
        height=int(r["height"]),
        fps=int(r["fps"]),
        duration_s=float(r["duration_s"]),
        has_audio=bool(r.get("has_audio")),
        upscale=str(r.get("upscale", "")),
        interpolate=str(r.get("interpolate", "")),
    )


async def finished_variants(service: ReelbotService, clip_id: uuid.UUID) -> list[Finished]:
    """A clip's finished variants, newest first."""
    tasks = await service.run_db(task_repo.finished_variants, clip_id=clip_id)
    return [await finished(service, task.id) for task in tasks]
