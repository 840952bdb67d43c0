"""Finish for Shorts from chat: one ``finish`` task per request, its result a clip's variant.

Why here: both chats start it (a Discord button under a clip or a draft, a LINE quick reply)
and both read its result, so checking the request, naming the output and reading the
finished file back are the application's, once. Everything a person can get wrong (a
deleted clip, a draft not assembled yet, a caption over the limit, a track too big) — and
the quota — is refused before anything is stored or queued: a person's own track is checked
up front (:func:`check_track`, the limits of :mod:`reelbot.domain.audio_limits`) and stored by
:func:`finish_clip` / :func:`finish_draft` only after the quota, just before queueing. The
finished file is stored under a key derived from the task's id, and the task row links it to
its clip (``task.clip_id``) — the clip's "finished" variants are its done ``finish`` tasks.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict
from redis.asyncio.lock import Lock
from redis.exceptions import LockError

from reelbot.app.finish_plan import DEFAULT_FINISH_FPS, AudioMode, FinishPlan, plan_for
from reelbot.app.task_costs import reserve_task
from reelbot.app.tasks import TaskTicket, submit_task, task_view
from reelbot.domain.audio_limits import refuse_bad_audio, track_suffix
from reelbot.domain.errors import InvalidRequest, NotFound
from reelbot.domain.finish_config import check_caption
from reelbot.domain.messages import render
from reelbot.domain.tasks import FINISH, Caption, FinishTask, finished_keys
from reelbot.domain.types import JobState, Origin
from reelbot.ports import PORTS
from reelbot.queue.replies import as_text
from reelbot.storage import tasks as task_repo

if TYPE_CHECKING:
    from reelbot.app.service import ReelbotService

#: Uploaded tracks are kept under their content hash (the same song twice is stored once).
TRACKS_PREFIX = "tracks"
#: The lease on a track's key while a finish stores and queues it: one file write, one row
#: and one enqueue take far less; it only bounds the wait behind a holder that died.
TRACK_LEASE_S = 30.0
TRACK_LEASE_POLL_S = 0.05
#: How long the keep that wrote a track may still take it back (its claim): a chat's checks
#: after the keep (moderation, downloads, the plan, the submit) take far less; past it the
#: file stays — one unused track rather than a missing one.
TRACK_CLAIM_S = 3600

log = logging.getLogger(__name__)


class FinishOptions(BaseModel):
    """What a person may choose; the defaults are what a one-click "Finish for Shorts" does."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    audio: Literal["none", "model", "upload", "music"] = "model"
    audio_key: str | None = None  # a kept :class:`CheckedTrack`'s key, or a done music task's
    audio_mode: AudioMode | None = None  # None: a storyboard's own audio_mode, else the server's
    caption: str | None = None  # one caption over the whole clip
    burn: bool = False
    fps: Literal[24, 30] | None = None  # None: a storyboard's own finish.fps, else 30

    @property
    def frame_rate(self) -> int:
        """The frame rate asked for, else the default — a board's own rate left out
        (:func:`plan_for` has the whole rule; this is for texts that know no board)."""
        return self.fps or DEFAULT_FINISH_FPS


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


@dataclass(frozen=True)
class CheckedTrack:
    """A person's own track that passed :func:`check_track`, not stored yet.

    Why a type: :func:`finish_clip` / :func:`finish_draft` store it only after every other
    refusal (the target, the caption, the quota), so a refused finish leaves nothing in the
    media store; its ``key`` is where it will be kept (content-addressed)."""

    data: bytes
    filename: str
    key: str


def check_track(service: ReelbotService, data: bytes, filename: str) -> CheckedTrack:
    """Refuse a track by :func:`~reelbot.domain.audio_limits.audio_refusal`'s limits, in its
    order: the name and the size first, then — where the composition root wired an
    :class:`~reelbot.ports.AudioProbe` — the audio itself (not audio, 0 seconds, too long).

    Stores nothing. Blocking (ffmpeg): call it in a thread. A process without the probe passes
    what the name and size allow; the worker probes the track again either way (the same
    limits) and fails the task with the same message if it must.
    """
    fin = service.settings.finish
    name, suffix = filename[:80], track_suffix(filename)
    refuse_bad_audio(name, fin, suffix=suffix, size_bytes=len(data))
    if PORTS.audio_probe is not None:
        facts = PORTS.audio_probe(data, suffix, fin.max_audio_seconds)
        refuse_bad_audio(name, fin, size_bytes=len(data), has_audio=facts.has_audio, seconds=facts.seconds)
    return CheckedTrack(data, filename, f"{TRACKS_PREFIX}/{hashlib.sha256(data).hexdigest()}{suffix}")


@dataclass(frozen=True)
class KeptTrack:
    """A track kept now for a finish queued later; ``claim``: this keep's token when it wrote
    the file (None: it found the file there and may never remove it)."""

    key: str
    claim: str | None


