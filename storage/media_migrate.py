"""Copy a local media folder into the S3 bucket and prove every object arrived intact.

Why verify by reading back: an upload that "succeeded" is only the store's word. Each
object is read back from the bucket and its size and SHA-256 compared with the local file
before it counts as migrated. The copy is resumable: an object already in the bucket with
the same size and hash is not uploaded again, so a run cut short (the store went away,
the pod was rescheduled) is finished by running the command again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from reelbot.storage.media import CHUNK, TEMP_SUFFIX, InvalidMediaKey, MediaStore, validate_key
from reelbot.storage.s3 import S3MediaStore

log = logging.getLogger(__name__)


@dataclass
class MigrationReport:
    """What a run did; ``ok`` only when every local object is verified in the bucket."""

    copied: int = 0
    already_there: int = 0
    bytes_copied: int = 0
    skipped: list[str] = field(default_factory=list)  # not a media key (stray files)
    mismatched: list[str] = field(default_factory=list)

    @property
    def verified(self) -> int:
        return self.copied + self.already_there

    @property
    def ok(self) -> bool:
        return not self.mismatched


def file_digest(path: Path) -> tuple[int, str]:
    """``(size, sha256 hex)`` of a file, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def local_objects(store: MediaStore) -> Iterator[tuple[str, Path | None]]:
    """Every ``(key, path)`` in the folder; ``(name, None)`` for a file that is no key
    (temp files of an interrupted write are left out altogether)."""
    for path in sorted(store.root.rglob("*")):
        if not path.is_file() or path.name.endswith(TEMP_SUFFIX):
            continue
        key = path.relative_to(store.root).as_posix()
        try:
            validate_key(key)
        except InvalidMediaKey:
            yield key, None
            continue
        yield key, path


def migrate_to_s3(
    source: MediaStore,
    target: S3MediaStore,
    *,
    dry_run: bool = False,
    on_object: Callable[[str, str], None] | None = None,
) -> MigrationReport:
    """Copy every object of ``source`` into ``target`` and verify it (size and SHA-256).

    ``on_object(key, outcome)`` hears ``copied``, ``already there``, ``would copy``,
    ``MISMATCH`` or ``skipped`` per file. The store being down past its retry window
    raises :class:`~reelbot.storage.s3.MediaUnavailable`; what was verified stays verified.
    """
    report = MigrationReport()
    tell = on_object or (lambda _key, _outcome: None)
    for key, path in local_objects(source):
        if path is None:
            report.skipped.append(key)
            tell(key, "skipped")
            continue
        size, sha = file_digest(path)
        if target.digest(key) == (size, sha):
            report.already_there += 1
            tell(key, "already there")
            continue
        if dry_run:
            tell(key, "would copy")
            continue
        target.put_file(key, path)
        if target.digest(key) != (size, sha):
            report.mismatched.append(key)
            tell(key, "MISMATCH")
            continue
        report.copied += 1
        report.bytes_copied += size
        tell(key, "copied")
    return report
