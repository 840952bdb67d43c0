"""Media store: atomic writes, keys that cannot leave the root, signed expiring URLs."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from reelbot.domain.settings import Settings
from reelbot.storage.media import (
    InvalidMediaKey,
    MediaBackend,
    MediaStore,
    asset_key,
    clip_key,
    thumbnail_key,
)


@pytest.fixture
def store(tmp_path: Path) -> MediaStore:
    return MediaStore(tmp_path / "media", "https://media.example/", b"k" * 32, default_ttl_s=600)


def _all_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_put_read_delete_roundtrip(store: MediaStore, tmp_path: Path) -> None:
    assert isinstance(store, MediaBackend)
    key = clip_key(uuid.uuid4())
    store.put_bytes(key, b"\x00mp4 data")
    assert store.exists(key) and store.read_bytes(key) == b"\x00mp4 data"
    assert store.path(key) == store.root / key
    src = tmp_path / "clip.mp4"
    src.write_bytes(os.urandom(3 * 1024 * 1024 + 5))  # several chunks
    store.put_file(key, src)  # replaces atomically
    assert store.read_bytes(key) == src.read_bytes() and src.exists()
    assert store.delete(key) is True
    assert store.delete(key) is False and not store.exists(key)
    assert _all_files(store.root) == []


def test_failed_write_leaves_nothing_and_keeps_old_content(store: MediaStore) -> None:
    key = thumbnail_key(uuid.uuid4())
    before: bytes | None = None

    def dies_midway() -> Iterator[bytes]:
        yield b"first half of the file"
        # mid-write, the final name shows the old content (or nothing), never the new half
        assert (store.read_bytes(key) if store.exists(key) else None) == before
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        store.put_stream(key, dies_midway())
    assert not store.exists(key)
    assert _all_files(store.root) == []  # the temp file is gone too

    store.put_bytes(key, b"good")
    before = b"good"
    with pytest.raises(OSError):
        store.put_stream(key, dies_midway())
    assert store.read_bytes(key) == b"good"
    assert _all_files(store.root) == [key]


def test_sweep_removes_only_stale_temp_files(store: MediaStore) -> None:
    folder = store.root / "clips"
    folder.mkdir()
    stale, fresh = folder / ".a.mp4.x1.tmp", folder / ".b.mp4.x2.tmp"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"y")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    assert store.sweep_temp_files(older_than_s=3600) == 1
    assert not stale.exists() and fresh.exists()


@pytest.mark.parametrize(
    "key",
    [
        "../etc/passwd",
        "clips/../../secret",
        "clips/..",
        "/etc/passwd",
        "clips\\..\\x",
        "",
        "clips//x.mp4",
        ".hidden",
        "clips/.x.mp4.abc.tmp",
        "a" * 600,
        "clips/x.mp4\x00",
    ],
)
def test_bad_keys_are_refused(store: MediaStore, key: str) -> None:
    with pytest.raises(InvalidMediaKey):
        store.path(key)
    with pytest.raises(ValueError):  # InvalidMediaKey is a ValueError
        store.put_bytes(key, b"x")
    assert _all_files(store.root) == []


def test_symlink_escaping_the_root_is_refused(store: MediaStore, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("top secret")
    (store.root / "clips").symlink_to(outside, target_is_directory=True)
    with pytest.raises(InvalidMediaKey, match="outside"):
        store.path("clips/secret.txt")
    with pytest.raises(InvalidMediaKey):
        store.put_bytes("clips/new.mp4", b"x")
    assert not (outside / "new.mp4").exists()


def test_signed_url_verifies_and_rejects_tampering_and_expiry(store: MediaStore) -> None:
    key = clip_key(uuid.uuid4())
    now = 1_800_000_000.0
    url = store.signed_url(key, now=now)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == "https://media.example"
    assert parts.path == f"/media/{key}"
    query = parse_qs(parts.query)
    exp, sig = query["exp"][0], query["sig"][0]
    assert int(exp) == int(now) + 600
    assert store.verify(key, exp, sig, now=now) is True
    assert store.verify(key, int(exp), sig, now=now + 599) is True
    # expired
    assert store.verify(key, exp, sig, now=now + 601) is False
    # tampered: another key, a later expiry, a flipped signature digit, garbage
    assert store.verify(clip_key(uuid.uuid4()), exp, sig, now=now) is False
    assert store.verify(key, str(int(exp) + 3600), sig, now=now) is False
    flipped = ("0" if sig[0] != "0" else "1") + sig[1:]
    assert store.verify(key, exp, flipped, now=now) is False
    assert store.verify(key, "soon", sig, now=now) is False
    assert store.verify(key, exp, "ünïcode", now=now) is False
    assert store.verify("../x", exp, sig, now=now) is False
    # another store's key cannot sign for this one
    other = MediaStore(store.root, store.base_url, b"z" * 32, default_ttl_s=600)
    assert other.verify(key, exp, sig, now=now) is False
    # an explicit ttl
    short = parse_qs(urlsplit(store.signed_url(key, ttl_s=60, now=now)).query)
    assert int(short["exp"][0]) == int(now) + 60
    assert "k" * 32 not in repr(store)


def test_from_settings(settings: Settings) -> None:
    store = MediaStore.from_settings(settings)
    assert store.root == settings.resolved_media_dir and store.root.is_dir()
    key = asset_key("ab" * 32, "image/png")
    assert key == f"assets/ab/{'ab' * 32}.png"
    url = store.signed_url(key)
    query = parse_qs(urlsplit(url).query)
    assert store.verify(key, query["exp"][0], query["sig"][0])
    with pytest.raises(InvalidMediaKey):
        asset_key("../" * 10, "image/png")
