"""Assets: content-addressed, so the same image twice is one row and one file."""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from collections.abc import Callable
from pathlib import Path

from PIL import Image
from sqlmodel import Session, func, select

from reelbot.domain.types import GenerationRequest, ReferenceImage, ReferenceRole
from reelbot.storage import assets, jobs
from reelbot.storage.media import MediaStore
from reelbot.storage.models import Asset


def _png(seed: int) -> bytes:
    image = Image.frombytes("RGB", (8, 8), os.urandom(8 * 8 * 3) if seed < 0 else bytes([seed % 256]) * 192)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_same_bytes_twice_one_row_one_file(session: Session, tmp_path: Path) -> None:
    media = MediaStore(tmp_path / "media", "http://x", b"k" * 32, 60)
    data = _png(-1)
    first = assets.store_asset(session=session, media=media, data=data, mime="image/png", width=8, height=8)
    second = assets.store_asset(session=session, media=media, data=data, mime="image/png", width=8, height=8)
    digest = hashlib.sha256(data).hexdigest()
    assert first.sha256 == second.sha256 == digest
    assert first.storage_key == f"assets/{digest[:2]}/{digest}.png"
    assert media.read_bytes(first.storage_key) == data
    assert len(_files(media.root)) == 1
    rows = session.exec(select(func.count()).select_from(Asset).where(Asset.sha256 == digest)).one()
    assert rows == 1
    other = assets.store_asset(
        session=session, media=media, data=_png(-1), mime="image/png", width=8, height=8
    )
    assert other.sha256 != digest and len(_files(media.root)) == 2


def test_missing_file_is_rewritten(session: Session, tmp_path: Path) -> None:
    media = MediaStore(tmp_path / "media", "http://x", b"k" * 32, 60)
    data = _png(-1)
    asset = assets.store_asset(session=session, media=media, data=data, mime="image/jpeg", width=8, height=8)
    assert asset.storage_key.endswith(".jpg")
    media.delete(asset.storage_key)
    again = assets.store_asset(session=session, media=media, data=data, mime="image/jpeg", width=8, height=8)
    assert again.sha256 == asset.sha256 and media.read_bytes(asset.storage_key) == data


def test_job_references_keep_hashes_roles_and_order(
    session: Session, tmp_path: Path, make_request: Callable[..., GenerationRequest]
) -> None:
    media = MediaStore(tmp_path / "media", "http://x", b"k" * 32, 60)
    a = assets.store_asset(session=session, media=media, data=_png(-1), mime="image/png", width=8, height=8)
    b = assets.store_asset(session=session, media=media, data=_png(-1), mime="image/png", width=8, height=8)
    request = make_request(
        references=(
            ReferenceImage(role=ReferenceRole.FIRST_FRAME, sha256=b.sha256),
            ReferenceImage(role=ReferenceRole.STYLE, sha256=a.sha256),
        )
    )
    job = jobs.create_job(session=session, request=request, idempotency_key=uuid.uuid4().hex)
    pairs = assets.assets_for_job(session=session, job_id=job.id)
    assert [(ref.position, ref.role, asset.sha256) for ref, asset in pairs] == [
        (0, ReferenceRole.FIRST_FRAME, b.sha256),
        (1, ReferenceRole.STYLE, a.sha256),
    ]
    assert [r.asset_sha256 for r in jobs.job_references(session=session, job_id=job.id)] == [
        b.sha256,
        a.sha256,
    ]
