"""The media store: clips, thumbnails and reference images under short, safe keys.

Keys look like ``clips/<uuid>.mp4``, ``thumbs/<uuid>.jpg``, ``assets/ab/<sha256>.png``.
Writes are atomic — a temp file in the same directory, fsync, ``os.replace`` — so a reader
(the media server, a bot uploading to Discord) never sees half a clip under its final
name, and a failed write leaves nothing behind. URLs handed to platforms are signed and
expire: ``{base_url}/media/{key}?exp=<unix>&sig=<hmac-sha256 hex>``.

:class:`MediaBackend` is the seam; :class:`MediaStore` is the local-folder implementation and
:class:`reelbot.storage.s3.S3MediaStore` the S3-compatible one (its :meth:`~MediaStore.path`
hands out a cached local copy). :func:`open_media_store` picks one from ``settings.media``.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import re
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol, runtime_checkable
from urllib.parse import quote

if TYPE_CHECKING:
    from reelbot.domain.settings import Settings

log = logging.getLogger(__name__)

MAX_KEY_LEN = 512
CHUNK = 1024 * 1024
TEMP_SUFFIX = ".tmp"
# Segments start with a letter, digit, '_' or '-': no '.', '..', hidden or temp names.
_KEY_RE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(?:/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")
_SIG_RE = re.compile(r"[0-9a-f]{64}")

MIME_EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/gif": "gif",
    "video/mp4": "mp4",
}


class InvalidMediaKey(ValueError):
    """A key that could name a file outside the store (or is not a key at all)."""

    def __init__(self, key: object, reason: str) -> None:
        super().__init__(f"invalid media key {key!r}: {reason}")
        self.key = key
        self.reason = reason


def clip_key(clip_id: uuid.UUID) -> str:
    return f"clips/{clip_id}.mp4"


def thumbnail_key(clip_id: uuid.UUID) -> str:
    return f"thumbs/{clip_id}.jpg"


def asset_key(sha256: str, mime: str) -> str:
    """``assets/ab/<sha256>.<ext>``: fanned out by the first byte so no folder grows huge."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise InvalidMediaKey(sha256, "not a lowercase hex sha256")
    ext = MIME_EXTENSIONS.get(mime, "bin")
    return f"assets/{sha256[:2]}/{sha256}.{ext}"


def validate_key(key: str) -> str:
    """Return ``key`` if it is a well-formed relative key; raise :class:`InvalidMediaKey`."""
    if not isinstance(key, str) or not key:
        raise InvalidMediaKey(key, "empty")
    if len(key) > MAX_KEY_LEN:
        raise InvalidMediaKey(key, f"longer than {MAX_KEY_LEN} characters")
    if "\\" in key:
        raise InvalidMediaKey(key, "backslash")
    if key.startswith("/"):
        raise InvalidMediaKey(key, "absolute path")
    if ".." in key.split("/"):
        raise InvalidMediaKey(key, "'..' segment")
    if not _KEY_RE.fullmatch(key):
        raise InvalidMediaKey(key, "only letters, digits, '.', '_', '-' and '/' between names")
    return key


