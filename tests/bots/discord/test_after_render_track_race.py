"""Discord's after-render track and another process's finish of the same bytes share one file
(``tracks/<sha256><suffix>``): neither one's take-back removes the file the other relies on.

``/video … audio:`` keeps the track when the request is checked and finishes the clip hours
later from its note, so the keep and a take-back (the request refused after it) are two moments,
with other finishes free to find the file in between. Two service instances stand for two
processes (the bot's and another's: one Redis, one database, one media store):

(a) another finish wrote the track and is refused while Dora's /video keeps the same bytes:
    her keep waits on the track's lease (its log line, no sleeps), finds no file after the
    take-back and writes her own — the Short made after the render has her track;
(b) Dora's request wrote the track, then is refused (its reference image, whose download the
    fake CDN holds) after Bob's finish found the file and was queued with it: the file stays
    and Bob's finish is made with it;
alone, Dora's refused request leaves no track and no claim.
Real discord.py against the fake Discord, Redis, SQLite, ffmpeg and the tiny worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reelbot.app.finish import FinishOptions, finish_clip, finished
from reelbot.app.finish_tracks import check_track, submit_with_track
from reelbot.app.service import ReelbotService
from reelbot.app.tasks import TaskTicket, submit_task
from reelbot.bots.discord.pending_finish import PendingFinish
from reelbot.domain.errors import LimitReached
from reelbot.domain.settings import Settings
from reelbot.domain.tasks import FINISH
from reelbot.domain.types import Origin, Platform
from tests.bots.discord.helpers import render_all, wait_jobs
from tests.bots.discord.test_after_render import BOAT, finished_posts, notes_left, track_files, video
from tests.bots.discord.test_finish_command import sine_wav, track_key
from tests.bots.discord.test_finish_music import tasks_of
from tests.e2e.test_finish_track_order import open_with
from tests.e2e.test_finish_track_race import WAITING_LINE, audio_key_of
from tests.fakes.discord_api import FakeDiscord
from tests.finishclips import stored_clip

ALICE = Origin(platform=Platform.LINE, user_id="Ualice", channel_id="Ualice", locale="en")
BOB = Origin(platform=Platform.LINE, user_id="Ubob", channel_id="Ubob", locale="zh-TW")
NOT_AN_IMAGE = b"just some text\n" * 50


@contextlib.contextmanager
def logged(text: str) -> Iterator[asyncio.Event]:
    """An event set when app.finish logs a line containing ``text``."""
    seen, loop = asyncio.Event(), asyncio.get_running_loop()
    logger = logging.getLogger("reelbot.app.finish_tracks")

    class Seen(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if text in record.getMessage():
                loop.call_soon_threadsafe(seen.set)

    handler, level = Seen(logging.INFO), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield seen
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


async def first_of(task: asyncio.Task[Any], event: asyncio.Event) -> None:
    waiter = asyncio.ensure_future(event.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()


async def claimed(service: ReelbotService, key: str) -> bool:
    return bool(await service.redis.exists(service.keys.track_claim(key)))


async def test_a_track_kept_while_a_refused_finish_takes_its_own_back_is_there_after_render(
    fake: FakeDiscord, service: ReelbotService, settings: Settings, start_bot: Any, tmp_path: Path
) -> None:
    other = await open_with(settings, pending=1)  # another process; Alice's pending cap is 1
    try:
        clip_id = stored_clip(other, tmp_path, ALICE, seconds=1.0)
        await finish_clip(other, clip_id, ALICE, idempotency_key="alice-first", options=FinishOptions())
        data = sine_wav(tmp_path / "song.wav", seconds=2.0)
        alices = check_track(other, data, "song.wav")
        dora = fake.user(name="dora")
        request: asyncio.Task[tuple[Any, dict[str, Any]]] | None = None
        async with start_bot():
            attachment = fake.add_attachment("song.wav", data, "audio/wav")

            async def queue_alices_while_dora_asks() -> TaskTicket:
                nonlocal request
                assert other.media.exists(alices.key)  # Alice's, written under the lease
                with logged(WAITING_LINE) as waits:
                    request = asyncio.create_task(video(fake, BOAT, dora, audio=attachment))
                    await first_of(request, waits)  # Dora's keep waits on the lease (or, unleased, is done)
                    assert waits.is_set()
                return await submit_task(other, FINISH, {}, ALICE, idempotency_key="alice-second")

            with pytest.raises(LimitReached):
                await submit_with_track(other, alices, queue_alices_while_dora_asks)
            assert request is not None
            _, answer = await request
            assert "Once the clip is rendered I finish it for Shorts" in answer["content"], answer
            assert service.media.read_bytes(alices.key) == data  # Dora's own, written after the take-back:
            assert await claimed(service, alices.key)  # she wrote it (she did not find Alice's)
            (note_key,) = await notes_left(service)
            note = PendingFinish.model_validate_json(await service.redis.get(note_key))
            assert note.options.audio_key == alices.key  # what the finish after the render will use
            (job,) = await wait_jobs(fake, service, dora["id"], 1)
            assert await render_all(service, tasks=2) == 1  # Dora's clip; Alice's first finish, Dora's Short
            shorts = tasks_of(service, FINISH)
            (short,) = [t for t in shorts if t.idempotency_key == f"discord:after-render:{job.id}"]
            made = await finished(service, short.id)
            assert (short.payload_json or {})["audio_key"] == alices.key and made.has_audio
            await fake.wait_for(lambda: finished_posts(fake), what="Dora's Short posted")
    finally:
        await other.close()


async def ask_with_a_held_image(
    fake: FakeDiscord, dora: dict[str, Any], data: bytes
) -> tuple[asyncio.Task[tuple[Any, dict[str, Any]]], asyncio.Event]:
    """Dora's /video with a track and a first frame; it returns once her track was kept, her
    plan passed and the bot waits on the image's download (which is then not an image)."""
    image = fake.add_attachment("frame.png", NOT_AN_IMAGE, "image/png")
    gate = fake.hold_download(image)
    track = fake.add_attachment("song.wav", data, "audio/wav")
    request = asyncio.create_task(video(fake, BOAT, dora, audio=track, image=image))
    await fake.wait_for(lambda: fake.waiting_downloads, what="the image's download")
    return request, gate


