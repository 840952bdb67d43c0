"""Reference images, stored content-addressed: the same bytes twice are one row and one file."""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from reelbot.domain.types import JobState
from reelbot.storage.media import MediaBackend, asset_key
from reelbot.storage.models import Asset, Job, JobReference


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def get_asset(*, session: Session, sha256: str) -> Asset | None:
    return session.get(Asset, sha256)


def store_asset(
    *, session: Session, media: MediaBackend, data: bytes, mime: str, width: int, height: int
) -> Asset:
    """Store an image (already validated by the caller) once per distinct content.

    The file is written before the row exists, so a row never points at a missing file; if
    the row exists but its file is gone (restored database, wiped disk) the file is written
    again. Two uploads of the same new image at once: one INSERT wins, the other reads it.
    """
    digest = sha256_hex(data)
    existing = session.get(Asset, digest)
    if existing is not None:
        if not media.exists(existing.storage_key):
            media.put_bytes(existing.storage_key, data)
        return existing
    key = asset_key(digest, mime)
    if not media.exists(key):
        media.put_bytes(key, data)
    asset = Asset(sha256=digest, mime=mime, width=width, height=height, size_bytes=len(data), storage_key=key)
    try:
        with session.begin_nested():
            session.add(asset)
    except IntegrityError:
        winner = session.get(Asset, digest, populate_existing=True)
        if winner is None:
            raise
        return winner
    return asset


def assets_for_job(*, session: Session, job_id: uuid.UUID) -> list[tuple[JobReference, Asset]]:
    """The job's references with their assets, in request order (what a worker loads)."""
    statement = (
        select(JobReference, Asset)
        .join(Asset, col(Asset.sha256) == col(JobReference.asset_sha256))
        .where(JobReference.job_id == job_id)
        .order_by(col(JobReference.position))
    )
    return [(ref, asset) for ref, asset in session.exec(statement)]


def assets_only_used_by(*, session: Session, job_id: uuid.UUID) -> list[Asset]:
    """The job's reference images that no other live job references (safe to delete the files
    of). Cancelled jobs do not keep an image alive: a declined face stays declined everywhere."""
    mine = select(JobReference.asset_sha256).where(JobReference.job_id == job_id)
    shared = (
        select(JobReference.asset_sha256)
        .join(Job, col(Job.id) == col(JobReference.job_id))
        .where(
            col(JobReference.asset_sha256).in_(mine),
            JobReference.job_id != job_id,
            col(Job.state) != JobState.CANCELLED,
        )
    )
    statement = select(Asset).where(col(Asset.sha256).in_(mine), col(Asset.sha256).not_in(shared))
    return list(session.exec(statement))