@runtime_checkable
class MediaBackend(Protocol):
    """What the service, workers and bots need from a media store (local or S3-like)."""

    def put_bytes(self, key: str, data: bytes) -> None: ...

    def put_file(self, key: str, src: Path) -> None: ...

    def read_bytes(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> bool: ...

    def signed_url(self, key: str, ttl_s: int | None = None) -> str: ...

    def verify(self, key: str, exp: int | str, sig: str) -> bool: ...


class MediaStore:
    """Media in a local folder, served by reelbot's media route with signed URLs."""

    def __init__(self, root: Path, base_url: str, signing_key: bytes, default_ttl_s: int) -> None:
        if not signing_key:
            raise ValueError("signing_key must not be empty")
        if default_ttl_s <= 0:
            raise ValueError(f"default_ttl_s must be positive, got {default_ttl_s}")
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.base_url = base_url.rstrip("/")
        self._signing_key = signing_key
        self.default_ttl_s = default_ttl_s

    @classmethod
    def from_settings(cls, settings: Settings) -> MediaStore:
        return cls(
            root=settings.resolved_media_dir,
            base_url=settings.media_base_url,
            signing_key=settings.media_signing_key,
            default_ttl_s=settings.media_url_ttl_s,
        )

    def __repr__(self) -> str:  # never the signing key
        return f"MediaStore(root={str(self.root)!r}, base_url={self.base_url!r})"

    # -- paths ---------------------------------------------------------------------------

    def path(self, key: str) -> Path:
        """The file for ``key`` inside the root; refuses anything that would leave it,
        including through a symlink placed inside the store."""
        validate_key(key)
        candidate = self.root.joinpath(*key.split("/"))
        resolved = candidate.resolve()
        if not resolved.is_relative_to(self.root):
            raise InvalidMediaKey(key, "resolves outside the media root")
        return candidate

    # -- writing -------------------------------------------------------------------------

    def put_stream(self, key: str, chunks: Iterable[bytes]) -> int:
        """Write ``chunks`` under ``key`` atomically; return the size. If anything fails
        (the iterator raises, the disk fills) the temp file is removed and the previous
        content under ``key``, if any, is untouched."""
        final = self.path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=TEMP_SUFFIX)
        tmp = Path(tmp_name)
        size = 0
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o644)  # mkstemp makes 0600; the media server may run as another user
            os.replace(tmp, final)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
        self._fsync_dir(final.parent)
        return size

    def put_bytes(self, key: str, data: bytes) -> None:
        self.put_stream(key, (data,))

    def put_file(self, key: str, src: Path) -> None:
        """Copy ``src`` in (the source stays; it may be on another filesystem)."""
        with open(src, "rb") as handle:
            self.put_stream(key, _read_chunks(handle))

    @staticmethod
    def _fsync_dir(directory: Path) -> None:
        # Make the rename itself durable; not every platform can open a directory.
        try:
            fd = os.open(directory, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)

    # -- reading and removing -------------------------------------------------------------

    def read_bytes(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        return self.path(key).stat().st_size

    def delete(self, key: str) -> bool:
        """Remove the file; False if there was none."""
        try:
            self.path(key).unlink()
        except FileNotFoundError:
            return False
        return True

    def sweep_temp_files(self, older_than_s: float = 3600.0) -> int:
        """Remove temp files left by a process killed mid-write (a crash skips the cleanup
        in :meth:`put_stream`); returns how many. Young ones may still be in progress."""
        cutoff = time.time() - older_than_s
        removed = 0
        for tmp in self.root.rglob(f".*{TEMP_SUFFIX}"):
            with contextlib.suppress(FileNotFoundError):
                if tmp.is_file() and tmp.stat().st_mtime < cutoff:
                    tmp.unlink()
                    removed += 1
        return removed

    # -- signed URLs ----------------------------------------------------------------------

    def _signature(self, key: str, exp: int) -> str:
        message = f"{key}\n{exp}".encode()
        return hmac.new(self._signing_key, message, hashlib.sha256).hexdigest()

    def signed_url(self, key: str, ttl_s: int | None = None, *, now: float | None = None) -> str:
        """A URL for ``key`` valid for ``ttl_s`` seconds (default: the store's)."""
        validate_key(key)
        ttl = self.default_ttl_s if ttl_s is None else ttl_s
        exp = int((time.time() if now is None else now) + ttl)
        return f"{self.base_url}/media/{quote(key, safe='/')}?exp={exp}&sig={self._signature(key, exp)}"

    def verify(self, key: str, exp: int | str, sig: str, *, now: float | None = None) -> bool:
        """True if ``sig`` was made by this store for ``key`` and ``exp`` has not passed.
        Any malformed input is simply False (it comes from a URL anyone can edit)."""
        try:
            validate_key(key)
            expires = int(exp)
        except (InvalidMediaKey, ValueError, TypeError):
            return False
        if not isinstance(sig, str) or not _SIG_RE.fullmatch(sig):
            return False
        if expires < (time.time() if now is None else now):
            return False
        return hmac.compare_digest(self._signature(key, expires), sig)


def open_media_store(settings: Settings) -> MediaStore:
    """The media store the settings name: the local folder (default) or the S3 bucket."""
    if settings.media.backend == "s3":
        from reelbot.storage.s3 import S3MediaStore  # obstore only where it is used

        return S3MediaStore.from_settings(settings)
    return MediaStore.from_settings(settings)


def _read_chunks(handle: BinaryIO) -> Iterator[bytes]:
    while chunk := handle.read(CHUNK):
        yield chunk
