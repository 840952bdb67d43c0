"""Finish for Shorts from chat: one ``finish`` task per request, its result a clip's variant.

Why here: both chats start it (a Discord button under a clip or a draft, a LINE quick reply)
and both read its result, so checking the request, naming the output and reading the
finished file back are the application's, once. Everything a person can get wrong (a
deleted clip, a draft not assembled yet, a caption over the limit, a track too big) — and
the quota — is refused before anything is stored or queued: a person's own track is checked
up front (:func:`~reelbot.app.finish_tracks.check_track`, the limits of
:mod:`reelbot.domain.audio_limits`) and stored by :func:`finish_clip` / :func:`finish_draft`
only after the quota, just before queueing (:mod:`reelbot.app.finish_tracks`). The
finished file is stored under a key derived from the task's id, and the task row links it to
its clip (``task.clip_id``) — the clip's "finished" variants are its done ``finish`` tasks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from reelbot.app.finish_plan import AudioMode, FinishPlan, plan_for
from reelbot.app.finish_tracks import CheckedTrack, submit_with_track
from reelbot.app.task_costs import reserve_task
from reelbot.app.tasks import TaskTicket, submit_task, task_view
from reelbot.domain.errors import InvalidRequest, NotFound
from reelbot.domain.finish_config import check_caption
from reelbot.domain.messages import render
from reelbot.domain.tasks import FINISH, Caption, FinishTask, finished_keys
from reelbot.domain.types import JobState, Origin
from reelbot.storage import tasks as task_repo

if TYPE_CHECKING:
    from reelbot.app.service import ReelbotService


class FinishOptions(BaseModel):
    """What a person may choose; the defaults are what a one-click "Finish for Shorts" does."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    audio: Literal["none", "model", "upload", "music"] = "model"
    audio_key: str | None = None  # a kept :class:`CheckedTrack`'s key, or a done music task's
    audio_mode: AudioMode | None = None  # None: a storyboard's own audio_mode, else the server's
    caption: str | None = None  # one caption over the whole clip
    burn: bool = False
    fps: Literal[24, 30] | None = None  # None: a storyboard's own finish.fps, else 30


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


def _with_track(options: FinishOptions | None, track: CheckedTrack | None) -> FinishOptions:
    """The options, with the person's own track (not stored yet) as their soundtrack."""
    options = options or FinishOptions()
    if track is None:
        return options
    return options.model_copy(update={"audio": "upload", "audio_key": track.key})


def _payload(
    service: ReelbotService,
    task_id: uuid.UUID,
    source_key: str,
    options: FinishOptions,
    plan: FinishPlan,
    *,
    clip_id: uuid.UUID | None,
    board_id: uuid.UUID | None,
    stored_later: str | None = None,
) -> FinishTask:
    """The task's payload, every option checked, at ``plan``'s size, rate and audio mode;
    ``stored_later``: the key of a :class:`CheckedTrack` stored only once nothing else refuses."""
    captions = []
    if options.caption:
        captions = [Caption(text=check_caption(options.caption, service.settings.finish))]
    track = options.audio in ("upload", "music")
    if track and options.audio_key is None:
        raise InvalidRequest("finish.audio_not_audio", name="?")
    if track and options.audio_key != stored_later and not service.media.exists(options.audio_key):
        raise InvalidRequest("finish.audio_gone")  # stored once, deleted since (expired, swept)
    video_key, srt_key = finished_keys(task_id)
    return FinishTask(
        source_key=source_key,
        output_key=video_key,
        srt_key=srt_key if captions else None,
        clip_id=str(clip_id) if clip_id else None,
        board_id=str(board_id) if board_id else None,
        audio=options.audio,
        audio_key=options.audio_key if track else None,
        audio_mode=plan.audio_mode,
        captions=captions,
        burn=options.burn and bool(captions),
        fps=plan.fps,
        width=plan.width,
        height=plan.height,
    )


async def finish_clip(
    service: ReelbotService,
    clip_id: uuid.UUID,
    origin: Origin,
    *,
    idempotency_key: str,
    options: FinishOptions | None = None,
    track: CheckedTrack | None = None,
    task_id: uuid.UUID | None = None,
) -> TaskTicket:
    """Queue Finish for Shorts of any clip (like a remix, anyone's); the result goes to ``origin``.

    Charged like a music task: its estimate for the clip's length
    (:func:`~reelbot.app.task_costs.reserve_task`: the profile, refit from measured finishes)
    is reserved against ``origin``'s quotas first; over one, nothing is stored or queued. ``track``
    (the person's own, from :func:`check_track`) is stored only after every refusal."""
    clip = await service.clip(clip_id)
    if clip.deleted or not clip.video_key:
        raise NotFound("clip.not_found")
    task_id = task_id or uuid.uuid4()  # a plan's hold (reelbot.app.plan_holds.TaskHold)
    options, later = _with_track(options, track), track.key if track else None
    plan = plan_for(service.settings.finish, options)
    payload = _payload(
        service, task_id, clip.video_key, options, plan, clip_id=clip.id, board_id=None, stored_later=later
    )
    await reserve_task(
        service, origin, FINISH, clip.duration_s, task_id=task_id, idempotency_key=idempotency_key
    )
    return await submit_with_track(
        service,
        track,
        lambda: submit_task(
            service,
            FINISH,
            payload.payload(),
            origin,
            idempotency_key=idempotency_key,
            clip_id=clip.id,
            task_id=task_id,
        ),
    )


async def finish_draft(
    service: ReelbotService,
    board_id: uuid.UUID,
    origin: Origin,
    *,
    idempotency_key: str,
    options: FinishOptions | None = None,
    track: CheckedTrack | None = None,
    task_id: uuid.UUID | None = None,
) -> TaskTicket:
    """Queue Finish for Shorts of a storyboard's current draft (``storyboard.no_draft`` before);
    charged and given ``track`` as :func:`finish_clip` is. The board's own finish fields
    join the person's options: its size, frame rate and audio mode by :func:`plan_for`, its
    shots' captions on the draft's shot timings, burn-in and beat snap by
    :mod:`reelbot.app.storyboards.finishing`."""
    from reelbot.app.storyboards.finishing import board_finish_fields
    from reelbot.app.storyboards.state import load_board

    board = await load_board(service, board_id)
    if board.draft is None or not service.media.exists(board.draft.video_key):
        raise InvalidRequest("storyboard.no_draft", board_id=str(board_id)[:8])
    task_id = task_id or uuid.uuid4()  # a plan's hold (reelbot.app.plan_holds.TaskHold)
    options, later = _with_track(options, track), track.key if track else None
    plan = plan_for(service.settings.finish, options, board.finish)
    payload = _payload(
        service, task_id, board.draft.video_key, options, plan,
        clip_id=None, board_id=board_id, stored_later=later,
    )  # fmt: skip
    fields = board_finish_fields(
        board, board.draft, task_id, caption=options.caption, burn=options.burn,
        has_track=payload.audio_key is not None, finish=service.settings.finish,
    )  # fmt: skip
    payload = FinishTask.model_validate({**payload.model_dump(), **fields})
    await reserve_task(
        service, origin, FINISH, board.draft.seconds, task_id=task_id, idempotency_key=idempotency_key
    )
    return await submit_with_track(
        service,
        track,
        lambda: submit_task(
            service, FINISH, payload.payload(), origin, idempotency_key=idempotency_key, task_id=task_id
        ),
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
