"""A person's own track is stored only when the finish is queued: a refusal leaves nothing.

``app.finish_tracks.check_track`` checks the bytes (name, size, the real ffmpeg probe) and stores
nothing; ``finish_clip`` / ``finish_draft`` store the :class:`CheckedTrack` after the quota,
just before queueing, and take it back when the queue itself refuses (the pending cap).
Real Redis, SQLite, media store and ffmpeg.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest

from reelbot.app.finish import FinishOptions, finish_clip
from reelbot.app.finish_tracks import TRACKS_PREFIX, check_track
from reelbot.app.service import ReelbotService
from reelbot.domain.errors import LimitReached
from reelbot.domain.settings import Settings
from reelbot.domain.types import Origin, Platform
from reelbot.storage import tasks as task_repo
from reelbot.storage.db import session_scope
from tests.finishclips import stored_clip

ALICE = Origin(platform=Platform.DISCORD, user_id="alice", channel_id="c1", guild_id="g1", locale="en")


def song(tmp_path: Path) -> bytes:
    path = tmp_path / "song.wav"
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    subprocess.run(
        [exe, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", "sine=f=440:d=1:sample_rate=8000", str(path)],
        check=True,
    )  # fmt: skip
    return path.read_bytes()


def stored_tracks(service: ReelbotService) -> list[Path]:
    folder = service.media.path(f"{TRACKS_PREFIX}/x.wav").parent
    return sorted(folder.iterdir()) if folder.is_dir() else []


async def waiting(service: ReelbotService) -> int:
    return sum(lane["waiting"] for lane in (await service.queue.depth()).values())


async def open_with(
    settings: Settings, *, daily_gpu_s: float | None = None, pending: int = 3
) -> ReelbotService:
    """The service with a tight daily quota or pending cap."""
    user = settings.quotas.user
    if daily_gpu_s is not None:
        user = user.model_copy(update={"daily_gpu_s": daily_gpu_s})
    tuned = settings.model_copy(
        update={
            "quotas": settings.quotas.model_copy(update={"user": user}),
            "limits": settings.limits.model_copy(update={"max_pending_jobs_per_user": pending}),
        }
    )
    return await ReelbotService.open(tuned)


async def test_a_finish_over_quota_stores_no_track(settings: Settings, tmp_path: Path) -> None:
    service = await open_with(settings, daily_gpu_s=1.0)
    try:
        clip_id = stored_clip(service, tmp_path, ALICE, seconds=2.0)
        track = check_track(service, song(tmp_path), "song.wav")
        assert stored_tracks(service) == []  # checked, not stored
        with pytest.raises(LimitReached) as err:
            await finish_clip(service, clip_id, ALICE, idempotency_key="q-track", track=track)
        assert err.value.key == "quota.exceeded_user_daily"
        assert err.value.render("en") != err.value.render("zh-TW")
        assert stored_tracks(service) == [] and not service.media.exists(track.key)
        assert await waiting(service) == 0
        with session_scope(service.db) as session:
            assert task_repo.get_task_by_key(session=session, idempotency_key="q-track") is None
    finally:
        await service.close()


async def test_a_refusal_at_the_queue_takes_the_track_back(settings: Settings, tmp_path: Path) -> None:
    service = await open_with(settings, pending=1)
    try:
        clip_id = stored_clip(service, tmp_path, ALICE, seconds=1.0)
        await finish_clip(service, clip_id, ALICE, idempotency_key="first", options=FinishOptions())
        track = check_track(service, song(tmp_path), "song.wav")
        with pytest.raises(LimitReached) as err:
            await finish_clip(service, clip_id, ALICE, idempotency_key="second", track=track)
        assert err.value.key == "queue.user_pending_cap"
        assert stored_tracks(service) == [] and await waiting(service) == 1
        with session_scope(service.db) as session:
            assert task_repo.get_task_by_key(session=session, idempotency_key="second") is None
    finally:
        await service.close()


async def test_a_queued_finish_has_its_track_stored(service: ReelbotService, tmp_path: Path) -> None:
    clip_id = stored_clip(service, tmp_path, ALICE, seconds=1.0)
    data = song(tmp_path)
    track = check_track(service, data, "song.wav")
    ticket = await finish_clip(
        service,
        clip_id,
        ALICE,
        idempotency_key="ok",
        options=FinishOptions(audio_mode="replace"),
        track=track,
    )
    assert service.media.read_bytes(track.key) == data
    with session_scope(service.db) as session:
        task = task_repo.get_task(session=session, task_id=ticket.task_id)
        assert task is not None
        payload = dict(task.payload_json or {})
    assert (payload["audio"], payload["audio_key"], payload["audio_mode"]) == ("upload", track.key, "replace")
