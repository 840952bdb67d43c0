"""The process entry points: `reelbot media` serves media + health; the LINE app has probes too;
`run_line` (what `reelbot line` runs) starts, sweeps stale staged photos and tracks, and stops
cleanly."""

from __future__ import annotations

import asyncio
import os
import time

import aiohttp
from pydantic import SecretStr

from reelbot.bots.line.app import run_line, run_media
from reelbot.bots.line.config import LineConfig
from reelbot.bots.line.finish_extras import track_staging
from reelbot.bots.line.staging import SWEEP_GRACE_S, PhotoStaging
from reelbot.domain.settings import Settings
from tests.bots.line.conftest import ACCESS_TOKEN, CHANNEL_SECRET, Harness, free_port
from tests.fakes.line_api import FakeLineApi


async def test_line_app_has_health_and_readiness(harness: Harness) -> None:
    async with harness.http.get(f"{harness.base_url}/healthz") as response:
        assert response.status == 200
    async with harness.http.get(f"{harness.base_url}/readyz") as response:
        assert response.status == 200
        body = await response.json()
    assert body["status"] == "ok" and set(body["checks"]) >= {"redis", "database"}


async def test_run_media_serves_signed_files_until_stopped(settings: Settings) -> None:
    port = free_port()
    # A fresh database: the media server migrates it only when told to (REELBOT_MIGRATE_ON_START).
    update = {"media_base_url": f"http://127.0.0.1:{port}", "migrate_on_start": True}
    settings = settings.model_copy(update=update)
    stop = asyncio.Event()
    task = asyncio.create_task(run_media(settings, stop, host="127.0.0.1", port=port))
    from reelbot.storage.media import MediaStore

    store = MediaStore.from_settings(settings)
    store.put_bytes("clips/x.mp4", b"0123456789")
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(100):  # until it listens
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                        assert response.status == 200
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            async with http.get(store.signed_url("clips/x.mp4"), headers={"Range": "bytes=2-4"}) as response:
                assert response.status == 206 and await response.read() == b"234"
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)
    assert task.done() and task.exception() is None


async def test_run_line_sweeps_photos_and_tracks_a_previous_run_left_and_stops_cleanly(
    settings: Settings, fake_line: FakeLineApi
) -> None:
    port = free_port()
    settings = settings.model_copy(
        update={
            "line_channel_secret": SecretStr(CHANNEL_SECRET),
            "line_channel_access_token": SecretStr(ACCESS_TOKEN),
            "line_api_host": fake_line.url,
            "line_data_host": fake_line.url,
            "media_base_url": "https://media.example.test",
            "migrate_on_start": True,  # a fresh database (no `reelbot migrate` job in this test)
        }
    )
    config = LineConfig(_env_file=None, host="127.0.0.1", port=port, events_block_ms=50)  # type: ignore[call-arg]
    staging = PhotoStaging(settings.data_dir / "line" / "incoming", config.photo_ttl_s)
    staging.put("left-behind", b"photo")
    stale = time.time() - config.photo_ttl_s - SWEEP_GRACE_S - 5
    os.utime(staging.path("left-behind"), (stale, stale))
    staging.put("still-waiting", b"photo")
    tracks = track_staging(staging, config.finish_extras_ttl_s)
    tracks.put("track-left-behind", b"song")
    stale_track = time.time() - config.finish_extras_ttl_s - SWEEP_GRACE_S - 5
    os.utime(tracks.path("track-left-behind"), (stale_track, stale_track))
    tracks.put("track-waiting", b"song")
    stop = asyncio.Event()
    task = asyncio.create_task(run_line(settings, stop, config))
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(200):  # until it listens
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                        assert response.status == 200
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
        for _ in range(200):
            if staging.get("left-behind") is None and tracks.get("track-left-behind") is None:
                break
            await asyncio.sleep(0.02)
        assert staging.get("left-behind") is None and staging.get("still-waiting") == b"photo"
        assert tracks.get("track-left-behind") is None and tracks.get("track-waiting") == b"song"
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)
    assert task.exception() is None
