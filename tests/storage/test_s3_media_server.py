"""The media server streaming clips from the S3 bucket: ranges like FileResponse, expiry enforced.

Two real aiohttp media servers on loopback ports — one over the local folder (FileResponse),
one over an S3MediaStore on moto's S3 HTTP server — answer the same requests for the same
bytes; every status, Content-Range and body must match.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from reelbot.bots.media_server import create_media_app
from reelbot.storage.media import MediaStore, clip_key
from reelbot.storage.s3 import S3MediaStore
from tests.storage.s3server import S3Server

VIDEO = bytes(range(256)) * 4000  # 1 MB, position-dependent content, more than one chunk
RANGES = ["bytes=0-99", "bytes=1000-", "bytes=-500", "bytes=0-", "bytes=1023999-2000000", "bytes=5-5"]
UNSATISFIABLE = ["bytes=1024000-", "bytes=5000000-5000010", "bytes=abc"]


async def _serve(store: MediaStore) -> TestServer:
    server = TestServer(create_media_app(store), host="127.0.0.1")
    await server.start_server()
    store.base_url = str(server.make_url("")).rstrip("/")
    return server


@pytest.fixture
async def servers(s3_server: S3Server, tmp_path: Path) -> AsyncIterator[tuple[MediaStore, S3MediaStore, str]]:
    local = MediaStore(tmp_path / "media", "http://placeholder", b"k" * 32, 3600)
    bucket = S3MediaStore(
        s3_server.settings(s3_server.create_bucket()),
        tmp_path / "cache",
        "http://placeholder",
        b"k" * 32,
        3600,
    )
    key = clip_key(uuid.uuid4())
    local.put_bytes(key, VIDEO)
    bucket.put_bytes(key, VIDEO)
    local_server, bucket_server = await _serve(local), await _serve(bucket)
    try:
        yield local, bucket, key
    finally:
        await local_server.close()
        await bucket_server.close()


async def fetch(url: str, method: str = "GET", **headers: str) -> tuple[int, dict[str, str], bytes]:
    async with aiohttp.ClientSession() as session, session.request(method, url, headers=headers) as response:
        return response.status, dict(response.headers), await response.read()


async def test_ranges_match_file_response(servers: tuple[MediaStore, S3MediaStore, str]) -> None:
    local, bucket, key = servers
    for rng in [None, *RANGES]:
        headers = {} if rng is None else {"Range": rng}
        want = await fetch(local.signed_url(key), **headers)
        got = await fetch(bucket.signed_url(key), **headers)
        assert got[0] == want[0], rng
        assert got[2] == want[2], rng
        assert got[1].get("Content-Range") == want[1].get("Content-Range"), rng
        assert got[1]["Content-Length"] == want[1]["Content-Length"], rng
        assert got[1]["Content-Type"] == "video/mp4"
    status, headers, body = await fetch(bucket.signed_url(key), Range="bytes=1000-1999")
    assert status == 206 and body == VIDEO[1000:2000]
    assert headers["Content-Range"] == f"bytes 1000-1999/{len(VIDEO)}"
    assert headers["Accept-Ranges"] == "bytes" and headers["X-Content-Type-Options"] == "nosniff"


async def test_unsatisfiable_ranges_are_416_with_the_size(
    servers: tuple[MediaStore, S3MediaStore, str],
) -> None:
    local, bucket, key = servers
    for rng in UNSATISFIABLE:
        want = await fetch(local.signed_url(key), Range=rng)
        got = await fetch(bucket.signed_url(key), Range=rng)
        assert got[0] == want[0] == 416, rng
    status, headers, _ = await fetch(bucket.signed_url(key), Range="bytes=1024000-")
    assert status == 416 and headers["Content-Range"] == f"bytes */{len(VIDEO)}"


async def test_head_has_the_length_and_no_body(servers: tuple[MediaStore, S3MediaStore, str]) -> None:
    _, bucket, key = servers
    status, headers, body = await fetch(bucket.signed_url(key), "HEAD")
    assert status == 200 and headers["Content-Length"] == str(len(VIDEO)) and body == b""


async def test_expired_or_forged_signatures_are_refused(
    servers: tuple[MediaStore, S3MediaStore, str],
) -> None:
    _, bucket, key = servers
    status, _, body = await fetch(bucket.signed_url(key, ttl_s=-10))
    assert status == 403 and VIDEO[:100] not in body
    forged = bucket.signed_url(key).replace("sig=", "sig=0")
    assert (await fetch(forged))[0] == 403
    other = bucket.signed_url(clip_key(uuid.uuid4()))
    assert (await fetch(other.split("?")[0] + "?" + bucket.signed_url(key).split("?")[1]))[0] == 403


async def test_missing_and_deleted_objects_are_404(servers: tuple[MediaStore, S3MediaStore, str]) -> None:
    _, bucket, key = servers
    assert (await fetch(bucket.signed_url(clip_key(uuid.uuid4()))))[0] == 404
    url = bucket.signed_url(key)
    bucket.delete(key)
    assert (await fetch(url))[0] == 404
