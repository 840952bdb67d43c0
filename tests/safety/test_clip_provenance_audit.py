"""A clip made by the real worker carries C2PA credentials and a watermark; its audit
record answers who/where/what; deleting it removes the media and keeps the record."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from reelbot.app.safety.audit import REDACTED, audit_record, redact_expired
from reelbot.app.service import ReelbotService
from reelbot.cli.wiring import worker_for
from reelbot.domain.errors import NotFound
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform, ReferenceRole, RemixKind
from reelbot.generator.cache import EngineCache, detect_device
from reelbot.generator.encode import decode_frames
from reelbot.generator.provenance import verify_clip
from reelbot.storage.db import session_scope
from reelbot.storage.models import utcnow


@pytest.fixture(scope="module")
def tiny_cache() -> EngineCache:
    return EngineCache(detect_device(Settings(_env_file=None, device="cpu")))  # type: ignore[call-arg]


@pytest.fixture
async def signing_service(settings: Settings, test_pki: tuple[Path, Path]) -> AsyncIterator[ReelbotService]:
    cert, key = test_pki
    provenance = settings.provenance.model_copy(
        update={"cert_file": cert, "key_file": key, "watermark": True}
    )
    svc = await ReelbotService.open(settings.model_copy(update={"provenance": provenance}))
    try:
        yield svc
    finally:
        await svc.close()


async def _render(service: ReelbotService, cache: EngineCache) -> None:
    await worker_for(service, name=f"t-{uuid.uuid4().hex[:6]}", burst=True, cache=cache).run()


async def test_worker_signs_watermarks_and_audit_survives_deletion(
    signing_service: ReelbotService, tiny_cache: EngineCache, no_face_photos: list[bytes]
) -> None:
    service = signing_service
    origin = Origin(
        platform=Platform.LINE,
        user_id="U-mei",
        channel_id="group-7",
        guild_id="group-7",
        display_name="Mei",
        locale="zh-TW",
    )
    request = GenerationRequest(prompt="一艘紙船漂在湖上", origin=origin, preset="tiny", seed=11)
    ticket = await service.submit(
        request, [(ReferenceRole.FIRST_FRAME, no_face_photos[0])], idempotency_key=uuid.uuid4().hex
    )
    await _render(service, tiny_cache)
    view = await service.job(ticket.job_id)
    assert view.state is JobState.DONE and view.clip_id is not None
    clip = await service.clip(view.clip_id)
    path = service.media.path(clip.video_key or "")

    report = verify_clip(path)
    assert report.ok, report
    assert report.names_reelbot and report.ai_generated_assertion and report.moov_before_mdat
    assert decode_frames(path).shape[0] == clip.num_frames  # signed and watermarked, still plays

    with session_scope(service.db) as session:
        record = audit_record(session, clip.id)
    assert (record.platform, record.user_id, record.community_id, record.channel_id) == (
        "line",
        "U-mei",
        "group-7",
        "group-7",
    )
    assert record.prompt == "一艘紙船漂在湖上" and (record.preset, record.seed) == ("tiny", 11)
    assert len(record.references) == 1 and record.references[0][0] == "first_frame"
    assert len(record.references[0][1]) == 64
    assert record.moderation and record.moderation["verdict"] == "allowed"
    assert record.consent_required is False and record.gpu_seconds and record.gpu_seconds > 0
    assert record.lineage == (clip.id,) and record.media_present

    remix = await service.remix(clip.id, RemixKind.REROLL, origin, idempotency_key=uuid.uuid4().hex)
    await _render(service, tiny_cache)
    child_view = await service.job(remix.job_id)
    assert child_view.clip_id is not None
    with session_scope(service.db) as session:
        child = audit_record(session, child_view.clip_id)
    assert child.parent_clip_id == clip.id and child.remix_kind == "reroll"
    assert child.lineage == (clip.id, child_view.clip_id)

    await service.delete_clip(clip.id, by=origin)
    assert not path.exists()
    with session_scope(service.db) as session:
        after = audit_record(session, clip.id)
    assert after.deleted_at is not None and not after.media_present
    assert after.prompt == record.prompt and after.references == record.references

    # retention: nothing is redacted early; after the retention period the personal parts go
    with session_scope(service.db) as session:
        assert redact_expired(session, retention_days=30) == 0
        assert redact_expired(session, retention_days=30, now=utcnow() + timedelta(days=31)) == 1
        assert redact_expired(session, retention_days=30, now=utcnow() + timedelta(days=32)) == 0
    with session_scope(service.db) as session:
        redacted = audit_record(session, clip.id)
        assert redacted.redacted and redacted.prompt == REDACTED and redacted.display_name is None
        assert (redacted.seed, redacted.references, redacted.lineage) == (
            11,
            record.references,
            record.lineage,
        )
        assert audit_record(session, child_view.clip_id).prompt == "一艘紙船漂在湖上"  # not deleted: kept
        with pytest.raises(NotFound):
            audit_record(session, uuid.uuid4())


async def test_a_signed_clip_still_fits_the_upload_cap(
    settings: Settings, test_pki: tuple[Path, Path], tiny_cache: EngineCache
) -> None:
    """Lossless encoding makes the clip larger than the cap, so the encoder must shrink it
    enough that the C2PA manifest added afterwards still fits."""
    cert, key = test_pki
    cap = 64 * 1024
    settings = settings.model_copy(
        update={
            "provenance": settings.provenance.model_copy(update={"cert_file": cert, "key_file": key}),
            "encode": settings.encode.model_copy(update={"crf": 0, "max_bytes": cap}),
        }
    )
    service = await ReelbotService.open(settings)
    try:
        origin = Origin(platform=Platform.CLI, user_id="op")
        ticket = await service.submit(
            GenerationRequest(prompt="noise", origin=origin, seed=5, seconds=2.0), idempotency_key="cap"
        )
        worker = worker_for(service, name="cap", burst=True, cache=tiny_cache)
        # The encoder's budget leaves room for the manifest that signing appends afterwards.
        assert worker._encode_settings.max_bytes <= cap - 16 * 1024
        await worker.run()
        clip = await service.clip((await service.job(ticket.job_id)).clip_id)  # type: ignore[arg-type]
        path = service.media.path(clip.video_key or "")
        assert verify_clip(path).ok
        assert path.stat().st_size <= cap
    finally:
        await service.close()
