"""The media server: signatures, path tricks, ranges, content types, the clip page, /healthz.

A real MediaStore on disk and the real aiohttp app on a loopback port; the clip lookup is a
plain function over a dict (the page is tested end to end with the service in test_e2e.py).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from yarl import URL

from reelbot.bots.media_server import create_media_app
from reelbot.domain.errors import NotFound
from reelbot.domain.types import RemixKind
from reelbot.storage.media import MediaStore

VIDEO = bytes(range(256)) * 400  # 102400 bytes with position-dependent content


@dataclass
class Req:
    prompt: str


@dataclass
class FakeClipRow:
    id: uuid.UUID
    video_key: str | None
    thumbnail_key: str | None
    request: Req
    width: int = 144
    height: int = 256
    deleted: bool = False
    lineage: list[tuple[uuid.UUID, Any]] = field(default_factory=list)


@pytest.fixture
async def media_server(
    tmp_path: Path,
) -> AsyncIterator[tuple[TestServer, MediaStore, dict[uuid.UUID, FakeClipRow]]]:
    store = MediaStore(tmp_path / "media", "http://placeholder", b"k" * 32, 3600)
    clips: dict[uuid.UUID, FakeClipRow] = {}

    async def lookup(clip_id: uuid.UUID) -> FakeClipRow:
        if clip_id not in clips:
            raise NotFound("clip.not_found")
        return clips[clip_id]

    server = TestServer(create_media_app(store, lookup), host="127.0.0.1")
    await server.start_server()
    store.base_url = str(server.make_url("")).rstrip("/")
    try:
        yield server, store, clips
    finally:
        await server.close()


async def get(url: str | URL, **headers: str) -> tuple[int, dict[str, str], bytes]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        return response.status, dict(response.headers), await response.read()


async def test_signed_url_serves_the_file_with_its_type(media_server: Any) -> None:
    _, store, _ = media_server
    store.put_bytes("clips/a.mp4", VIDEO)
    store.put_bytes("thumbs/a.jpg", b"\xff\xd8\xff\xe0fakejpeg")
    status, headers, body = await get(store.signed_url("clips/a.mp4"))
    assert status == 200 and body == VIDEO
    assert headers["Content-Type"] == "video/mp4"
    assert headers["Accept-Ranges"] == "bytes"
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, headers, _ = await get(store.signed_url("thumbs/a.jpg"))
    assert status == 200 and headers["Content-Type"] == "image/jpeg"


async def test_range_requests(media_server: Any) -> None:
    _, store, _ = media_server
    store.put_bytes("clips/a.mp4", VIDEO)
    url = store.signed_url("clips/a.mp4")
    status, headers, body = await get(url, Range="bytes=100-199")
    assert status == 206
    assert headers["Content-Range"] == f"bytes 100-199/{len(VIDEO)}"
    assert body == VIDEO[100:200]
    status, headers, body = await get(url, Range="bytes=-10")  # the last 10 bytes (moov probing)
    assert status == 206 and body == VIDEO[-10:]
    status, headers, body = await get(url, Range=f"bytes={len(VIDEO) - 5}-")
    assert status == 206 and body == VIDEO[-5:]
    status, headers, _ = await get(url, Range=f"bytes={len(VIDEO) + 10}-{len(VIDEO) + 20}")
    assert status == 416
    assert headers["Content-Range"] == f"bytes */{len(VIDEO)}"


async def test_wrong_missing_and_expired_signatures_are_403(media_server: Any) -> None:
    _, store, _ = media_server
    store.put_bytes("clips/a.mp4", VIDEO)
    url = URL(store.signed_url("clips/a.mp4"))
    tampered = url.update_query(sig="0" * 64)
    assert (await get(tampered))[0] == 403
    assert (await get(url.with_query(None)))[0] == 403
    assert (await get(url.update_query(exp="soon")))[0] == 403
    # A valid signature for another key does not open this one.
    store.put_bytes("clips/b.mp4", b"other")
    other = URL(store.signed_url("clips/b.mp4"))
    assert (await get(url.with_query(other.query)))[0] == 403
    expired = store.signed_url("clips/a.mp4", now=time.time() - 7200)
    assert (await get(expired))[0] == 403


async def test_path_tricks_never_leave_the_media_dir(media_server: Any, tmp_path: Path) -> None:
    server, store, _ = media_server
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    base = str(server.make_url("")).rstrip("/")
    good = URL(store.signed_url("clips/a.mp4"))
    for raw in (
        "/media/../secret.txt",
        "/media/..%2F..%2Fsecret.txt",
        "/media/%2e%2e/%2e%2e/secret.txt",
        f"/media/{secret}",
        "/media//etc/passwd",
        "/media/clips\\..\\..\\secret.txt",
    ):
        url = URL(base + raw + "?" + good.query_string, encoded=True)
        status, _, body = await get(url)
        assert status in (403, 404), raw
        assert b"top secret" not in body
    # A symlink planted inside the store, even with a valid signature, does not leak.
    (store.root / "clips").mkdir(exist_ok=True)
    (store.root / "clips" / "link.mp4").symlink_to(secret)
    status, _, body = await get(store.signed_url("clips/link.mp4"))
    assert status == 404 and b"top secret" not in body
    # A missing file with a valid signature is 404, not 500.
    assert (await get(store.signed_url("clips/missing.mp4")))[0] == 404


async def test_clip_page_escapes_user_text_and_links_lineage(media_server: Any) -> None:
    server, store, clips = media_server
    root_id, clip_id = uuid.uuid4(), uuid.uuid4()
    store.put_bytes(f"clips/{clip_id}.mp4", VIDEO)
    store.put_bytes(f"thumbs/{clip_id}.jpg", b"\xff\xd8\xff")
    clips[clip_id] = FakeClipRow(
        id=clip_id,
        video_key=f"clips/{clip_id}.mp4",
        thumbnail_key=f"thumbs/{clip_id}.jpg",
        request=Req('<script>alert("x")</script> 貓 & "狗"'),
        lineage=[(root_id, None), (clip_id, RemixKind.VARY)],
    )
    status, headers, body = await get(
        server.make_url(f"/c/{clip_id}"), **{"Accept-Language": "zh-TW,zh;q=0.9"}
    )
    page = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; 貓 &amp; &quot;狗&quot;" in page
    assert f'href="/c/{root_id}"' in page and "變化" in page and "原創" in page
    assert "script-src" not in headers["Content-Security-Policy"]  # no scripts at all
    # The page's video URL is a signed URL the same server serves.
    start = page.index('src="') + 5
    video_url = page[start : page.index('"', start)].replace("&amp;", "&")
    status, _, data = await get(video_url, Range="bytes=0-9")
    assert status == 206 and data == VIDEO[:10]
    status, _, body = await get(server.make_url(f"/c/{clip_id}"), **{"Accept-Language": "en-US"})
    assert "Lineage" in body.decode()


async def test_clip_page_unknown_deleted_and_malformed(media_server: Any) -> None:
    server, _, clips = media_server
    assert (await get(server.make_url(f"/c/{uuid.uuid4()}")))[0] == 404
    assert (await get(server.make_url("/c/not-a-uuid")))[0] == 404
    gone = uuid.uuid4()
    clips[gone] = FakeClipRow(id=gone, video_key=None, thumbnail_key=None, request=Req("x"), deleted=True)
    assert (await get(server.make_url(f"/c/{gone}")))[0] == 410


async def test_healthz(media_server: Any) -> None:
    server, _, _ = media_server
    status, _, body = await get(server.make_url("/healthz"))
    assert status == 200 and b"ok" in body
