"""Two finishes of the same bytes share one stored track (``tracks/<sha256><suffix>``): a
finish refused by the pending cap never takes back the file another finish queued with.

Two service instances stand for two bot processes (one Redis, one database, one media
store). Alice is at her pending cap, so her finish is refused at the queue; Bob's finish of
the same song is queued. The race needs Bob to arrive after Alice stored the track and
before she took it back, so her queueing step starts Bob's finish and waits until it is
either queued (no lease: he found her file and wrote none) or waiting for the track's lease
(the lease's own log line) — no sleeps to time it. Real Redis, SQLite, media store, ffmpeg.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from reelbot.app.finish import FinishOptions, finish_clip
from reelbot.app.finish_tracks import CheckedTrack, check_track, submit_with_track
from reelbot.app.service import ReelbotService
from reelbot.app.tasks import TaskTicket, submit_task
from reelbot.domain.errors import LimitReached
from reelbot.domain.settings import Settings
from reelbot.domain.tasks import FINISH
from reelbot.domain.types import Origin, Platform
from reelbot.storage import tasks as task_repo
from reelbot.storage.db import session_scope
from tests.e2e.test_finish_track_order import ALICE, open_with, song, stored_tracks, waiting
from tests.finishclips import stored_clip

BOB = Origin(platform=Platform.LINE, user_id="Ubob", channel_id="Ubob", locale="zh-TW")
WAITING_LINE = "another finish is storing or taking it back"


@pytest.fixture
async def two(settings: Settings) -> AsyncIterator[tuple[ReelbotService, ReelbotService]]:
    """Two processes' services; everyone's pending cap is 1."""
    first = await open_with(settings, pending=1)
    second = await open_with(settings, pending=1)
    try:
        yield first, second
    finally:
        await second.close()
        await first.close()


async def at_cap(service: ReelbotService, tmp_path: Path) -> uuid.UUID:
    """Alice's clip, with one finish of hers already waiting: her next one is refused."""
    clip_id = stored_clip(service, tmp_path, ALICE, seconds=1.0)
    await finish_clip(service, clip_id, ALICE, idempotency_key="alice-first", options=FinishOptions())
    return clip_id


def audio_key_of(service: ReelbotService, ticket: TaskTicket) -> str | None:
    with session_scope(service.db) as session:
        task = task_repo.get_task(session=session, task_id=ticket.task_id)
        assert task is not None
        return dict(task.payload_json or {}).get("audio_key")


async def lease_held(service: ReelbotService, track: CheckedTrack) -> bool:
    return bool(await service.redis.exists(service.keys.track_lock(track.key)))


async def test_a_finish_arriving_while_a_refused_one_holds_the_track_keeps_it(
    two: tuple[ReelbotService, ReelbotService], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    alice_side, bob_side = two
    caplog.set_level(logging.INFO, logger="reelbot.app.finish_tracks")
    clip_id = await at_cap(alice_side, tmp_path)
    data = song(tmp_path)
    alices, bobs = check_track(alice_side, data, "song.wav"), check_track(bob_side, data, "song.wav")
    assert alices.key == bobs.key  # one file for both
    bob: asyncio.Task[TaskTicket] | None = None

    async def queue_alices_while_bob_arrives() -> TaskTicket:
        nonlocal bob
        assert alice_side.media.exists(alices.key) and await lease_held(alice_side, alices)
        bob = asyncio.create_task(finish_clip(bob_side, clip_id, BOB, idempotency_key="bob", track=bobs))
        while not bob.done() and WAITING_LINE not in caplog.text:
            await asyncio.sleep(0.01)
        return await submit_task(alice_side, FINISH, {}, ALICE, idempotency_key="alice-second")

    with pytest.raises(LimitReached) as err:
        await submit_with_track(alice_side, alices, queue_alices_while_bob_arrives)
    assert err.value.key == "queue.user_pending_cap"
    assert bob is not None
    ticket = await bob
    assert not ticket.duplicate and audio_key_of(bob_side, ticket) == bobs.key
    assert bob_side.media.read_bytes(bobs.key) == data  # there for Bob's worker
    assert not await lease_held(bob_side, bobs) and await waiting(bob_side) == 2  # Alice's first, Bob's


async def test_a_refused_finish_after_a_queued_one_leaves_its_track(
    two: tuple[ReelbotService, ReelbotService], tmp_path: Path
) -> None:
    """The other order: Bob's is queued first; Alice's refused finish found the file and
    wrote none, so it deletes none."""
    alice_side, bob_side = two
    clip_id = await at_cap(alice_side, tmp_path)
    data = song(tmp_path)
    ticket = await finish_clip(
        bob_side, clip_id, BOB, idempotency_key="bob", track=check_track(bob_side, data, "song.wav")
    )
    track = check_track(alice_side, data, "song.wav")
    with pytest.raises(LimitReached):
        await finish_clip(alice_side, clip_id, ALICE, idempotency_key="alice-second", track=track)
    assert audio_key_of(bob_side, ticket) == track.key and bob_side.media.read_bytes(track.key) == data


async def test_a_refused_finish_alone_leaves_nothing(
    two: tuple[ReelbotService, ReelbotService], tmp_path: Path
) -> None:
    """No file, no lease, nothing queued beyond what was; the next finish of the same bytes
    stores its own."""
    alice_side, bob_side = two
    clip_id = await at_cap(alice_side, tmp_path)
    data = song(tmp_path)
    track = check_track(alice_side, data, "song.wav")
    with pytest.raises(LimitReached):
        await finish_clip(alice_side, clip_id, ALICE, idempotency_key="alice-second", track=track)
    assert stored_tracks(alice_side) == [] and not await lease_held(alice_side, track)
    assert await waiting(alice_side) == 1
    ticket = await finish_clip(
        bob_side, clip_id, BOB, idempotency_key="bob", track=check_track(bob_side, data, "song.wav")
    )
    assert audio_key_of(bob_side, ticket) == track.key and bob_side.media.read_bytes(track.key) == data
