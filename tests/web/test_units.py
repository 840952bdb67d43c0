"""Small pure parts of the pages: language choice, aspect classes, tree layout, the limiter."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from aiohttp.test_utils import make_mocked_request

from reelbot.bots.web.pages import aspect_class, choose_locale, media_origin
from reelbot.bots.web.routes import RateLimiter
from reelbot.bots.web.tree import NODE_W, layout
from reelbot.domain.types import RemixKind


def locale_of(path: str, accept: str = "") -> str:
    return choose_locale(make_mocked_request("GET", path, headers={"Accept-Language": accept}))


def test_language_from_the_link_then_accept_language_by_quality() -> None:
    assert locale_of("/x?lang=zh-TW", "en") == "zh-TW"
    assert locale_of("/x?lang=en", "zh-TW") == "en"
    assert locale_of("/x", "en;q=0.4, zh-TW;q=0.9") == "zh-TW"
    assert locale_of("/x", "fr, zh-Hant;q=0.8, en;q=0.5") == "zh-TW"
    assert locale_of("/x", "de, fr") == "en"
    assert locale_of("/x", "en-US,en;q=0.9,zh-TW;q=0.8") == "en"
    assert locale_of("/x", "zh;q=bad, en;q=0.1") == "en"  # a broken q counts as 0


def test_aspect_class_is_the_nearest_supported_aspect() -> None:
    assert aspect_class(144, 256) == "ar-9-16"
    assert aspect_class(480, 832) == "ar-9-16"
    assert aspect_class(512, 512) == "ar-1-1"
    assert aspect_class(832, 480) == "ar-16-9"


@dataclass
class Store:
    base_url: str


@dataclass
class PresignedStore:
    base_url: str

    def signed_url(self, key: str, ttl_s: int | None = None) -> str:
        return f"https://bucket.s3.example.net/{key}?X-Amz-Signature=abc"


def test_media_origin_follows_presigned_delivery() -> None:
    """An object store handing out presigned URLs: the policy names the bucket, not base_url."""
    assert media_origin(PresignedStore("https://media.example.org")) == "https://bucket.s3.example.net"


def test_media_origin_is_the_signed_urls_origin() -> None:
    assert media_origin(Store("https://media.example.org/prefix")) == "https://media.example.org"
    assert media_origin(Store("http://127.0.0.1:8080")) == "http://127.0.0.1:8080"
    assert media_origin(Store("")) == "'self'"


@dataclass(frozen=True)
class Node:
    id: uuid.UUID
    parent_id: uuid.UUID | None
    kind: RemixKind | None
    depth: int


def test_tree_layout_places_every_node_without_overlap() -> None:
    root = Node(uuid.uuid4(), None, None, 0)
    kids = [Node(uuid.uuid4(), root.id, RemixKind.VARY, 1) for _ in range(3)]
    grand = Node(uuid.uuid4(), kids[1].id, RemixKind.EXTEND, 2)
    orphan = Node(uuid.uuid4(), uuid.uuid4(), RemixKind.REMIX, 3)  # its parent is not in the family
    placed, edges, width, height = layout([root, *kids, grand, orphan])
    assert len(placed) == 6 and len(edges) == 4
    spots = {(p.x, p.y) for p in placed}
    assert len(spots) == 6
    by_id = {p.node.id: p for p in placed}
    assert by_id[root.id].x == by_id[kids[1].id].x  # a parent sits over the middle of its children
    assert all(p.x + NODE_W <= width and p.y < height for p in placed)


def test_rate_limiter_window() -> None:
    limiter = RateLimiter(limit=2, window_s=60)
    assert [limiter.allow("a", now=t) for t in (0, 1, 2)] == [True, True, False]
    assert limiter.allow("b", now=2)  # per address
    assert limiter.allow("a", now=61)  # a new window


def test_rate_limiter_counts_the_address_the_trusted_proxy_saw() -> None:
    direct = RateLimiter()
    behind = RateLimiter(forwarded_hops=1)
    spoofed = make_mocked_request("GET", "/c/x", headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.7"})
    assert behind.client(spoofed) == "203.0.113.7"  # the proxy appends the real peer last
    assert direct.client(spoofed) != "203.0.113.7"  # without a trusted proxy the header is ignored


def test_c2pa_status_reads_a_file_or_its_bytes(tmp_path: Path) -> None:
    from reelbot.app.gallery import read_c2pa

    from .clipdata import ClipFactory

    factory = ClipFactory(None, tmp_path)
    video, _ = factory._media_files(1, 144, 256)
    signed = factory._signed(video, uuid.uuid4())
    assert read_c2pa(signed) == (True, "reelbot test CA")  # bytes: an object store has no path
    (tmp_path / "signed.mp4").write_bytes(signed)
    assert read_c2pa(tmp_path / "signed.mp4") == (True, "reelbot test CA")
    assert read_c2pa(video) == (False, None)
    assert read_c2pa(b"not an mp4") == (False, None)


def test_media_origin_of_a_real_presigning_bucket_store(tmp_path: Path) -> None:
    """The real S3 store in presigned delivery (signing is local: no bucket is contacted)."""
    from reelbot.domain.media_settings import S3Settings
    from reelbot.storage.s3 import S3MediaStore

    s3 = S3Settings(
        bucket="clips",
        endpoint="http://127.0.0.1:9",
        public_endpoint="https://cdn.example.net",
        access_key_id="k",
        secret_access_key="s",
        allow_http=True,
        path_style=True,  # type: ignore[arg-type]
    )
    presigned = S3MediaStore(s3, tmp_path, "https://media.example.org", b"k" * 32, 600, delivery="presigned")
    served = S3MediaStore(s3, tmp_path, "https://media.example.org", b"k" * 32, 600, delivery="server")
    assert media_origin(presigned) == "https://cdn.example.net"
    assert media_origin(served) == "https://media.example.org"
