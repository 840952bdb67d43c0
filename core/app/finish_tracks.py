"""A person's own track for a Short: checked up front, kept by its content, taken back only
when nothing relies on it.

Why apart from :mod:`reelbot.app.finish` (which builds and queues the finish task): tracks are
stored by content hash, so two finishes of the same song — in any process, any chat — share one
file, and keeping, relying on and taking back that file is a small protocol of its own (a Redis
lease per track and a claim by whoever wrote it; :func:`submit_with_track` explains it). The
finish path (:func:`~reelbot.app.finish.finish_clip`, ``finish_draft``) keeps a track in the
same lease as the queueing; Discord's after-render note keeps it earlier (:func:`keep_track`)
and takes it back if its request is refused (:func:`take_back_track`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from redis.asyncio.lock import Lock
from redis.exceptions import LockError

from reelbot.domain.audio_limits import refuse_bad_audio, track_suffix
from reelbot.ports import PORTS
from reelbot.queue.replies import as_text

if TYPE_CHECKING:
    from reelbot.app.service import ReelbotService
    from reelbot.app.tasks import TaskTicket

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
    the track's lease, by the rule :func:`submit_with_track` follows (:func:`_keep`). For a
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


async def submit_with_track(
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
