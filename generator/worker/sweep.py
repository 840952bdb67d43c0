"""Orphan clip files: media a killed worker wrote for a job that then never got its clip row
(it was cancelled, or failed for good while nobody retried it). Swept at worker start.

Why a grace period: a live worker stores its files a moment before it records the clip, so a
file without a row is only an orphan once it is older than any render could be in between.
Only a media store on a local folder (one with ``root``) is walked; a bucket's lifecycle rules
do the same job there.
"""

from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path
from typing import Any

from reelbot.storage import clips as clip_repo
from reelbot.storage.db import session_scope

log = logging.getLogger("reelbot.generator.worker")

ORPHAN_GRACE_S = 3600.0
_FOLDERS = (("clips", ".mp4"), ("thumbs", ".jpg"))


def sweep_orphans(media: Any, db: Any, *, grace_s: float = ORPHAN_GRACE_S, now: float | None = None) -> int:
    """Delete clip videos and thumbnails older than ``grace_s`` whose clip id has no clip row
    (blocking); how many files went."""
    root = getattr(media, "root", None)
    if root is None:
        return 0
    cutoff = (time.time() if now is None else now) - grace_s
    removed = 0
    with session_scope(db) as session:
        for folder, suffix in _FOLDERS:
            for path in sorted(Path(root, folder).glob(f"*{suffix}")):
                clip_id = _clip_id(path)
                if clip_id is None or path.stat().st_mtime > cutoff:
                    continue
                if clip_repo.get_clip(session=session, clip_id=clip_id) is None:
                    media.delete(f"{folder}/{path.name}")
                    removed += 1
    if removed:
        log.warning("swept %d media files that no clip row owns", removed)
    return removed


def _clip_id(path: Path) -> uuid.UUID | None:
    try:
        return uuid.UUID(path.stem)
    except ValueError:
        return None