async def refused(request: asyncio.Task[tuple[Any, dict[str, Any]]], fake: FakeDiscord) -> None:
    _, answer = await request
    assert answer["flags"] & 64 and "not an image I can read" in answer["content"], answer
    assert fake.channel_messages() == []


async def test_a_refused_request_leaves_the_track_another_finish_was_queued_with(
    fake: FakeDiscord, service: ReelbotService, settings: Settings, start_bot: Any, tmp_path: Path
) -> None:
    other = await ReelbotService.open(settings)  # another process
    try:
        data = sine_wav(tmp_path / "song.wav", seconds=2.0)
        key = track_key(data, ".wav")
        clip_id = stored_clip(other, tmp_path, BOB, seconds=1.0)
        dora = fake.user(name="dora")
        async with start_bot():
            request, gate = await ask_with_a_held_image(fake, dora, data)
            assert service.media.read_bytes(key) == data and await claimed(service, key)  # Dora's, so far
            bobs = check_track(other, data, "song.wav")
            ticket = await finish_clip(other, clip_id, BOB, idempotency_key="bob", track=bobs)
            assert not ticket.duplicate and audio_key_of(other, ticket) == key
            gate.set()
            await refused(request, fake)
        assert await service.jobs_for(Platform.DISCORD, dora["id"]) == [] and await notes_left(service) == []
        assert other.media.read_bytes(key) == data  # there for Bob's worker
        assert await render_all(service, tasks=1) == 0
        made = await finished(other, ticket.task_id)
        assert made.has_audio and made.clip_id == clip_id
    finally:
        await other.close()


async def test_a_refused_request_alone_leaves_no_track(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
) -> None:
    data = sine_wav(tmp_path / "song.wav", seconds=2.0)
    key = track_key(data, ".wav")
    dora = fake.user(name="dora")
    async with start_bot():
        request, gate = await ask_with_a_held_image(fake, dora, data)
        assert service.media.exists(key) and await claimed(service, key)
        gate.set()
        await refused(request, fake)
    assert track_files(service) == [] and not await claimed(service, key)
    assert not await service.redis.exists(service.keys.track_lock(key))
    assert await service.jobs_for(Platform.DISCORD, dora["id"]) == [] and await notes_left(service) == []
