"""The process entry points: `reelbot media` serves media + health; the LINE app has probes too."""

from __future__ import annotations

import asyncio

import aiohttp

from reelbot.bots.line.app import run_media
from reelbot.settings import Settings
from tests.bots.line.conftest import Harness, free_port


async def test_line_app_has_health_and_readiness(harness: Harness) -> None:
    async with harness.http.get(f"{harness.base_url}/healthz") as response:
        assert response.status == 200
    async with harness.http.get(f"{harness.base_url}/readyz") as response:
        assert response.status == 200
        body = await response.json()
    assert body["status"] == "ok" and set(body["checks"]) >= {"redis", "database"}


async def test_run_media_serves_signed_files_until_stopped(settings: Settings) -> None:
    port = free_port()
    settings = settings.model_copy(update={"media_base_url": f"http://127.0.0.1:{port}"})
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
