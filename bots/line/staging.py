"""Photos waiting for their prompt, kept outside the media store until a prompt uses them.

Why: a 1:1 photo is downloaded and checked the moment it arrives (so the user hears at once
that it is too large or not an image), but many photos are never followed by a prompt. Writing
them into the media store's ``assets/`` would leave files that no job references, forever. So
a checked photo waits here, named by its LINE message id; the service stores it as an asset
(content-addressed, once) only when a prompt uses it, and then the staged copy is discarded.
What is never used is swept once it is older than the photo TTL (plus a grace period).
The same folder type holds the tracks waiting for 「輸出成 Shorts」 (bots/line/finish_extras.py),
with their own TTL; the bot runs one :func:`run_sweeper` per folder.

A missing staged file is never an error: another bot replica may have received the photo, or
the sweep may have run — the caller downloads it from LINE again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

_MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
SWEEP_GRACE_S = 60.0


class PhotoStaging:
    """A folder of ``<message id>.bin`` files with an age limit."""

    def __init__(self, root: Path, ttl_s: float) -> None:
        self.root = root
        self.ttl_s = ttl_s
        self._last_sweep = 0.0

    def path(self, message_id: str) -> Path:
        """The staged file of a message; refuses ids that are not LINE's plain ids (no paths)."""
        if not _MESSAGE_ID.fullmatch(message_id):
            raise ValueError(f"not a LINE message id: {message_id!r}")
        return self.root / f"{message_id}.bin"

    def put(self, message_id: str, data: bytes) -> None:
        """Write atomically (temp file + rename): a reader never sees half a photo."""
        target = self.path(message_id)
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".incoming-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def get(self, message_id: str) -> bytes | None:
        try:
            return self.path(message_id).read_bytes()
        except (OSError, ValueError):
            return None

    def touch(self, message_ids: Iterable[str]) -> None:
        """Restart the age of photos still waiting (their Redis list's TTL restarts too)."""
        for message_id in message_ids:
            with contextlib.suppress(OSError, ValueError):
                os.utime(self.path(message_id))

    def discard(self, message_ids: Iterable[str]) -> int:
        removed = 0
        for message_id in message_ids:
            with contextlib.suppress(OSError, ValueError):
                self.path(message_id).unlink()
                removed += 1
        return removed

    def sweep(self, *, now: float | None = None) -> int:
        """Delete staged photos (and temp files of a crashed write) older than TTL + grace."""
        now = time.time() if now is None else now
        self._last_sweep = now
        cutoff = now - self.ttl_s - SWEEP_GRACE_S
        removed = 0
        try:
            entries = list(os.scandir(self.root))
        except FileNotFoundError:
            return 0
        except OSError as exc:  # not a folder, no permission: nothing to sweep, never a failure
            log.warning("cannot sweep staged LINE files in %s: %s", self.root, exc)
            return 0
        for entry in entries:
            with contextlib.suppress(OSError):
                stale = entry.stat(follow_symlinks=False).st_mtime < cutoff
                if stale and entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)
                    removed += 1
        if removed:
            log.info("swept %d unused staged LINE files in %s", removed, self.root)
        return removed

    def maybe_sweep(self, *, now: float | None = None) -> int:
        """Sweep at most every half TTL: cheap enough to call on every new photo."""
        now = time.time() if now is None else now
        if now - self._last_sweep < self.ttl_s / 2:
            return 0
        return self.sweep(now=now)


async def run_sweeper(staging: PhotoStaging, stop: asyncio.Event, *, interval_s: float | None = None) -> None:
    """Sweep at start and then every half TTL until ``stop`` (a quiet bot still cleans up)."""
    interval = interval_s if interval_s is not None else max(5.0, staging.ttl_s / 2)
    while not stop.is_set():
        try:
            await asyncio.to_thread(staging.sweep)
        except Exception:
            log.exception("sweeping staged LINE files in %s failed", staging.root)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
