"""Bot, worker and media server with their own data directories, sharing only Redis, the
database and the bucket; the bucket is stopped while the worker renders.

Each part is its own ``ReelbotService`` (what each process opens) with its own
``data_dir``; media settings point all of them at the same S3-compatible server. Nothing
is read from another part's folder — a worker's parent clip for Extend comes from the
bucket, the media server streams from the bucket.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from reelbot.app.service import ReelbotService
from reelbot.bots.media_server import create_media_app
from reelbot.cli.wiring import worker_for
from reelbot.domain.media_settings import MediaSettings
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform, RemixKind
from reelbot.generator.cache import EngineCache
from reelbot.generator.encode import probe
from reelbot.storage.s3 import S3MediaStore
from tests.conftest import REDIS_URL
from tests.storage.s3server import S3Server

ALICE = Origin(platform=Platform.LINE, user_id="alice", channel_id="chat-1", locale="zh-TW")


@pytest.fixture
async def parts(
    tmp_path: Path, key_prefix: str, s3_server: S3Server
) -> AsyncIterator[Callable[[str], Awaitable[ReelbotService]]]:
    """``part(name)``: a service with its own data dir; all share Redis, SQLite file and bucket."""
    bucket = s3_server.create_bucket()
    database = f"sqlite:///{tmp_path / 'shared.db'}"
    opened: dict[str, ReelbotService] = {}

    async def open_part(name: str) -> ReelbotService:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            data_dir=tmp_path / name,
            database_url=database,
            redis_url=REDIS_URL,
            redis_prefix=key_prefix,
            preset="tiny",
            device="cpu",
            media_secret="test-secret-0123456789abcdef",  # type: ignore[arg-type]
            media=MediaSettings(backend="s3", s3=s3_server.settings(bucket)),
        )
        opened[name] = await ReelbotService.open(settings)
        return opened[name]

    try:
        yield open_part
    finally:
        for service in opened.values():
            await service.close()


async def wait_for(predicate: Callable[[], Awaitable[bool]], what: str, timeout_s: float = 300) -> None:
    """Poll an async predicate; the timeout only turns a hang into a clear failure."""
    deadline = time.monotonic() + timeout_s
    while not await predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def local_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and "media-cache" not in p.parts]


async def test_render_survives_a_bucket_outage_and_parts_share_no_disk(
    parts: Callable[[str], Awaitable[ReelbotService]],
    s3_server: S3Server,
    tiny_cache: EngineCache,
    tmp_path: Path,
) -> None:
    bot = await parts("bot")
    worker_a = await parts("worker-a")
    ticket = await bot.submit(
        GenerationRequest(prompt="紙船在湖上", origin=ALICE, seed=3), idempotency_key="k1"
    )
    assert isinstance(worker_a.media, S3MediaStore)

    s3_server.stop()
    try:
        worker = worker_for(worker_a, name="worker-a", burst=True, cache=tiny_cache)
        render = asyncio.create_task(worker.run())

        async def rendered() -> bool:
            if render.done():  # the worker died: show why instead of waiting out the timeout
                render.result()
                raise AssertionError("the worker stopped before the render finished")
            view = await bot.job(ticket.job_id)
            return view.step is not None and view.step == view.total_steps

        await wait_for(rendered, "the render's last step")
        await asyncio.sleep(1.0)
        # Rendered, but the clip cannot be stored while the bucket is down: not done, not failed.
        assert (await bot.job(ticket.job_id)).state is JobState.RUNNING
        assert not render.done()
    finally:
        s3_server.start()
    await asyncio.wait_for(render, timeout=300)
    view = await bot.job(ticket.job_id)
    assert view.state is JobState.DONE and view.clip_id is not None
    clip = await bot.clip(view.clip_id)
    assert bot.media.exists(clip.video_key or "") and bot.media.exists(clip.thumbnail_key or "")
    # Nothing the others need was left on the worker's disk.
    assert not any("clips" in p.parts for p in local_files(tmp_path / "worker-a"))

    # Extend on another worker with its own data dir: the parent clip comes from the bucket.
    worker_b = await parts("worker-b")
    extend = await bot.remix(clip.id, RemixKind.EXTEND, ALICE, idempotency_key="ext")
    await worker_for(worker_b, name="worker-b", burst=True, cache=tiny_cache).run()
    extended = await bot.clip((await bot.job(extend.job_id)).clip_id)  # type: ignore[arg-type]
    assert extended.num_frames > clip.num_frames
    info = probe(worker_b.media.path(extended.video_key or ""))
    assert info.num_frames == extended.num_frames

    # The media server, a third data dir, streams the clip from the bucket with ranges.
    media = await parts("media")
    server = TestServer(create_media_app(media.media), host="127.0.0.1")
    await server.start_server()
    media.media.base_url = str(server.make_url("")).rstrip("/")
    try:
        whole = media.media.read_bytes(extended.video_key or "")
        url = media.media.signed_url(extended.video_key or "")
        async with aiohttp.ClientSession() as session:
            async with session.get(url, headers={"Range": "bytes=0-1023"}) as response:
                assert response.status == 206 and await response.read() == whole[:1024]
                assert response.headers["Content-Range"] == f"bytes 0-1023/{len(whole)}"
            expired = media.media.signed_url(extended.video_key or "", ttl_s=-1)
            async with session.get(expired) as response:
                assert response.status == 403
    finally:
        await server.close()
    # Streaming needs no local copy: the media server's disk holds no clip at all.
    assert not any("clips" in p.parts for p in (tmp_path / "media").rglob("*"))
