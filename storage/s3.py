"""Media in an S3-compatible bucket, so bots, workers and media servers share no disk.

Why obstore (not boto3/aiobotocore): one small wheel (Rust ``object_store``, no botocore
pin to fight moto or other AWS libraries over), a sync *and* an async API on the same
store object (the ``MediaBackend`` seam is sync, the media server streams asynchronously),
retries with backoff on connection errors and 5xx built in, ranged reads, streaming
multipart uploads and SigV4 presigning. aiobotocore pins botocore to one minor release and
is async-only; boto3 is sync-only and would need a thread per streamed response.

Keys are the same as the local store's (:func:`reelbot.storage.media.validate_key`):
``assets/ab/<sha256>.<ext>`` is content-addressed (checked on write), ``clips/<uuid>.mp4``
and ``thumbs/<uuid>.jpg`` are written once under a fresh id. Those are stored with
``Cache-Control: public, max-age=31536000, immutable`` so a CDN can front them; anything
else (storyboard scratch references) is ``private, no-cache``.

:class:`S3MediaStore` subclasses :class:`~reelbot.storage.media.MediaStore` so the service,
workers and bots keep one type: the local folder becomes a read-through cache, and
:meth:`S3MediaStore.path` hands code that needs a file (ffmpeg decoding a parent clip, a
thumbnail upload) a verified local copy.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import obstore
from obstore.exceptions import BaseError, NotFoundError
from obstore.store import S3Store

from reelbot.domain.media_settings import MAX_PRESIGN_S, S3Settings
from reelbot.storage.media import CHUNK, InvalidMediaKey, MediaStore, validate_key

if TYPE_CHECKING:
    from obstore import GetResult

    from reelbot.domain.settings import Settings

log = logging.getLogger(__name__)

IMMUTABLE = "public, max-age=31536000, immutable"
MUTABLE = "private, no-cache"
IMMUTABLE_PREFIXES = ("assets/", "clips/", "thumbs/")
CACHE_KEEP_S = 6 * 3600.0  # local copies unused this long are swept
CONTENT_TYPES = {
    "mp4": "video/mp4",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
}
_ASSET_RE = re.compile(r"assets/[0-9a-f]{2}/([0-9a-f]{64})\.[a-z0-9]+")


class MediaUnavailable(OSError):
    """The object store did not answer within the retry window (or refused us)."""


@dataclass(frozen=True)
class ObjectSpan:
    """Part of an object being streamed: bytes ``[start, end)`` of ``size``."""

    size: int
    start: int
    end: int
    chunks: AsyncIterator[bytes] | None  # None: the requested range lies past the end


async def _chunks(key: str, result: GetResult) -> AsyncIterator[bytes]:
    with _translated(key):
        async for chunk in result.stream(min_chunk_size=CHUNK):
            yield bytes(chunk)


def content_type(key: str) -> str:
    return CONTENT_TYPES.get(key.rsplit(".", 1)[-1].lower(), "application/octet-stream")


def cache_control(key: str) -> str:
    return IMMUTABLE if key.startswith(IMMUTABLE_PREFIXES) else MUTABLE


def make_s3_store(s3: S3Settings, *, endpoint: str | None = None) -> S3Store:
    """An obstore client for the bucket; ``endpoint`` overrides (the public one, for signing)."""
    config: dict[str, Any] = {"region": s3.region, "virtual_hosted_style_request": not s3.path_style}
    if endpoint or s3.endpoint:
        config["endpoint"] = endpoint or s3.endpoint
    if s3.access_key_id is not None and s3.secret_access_key is not None:
        config["access_key_id"] = s3.access_key_id.get_secret_value()
        config["secret_access_key"] = s3.secret_access_key.get_secret_value()
    retry = {
        "max_retries": 1000,  # bounded by retry_timeout, not by count
        "retry_timeout": timedelta(seconds=s3.retry_timeout_s),
        "backoff": {
            "init_backoff": timedelta(milliseconds=100),
            "max_backoff": timedelta(seconds=s3.max_backoff_s),
            "base": 2,
        },
    }
    return S3Store(
        s3.bucket,
        prefix=s3.prefix or None,
        client_options={"allow_http": s3.allow_http},
        retry_config=retry,  # type: ignore[arg-type]
        **config,
    )


@contextlib.contextmanager
def _translated(key: str) -> Any:
    """obstore's errors as the local store's: missing is FileNotFoundError, the rest OSError."""
    try:
        yield
    except NotFoundError as exc:
        raise FileNotFoundError(f"no media object {key!r}") from exc
    except BaseError as exc:
        raise MediaUnavailable(f"object store failed for {key!r}: {type(exc).__name__}") from exc


class S3MediaStore(MediaStore):
    """Media in a bucket; the local folder is only a cache of copies handed out by :meth:`path`."""

    def __init__(
        self,
        s3: S3Settings,
        cache_root: Path,
        base_url: str,
        signing_key: bytes,
        default_ttl_s: int,
        delivery: Literal["server", "presigned"] = "server",
    ) -> None:
        super().__init__(cache_root, base_url, signing_key, default_ttl_s)
        self._cache = MediaStore(cache_root, base_url, signing_key, default_ttl_s)  # local copies
        self.s3 = s3
        self.delivery = delivery
        self.store = make_s3_store(s3)
        public = s3.public_endpoint
        self._signer = make_s3_store(s3, endpoint=public) if public else self.store

    @classmethod
    def from_settings(cls, settings: Settings) -> S3MediaStore:
        media = settings.media
        return cls(
            s3=media.s3,
            cache_root=media.s3.cache_dir or settings.data_dir / "media-cache",
            base_url=settings.media_base_url,
            signing_key=settings.media_signing_key,
            default_ttl_s=settings.media_url_ttl_s,
            delivery=media.delivery,
        )

    def __repr__(self) -> str:  # never credentials or the signing key
        s3 = self.s3
        return f"S3MediaStore(bucket={s3.bucket!r}, endpoint={s3.endpoint!r}, delivery={self.delivery!r})"

    # -- writing -------------------------------------------------------------------------

    def _attributes(self, key: str) -> dict[str, str]:
        return {"Content-Type": content_type(key), "Cache-Control": cache_control(key)}

    def put_stream(self, key: str, chunks: Iterable[bytes]) -> int:
        """Upload ``chunks`` under ``key`` (multipart above 5 MiB); an object appears whole or
        not at all. Content-addressed keys are checked against what was written."""
        validate_key(key)
        data = b"".join(chunks)
        self._check_content_address(key, data)
        with _translated(key):
            obstore.put(self.store, key, data, attributes=self._attributes(key))
        with contextlib.suppress(FileNotFoundError):
            self._cache.path(key).unlink()  # a stale cached copy (a re-written storyboard ref)
        return len(data)

    def put_file(self, key: str, src: Path) -> None:
        """Upload a file without reading it whole into memory (clips can be large)."""
        validate_key(key)
        if _ASSET_RE.fullmatch(key):
            self.put_stream(key, (Path(src).read_bytes(),))
            return
        with _translated(key):
            obstore.put(self.store, key, Path(src), attributes=self._attributes(key))
        with contextlib.suppress(FileNotFoundError):
            self._cache.path(key).unlink()

    @staticmethod
    def _check_content_address(key: str, data: bytes) -> None:
        match = _ASSET_RE.fullmatch(key)
        if match and hashlib.sha256(data).hexdigest() != match.group(1):
            raise InvalidMediaKey(key, "content does not match the key's sha256")

    # -- reading and removing -------------------------------------------------------------

    def read_bytes(self, key: str) -> bytes:
        validate_key(key)
        with _translated(key):
            return bytes(obstore.get(self.store, key).bytes())

    def read_range(self, key: str, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` of the object."""
        validate_key(key)
        with _translated(key):
            return bytes(obstore.get_range(self.store, key, start=start, end=end))

    def head(self, key: str) -> dict[str, Any] | None:
        """The object's metadata (size, e_tag, ...) or None when there is none."""
        validate_key(key)
        try:
            with _translated(key):
                return dict(obstore.head(self.store, key))
        except FileNotFoundError:
            return None

    def digest(self, key: str) -> tuple[int, str] | None:
        """``(size, sha256 hex)`` of the object as the bucket returns it, None when missing."""
        validate_key(key)
        hasher, size = hashlib.sha256(), 0
        try:
            with _translated(key):
                for chunk in obstore.get(self.store, key).stream(min_chunk_size=CHUNK):
                    hasher.update(chunk)
                    size += len(chunk)
        except FileNotFoundError:
            return None
        return size, hasher.hexdigest()

    def exists(self, key: str) -> bool:
        return self.head(key) is not None

    def size(self, key: str) -> int:
        meta = self.head(key)
        if meta is None:
            raise FileNotFoundError(f"no media object {key!r}")
        return int(meta["size"])

    def delete(self, key: str) -> bool:
        """Remove the object (and any cached copy); False if there was none."""
        if not self.exists(key):
            return False
        with _translated(key):
            obstore.delete(self.store, key)
        with contextlib.suppress(FileNotFoundError):
            self._cache.path(key).unlink()
        return True

    def iter_keys(self, prefix: str | None = None) -> Iterable[tuple[str, int]]:
        """Every ``(key, size)`` in the bucket (under the configured prefix)."""
        with _translated(prefix or ""):
            for batch in obstore.list(self.store, prefix=prefix):
                for meta in batch:
                    yield str(meta["path"]), int(meta["size"])

    def path(self, key: str) -> Path:
        """A local copy of the object for code that needs a file; refreshed when the bucket's
        size differs, removed copies are never served (the bucket is asked every time)."""
        local = self._cache.path(key)
        meta = self.head(key)
        if meta is None:
            with contextlib.suppress(FileNotFoundError):
                local.unlink()
            return local  # like the local store: a path to a missing file
        if not local.is_file() or local.stat().st_size != int(meta["size"]):
            with _translated(key):
                stream = obstore.get(self.store, key).stream(min_chunk_size=CHUNK)
                self._cache.put_stream(key, (bytes(chunk) for chunk in stream))
        else:
            with contextlib.suppress(FileNotFoundError):
                os.utime(local)  # recently used: the sweep keeps it
        return local

    # -- what the media server streams ----------------------------------------------------

    async def object_size(self, key: str) -> int | None:
        """Size of the object, or None when missing or the key is malformed."""
        try:
            validate_key(key)
        except InvalidMediaKey:
            return None
        try:
            with _translated(key):
                meta = await obstore.head_async(self.store, key)
        except FileNotFoundError:
            return None
        return int(meta["size"])

    async def open_object(self, key: str, start: int | None, stop: int | None) -> ObjectSpan | None:
        """The bytes a Range asks for with ONE ranged GET (no HEAD first): ``start``/``stop``
        as in aiohttp's ``request.http_range`` (negative start = suffix, None = open). None
        when there is no such object; ``chunks=None`` when the range lies past the end."""
        try:
            validate_key(key)
        except InvalidMediaKey:
            return None
        options: dict[str, Any] = {}
        if start is not None and start < 0:
            options["range"] = {"suffix": -start}
        elif stop is None and start:
            options["range"] = {"offset": start}
        elif stop is not None:
            options["range"] = (start or 0, stop)
        try:
            with _translated(key):
                result = await obstore.get_async(self.store, key, options=options)  # type: ignore[arg-type]
        except FileNotFoundError:
            return None
        except MediaUnavailable:
            size = await self.object_size(key)  # a 416 from the store, or a real outage?
            if size is None:
                return None
            if (start if start is not None else 0) >= size:
                return ObjectSpan(size, 0, 0, None)
            raise
        first, last = result.range
        return ObjectSpan(int(result.meta["size"]), first, last, _chunks(key, result))

    # -- URLs ----------------------------------------------------------------------------

    def signed_url(self, key: str, ttl_s: int | None = None, *, now: float | None = None) -> str:
        """The media server's signed URL, or (``delivery="presigned"``) an S3 presigned URL
        the bucket itself checks and expires (at most S3's 7 days)."""
        if self.delivery == "server" or now is not None:
            return super().signed_url(key, ttl_s, now=now)
        validate_key(key)
        ttl = self.default_ttl_s if ttl_s is None else ttl_s
        ttl = max(1, min(ttl, MAX_PRESIGN_S))
        with _translated(key):
            return obstore.sign(self._signer, "GET", key, timedelta(seconds=ttl))

    def sweep_temp_files(self, older_than_s: float = 3600.0, *, cache_keep_s: float = CACHE_KEEP_S) -> int:
        """Temp files of the local cache, and cached copies unused for ``cache_keep_s`` (the
        bucket keeps the object; a later :meth:`path` fetches it again). The bucket never
        holds partial objects; abandoned multipart uploads are the bucket's lifecycle rule's."""
        removed = self._cache.sweep_temp_files(older_than_s)
        cutoff = time.time() - cache_keep_s
        for copy in self._cache.root.rglob("*"):
            with contextlib.suppress(FileNotFoundError):
                if copy.is_file() and copy.stat().st_mtime < cutoff:
                    copy.unlink()
                    removed += 1
        return removed
