"""The S3 media backend against a real S3-compatible HTTP server (moto's, on a free port)."""

from __future__ import annotations

import hashlib
import os
import threading
import urllib.error
import urllib.request
import uuid
from email.message import Message
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from reelbot.domain.media_settings import MediaSettings
from reelbot.domain.settings import Settings
from reelbot.storage.media import (
    InvalidMediaKey,
    MediaBackend,
    MediaStore,
    asset_key,
    clip_key,
    open_media_store,
)
from reelbot.storage.s3 import IMMUTABLE, MUTABLE, MediaUnavailable, S3MediaStore
from tests.storage.s3server import SECRET_KEY, S3Server


def make_store(server: S3Server, tmp_path: Path, delivery: str = "server", **s3: object) -> S3MediaStore:
    return S3MediaStore(
        server.settings(server.create_bucket(), **s3),
        tmp_path / "cache",
        "https://media.example/",
        b"k" * 32,
        default_ttl_s=600,
        delivery=delivery,  # type: ignore[arg-type]
    )


@pytest.fixture
def store(s3_server: S3Server, tmp_path: Path) -> S3MediaStore:
    return make_store(s3_server, tmp_path)


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, Message, bytes]:
    """GET ``url``; the headers are case-insensitive (S3 servers differ in their case)."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_put_get_range_exists_delete(store: S3MediaStore, tmp_path: Path) -> None:
    assert isinstance(store, MediaBackend)
    key = clip_key(uuid.uuid4())
    data = bytes(range(256)) * 40
    assert not store.exists(key)
    store.put_bytes(key, data)
    assert store.exists(key) and store.size(key) == len(data)
    assert store.read_bytes(key) == data
    assert store.read_range(key, 100, 356) == data[100:356]
    # Nothing is written to the local folder by a put: the bucket is the store.
    assert not any(p.is_file() for p in (tmp_path / "cache").rglob("*"))
    assert store.delete(key) is True
    assert not store.exists(key) and store.delete(key) is False
    with pytest.raises(FileNotFoundError):
        store.read_bytes(key)


def test_put_file_and_path_hands_out_a_verified_local_copy(store: S3MediaStore, tmp_path: Path) -> None:
    src = tmp_path / "clip.mp4"
    src.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"z" * 5000)
    key = clip_key(uuid.uuid4())
    store.put_file(key, src)
    local = store.path(key)
    assert local.read_bytes() == src.read_bytes()
    assert local.is_relative_to(store.root)
    # Another process deleted it: the next path() does not hand out the stale copy.
    obstore_delete(store, key)
    assert not store.path(key).exists()


def obstore_delete(store: S3MediaStore, key: str) -> None:
    import obstore

    obstore.delete(store.store, key)


def test_cache_control_and_content_type_let_a_cdn_front_immutable_keys(store: S3MediaStore) -> None:
    import obstore

    data = b"\x89PNG fake"
    ref = asset_key(hashlib.sha256(data).hexdigest(), "image/png")
    clip = clip_key(uuid.uuid4())
    scratch = f"storyboards/{uuid.uuid4()}/refs/{'a' * 64}.bin"
    for key in (ref, clip, scratch):
        store.put_bytes(key, data)
    assert obstore.get(store.store, ref).attributes == {
        "Content-Type": "image/png",
        "Cache-Control": IMMUTABLE,
    }
    assert obstore.get(store.store, clip).attributes["Content-Type"] == "video/mp4"
    assert obstore.get(store.store, clip).attributes["Cache-Control"] == IMMUTABLE
    assert obstore.get(store.store, scratch).attributes["Cache-Control"] == MUTABLE


def test_content_addressed_keys_refuse_other_content(store: S3MediaStore) -> None:
    key = asset_key(hashlib.sha256(b"the real bytes").hexdigest(), "image/png")
    with pytest.raises(InvalidMediaKey, match="sha256"):
        store.put_bytes(key, b"other bytes")
    assert not store.exists(key)


def test_bad_keys_are_refused_before_any_request(store: S3MediaStore) -> None:
    for bad in ("../etc/passwd", "/abs", "a//b", ".hidden", "a\\b"):
        with pytest.raises(InvalidMediaKey):
            store.put_bytes(bad, b"x")
        with pytest.raises(InvalidMediaKey):
            store.read_bytes(bad)


def test_server_delivery_signs_like_the_local_store(store: S3MediaStore) -> None:
    key = clip_key(uuid.uuid4())
    url = store.signed_url(key, ttl_s=60, now=1_000_000)
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(f"https://media.example/media/{key}?")
    assert store.verify(key, query["exp"][0], query["sig"][0], now=1_000_000)
    assert not store.verify(key, query["exp"][0], query["sig"][0], now=1_000_061)  # expired
    assert not store.verify(clip_key(uuid.uuid4()), query["exp"][0], query["sig"][0], now=1_000_000)


def test_presigned_delivery_serves_ranges_from_the_bucket(s3_server: S3Server, tmp_path: Path) -> None:
    store = make_store(s3_server, tmp_path, delivery="presigned")
    key = clip_key(uuid.uuid4())
    data = bytes(range(256)) * 100
    store.put_bytes(key, data)
    url = store.signed_url(key, ttl_s=120)
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert url.startswith(s3_server.endpoint) and query["X-Amz-Expires"] == ["120"]
    assert "X-Amz-Signature" in query and SECRET_KEY not in url
    status, headers, body = fetch(url, {"Range": "bytes=1000-1999"})
    assert status == 206 and body == data[1000:2000]
    assert headers["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    assert headers["Cache-Control"] == IMMUTABLE
    status, _, body = fetch(url)
    assert status == 200 and body == data
    # S3 refuses more than 7 days; a longer TTL is clamped rather than producing a bad URL.
    assert parse_qs(urlsplit(store.signed_url(key, ttl_s=30 * 24 * 3600)).query)["X-Amz-Expires"] == [
        "604800"
    ]


def test_public_endpoint_is_what_presigned_urls_name(s3_server: S3Server, tmp_path: Path) -> None:
    store = make_store(s3_server, tmp_path, delivery="presigned", public_endpoint="https://cdn.example")
    key = clip_key(uuid.uuid4())
    assert store.signed_url(key).startswith(f"https://cdn.example/{store.s3.bucket}/{key}?")


def test_settings_select_the_backend(s3_server: S3Server, tmp_path: Path) -> None:
    base = {"_env_file": None, "data_dir": tmp_path / "data", "media_secret": "test-secret-0123456789abcdef"}
    assert type(open_media_store(Settings(**base))) is MediaStore  # type: ignore[arg-type]
    bucket = s3_server.create_bucket()
    media = MediaSettings(backend="s3", s3=s3_server.settings(bucket))
    opened = open_media_store(Settings(**base, media=media))  # type: ignore[arg-type]
    assert isinstance(opened, S3MediaStore) and opened.s3.bucket == bucket
    assert "secret" not in repr(opened).lower()
    with pytest.raises(ValueError, match="bucket"):
        MediaSettings(backend="s3")
    with pytest.raises(ValueError, match="presigned"):
        MediaSettings(delivery="presigned")


def test_an_operation_waits_out_an_object_store_outage(s3_server: S3Server, tmp_path: Path) -> None:
    """The store goes down mid-job and comes back: the upload is retried and lands whole."""
    store = make_store(s3_server, tmp_path)
    key = clip_key(uuid.uuid4())
    data = b"clip bytes " * 1000
    store.put_bytes(key, b"before")
    s3_server.stop()
    try:
        done = threading.Event()
        errors: list[BaseException] = []

        def upload() -> None:
            try:
                store.put_bytes(key, data)
            except BaseException as exc:
                errors.append(exc)
            finally:
                done.set()

        worker = threading.Thread(target=upload)
        worker.start()
        # While the store is down the upload is still retrying, not failed.
        assert not done.wait(1.5)
    finally:
        s3_server.start()
    worker.join(timeout=60)
    assert done.is_set() and errors == []
    assert store.read_bytes(key) == data


def test_an_outage_longer_than_the_retry_window_is_an_oserror(s3_server: S3Server, tmp_path: Path) -> None:
    store = make_store(s3_server, tmp_path, retry_timeout_s=0.5, max_backoff_s=0.1)
    key = clip_key(uuid.uuid4())
    s3_server.stop()
    try:
        with pytest.raises(MediaUnavailable):
            store.put_bytes(key, b"x")
        with pytest.raises(OSError):
            store.read_bytes(key)
    finally:
        s3_server.start()


def test_sweep_drops_unused_cached_copies_but_never_the_objects(store: S3MediaStore, tmp_path: Path) -> None:
    old, fresh = clip_key(uuid.uuid4()), clip_key(uuid.uuid4())
    for key in (old, fresh):
        store.put_bytes(key, b"frames " * 100)
    old_copy, fresh_copy = store.path(old), store.path(fresh)
    stale = old_copy.stat().st_mtime - 7 * 3600
    os.utime(old_copy, (stale, stale))
    leftover = old_copy.with_name(f".{old_copy.name}.abc.tmp")  # a copy interrupted mid-write
    leftover.write_bytes(b"half")
    os.utime(leftover, (stale, stale))
    assert store.sweep_temp_files() == 2
    assert not old_copy.exists() and not leftover.exists() and fresh_copy.exists()
    assert store.exists(old) and store.path(old).read_bytes() == b"frames " * 100  # fetched again