async def keep_track(service: ReelbotService, track: CheckedTrack) -> KeptTrack:
    """Store ``track`` (once per content) for a finish queued later, after a render (Discord's
    after-render note); :func:`take_back_track` undoes it if the request is refused. Under
    the track's lease, by the rule :func:`_submit_with_track` follows (:func:`_keep`). For a
    finish queued now, pass the :class:`CheckedTrack` to :func:`finish_clip` /
    :func:`finish_draft` instead: they keep it after the quota, in one lease with the queueing."""
    async with _track_lease(service, track.key):
        claim = await _keep(service, track)
    return KeptTrack(track.key, claim)


async def take_back_track(service: ReelbotService, kept: KeptTrack) -> None:
    """The request ``kept`` was kept for was refused: remove the file only if this keep wrote
    it and no other finish has found it since (its claim still stands)."""
    if kept.claim is None:
        return
    async with _track_lease(service, kept.key) as lease:
        await _take_back(service, lease, kept.key, kept.claim)


async def _submit_with_track(
    service: ReelbotService, track: CheckedTrack | None, submit: Callable[[], Awaitable[TaskTicket]]
) -> TaskTicket:
    """Store the track, then queue; a refusal at queueing (the pending cap, decided
    atomically there) takes back a track this call wrote. The worker must find the track
    once the task is queued, so storing cannot wait until after the queue has it.

    Why under a lease on the track's key (:func:`_track_lease`): tracks are kept by content,
    so two finishes of the same bytes share one file. Unlocked, a finish refused here could
    delete the file a second finish had just found present (and so not written) and queued
    with. Held from the presence check to the take-back, in every process (the lease is in
    Redis), the second finish either runs first (it wrote or found the file; the refused one
    then finds it present, writes nothing and deletes nothing) or after the take-back (it
    finds no file and writes its own). Checking for other tasks after a refusal and having a
    winner re-put a vanished file would not do: a worker may read the track between the
    delete and the re-put. A lease that ran out while held (a holder stalled past
    :data:`TRACK_LEASE_S`) may have let another finish in, so a take-back is done only after
    renewing it; failing that, the file stays (one unused track rather than a missing one).

    The one rule for every writer and deleter of a track (this, :func:`keep_track`,
    :func:`take_back_track`): under the lease, a keep writes the file and claims it, or finds
    it and ends any claim on it (:func:`_keep`); a take-back removes only a file its own
    claim still holds (:func:`_take_back`). So once anyone relies on a file — a queued task,
    a note waiting for a render — nobody can delete it: its writer's claim went when it was
    found, and a writer takes its file back only when its own request was refused, so when
    nothing of its own relies on it any more."""
    if track is None:
        return await submit()
    async with _track_lease(service, track.key) as lease:
        claim = await _keep(service, track)
        try:
            return await submit()
        except BaseException:
            if claim is not None:
                await _take_back(service, lease, track.key, claim)
            raise


@contextlib.asynccontextmanager
async def _track_lease(service: ReelbotService, key: str) -> AsyncIterator[Lock]:
    """Hold the Redis lease on a track's key; a holder that dies frees it after its TTL."""
    lease = service.redis.lock(
        service.keys.track_lock(key), timeout=TRACK_LEASE_S, sleep=TRACK_LEASE_POLL_S, thread_local=False
    )
    if not await lease.acquire(blocking=False):
        log.info("track %s: another finish is storing or taking it back; waiting", key)
        await lease.acquire()
    try:
        yield lease
    finally:
        try:
            await lease.release()
        except LockError:  # ran out while held: nothing of ours to release
            log.warning("the lease on track %s ran out while held", key)


async def _keep(service: ReelbotService, track: CheckedTrack) -> str | None:
    """Under the track's lease: write the file and claim it (the claim's token returned),
    or find it there and end any claim on it — whoever wrote it may no longer take it back,
    for this caller now relies on it. Why a claim in Redis, not only "this call wrote it": a
    note's keep and its take-back are two lease holdings with a request's checks between
    them, and another finish may find the file in that gap (and in other processes)."""
    claim_key = service.keys.track_claim(track.key)
    if await asyncio.to_thread(service.media.exists, track.key):
        await service.redis.delete(claim_key)
        return None
    await asyncio.to_thread(service.media.put_bytes, track.key, track.data)
    claim = uuid.uuid4().hex  # set after the write: a crash between leaves the file unclaimed (kept)
    await service.redis.set(claim_key, claim, ex=TRACK_CLAIM_S)
    return claim


async def _take_back(service: ReelbotService, lease: Lock, key: str, claim: str) -> None:
    """Delete the track a refused request wrote, only while its lease is still its own and
    its claim still stands (no other finish has found the file since)."""
    try:
        await lease.reacquire()
    except LockError:
        log.warning("track %s kept: its lease ran out, another finish may use it", key)
        return
    claim_key = service.keys.track_claim(key)
    if as_text(await service.redis.get(claim_key)) != claim:
        log.info("track %s kept: another finish found it and relies on it", key)
        return
    await asyncio.to_thread(service.media.delete, key)
    await service.redis.delete(claim_key)


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
    known = options.audio_key is not None and (
        options.audio_key == stored_later or service.media.exists(options.audio_key)
    )
    if track and not known:
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
    return await _submit_with_track(
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
    return await _submit_with_track(
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
