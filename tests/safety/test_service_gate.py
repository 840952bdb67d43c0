"""The safety gate inside the real service: Redis, a SQLite database, the media store.

What a person sees: a face photo waits for consent and is queued only when its uploader
confirms — never when declined, never on a forged confirmation; evasive prompts are refused
and logged for the moderators; quotas refuse or slow down before anything is queued.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from reelbot.app.safety.faces import detect_faces, needs_consent
from reelbot.app.safety.moderation import ModerationRefused
from reelbot.app.service import ReelbotService
from reelbot.domain.errors import Forbidden, InvalidRequest, LimitReached
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform, ReferenceRole
from reelbot.queue.keys import LANES, Lane
from reelbot.storage import assets as asset_repo
from reelbot.storage.communities import update_community_settings
from reelbot.storage.db import session_scope
from reelbot.storage.models import Job, ModerationEvent

from ..jobrecords import finish_job


@pytest.fixture
async def service(settings: Settings) -> AsyncIterator[ReelbotService]:
    svc = await ReelbotService.open(settings)
    try:
        yield svc
    finally:
        await svc.close()


def _origin(user: str | None = None, guild: str | None = None) -> Origin:
    return Origin(
        platform=Platform.DISCORD,
        user_id=user or uuid.uuid4().hex,
        channel_id="c1",
        guild_id=guild or uuid.uuid4().hex,
        locale="zh-TW",
    )


def _request(origin: Origin, prompt: str = "an astronaut waves at the camera") -> GenerationRequest:
    return GenerationRequest(prompt=prompt, origin=origin, preset="tiny", seed=5)


async def _queued(service: ReelbotService) -> int:
    return sum([await service.redis.xlen(service.keys.jobs(lane)) for lane in LANES])


def _job(service: ReelbotService, job_id: uuid.UUID) -> Job:
    with session_scope(service.db) as session:
        job = session.get(Job, job_id)
        assert job is not None
        session.expunge(job)
        return job


def _events(service: ReelbotService, user_id: str) -> list[ModerationEvent]:
    with session_scope(service.db) as session:
        rows = list(session.exec(select(ModerationEvent).where(ModerationEvent.platform_user_id == user_id)))
        for row in rows:
            session.expunge(row)
        return rows


def test_faces_found_only_in_face_photos(face_photo: bytes, no_face_photos: list[bytes]) -> None:
    faces = detect_faces(face_photo)
    assert len(faces) == 1 and faces[0].width > 50
    assert needs_consent([no_face_photos[0], face_photo]) is True
    assert needs_consent(no_face_photos) is False


@pytest.mark.parametrize(
    "data",
    [b"definitely not an image", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40],
    ids=["garbage", "truncated-png"],
)
def test_corrupt_image_to_face_detector_is_a_clear_error(data: bytes, face_photo: bytes) -> None:
    with pytest.raises(InvalidRequest) as err:
        needs_consent([data])
    assert err.value.key == "safety.face_image_unreadable" and err.value.details["index"] == 1
    assert "PNG" in err.value.render("en") and "參考圖" in err.value.render("zh-TW")
    truncated = face_photo[: len(face_photo) // 2]
    with pytest.raises(InvalidRequest) as err2:
        detect_faces(truncated, index=3)
    assert err2.value.details["index"] == 3


async def test_face_photo_waits_for_consent_and_forged_confirmation_is_forbidden(
    service: ReelbotService, face_photo: bytes
) -> None:
    uploader = _origin()
    ticket = await service.submit(
        _request(uploader), [(ReferenceRole.FIRST_FRAME, face_photo)], idempotency_key=uuid.uuid4().hex
    )
    assert ticket.state is JobState.AWAITING_CONSENT and ticket.position is None
    assert await _queued(service) == 0
    job = _job(service, ticket.job_id)
    assert job.consent_required and job.consent_given_by is None
    assert job.moderation_json and job.moderation_json["faces"] == 1

    # someone else in the same server presses the button (or forges the postback)
    intruder = uploader.model_copy(update={"user_id": "someone-else"})
    with pytest.raises(Forbidden) as err:
        await service.confirm_consent(ticket.job_id, by=intruder)
    assert err.value.key == "consent.not_yours"
    with pytest.raises(Forbidden):
        await service.decline_consent(ticket.job_id, by=intruder)
    assert await _queued(service) == 0
    assert _job(service, ticket.job_id).state is JobState.AWAITING_CONSENT

    confirmed = await service.confirm_consent(ticket.job_id, by=uploader)
    assert confirmed.state is JobState.QUEUED and confirmed.position == 1
    assert await _queued(service) == 1
    job = _job(service, ticket.job_id)
    assert job.state is JobState.QUEUED
    assert job.consent_given_by == f"discord:{uploader.user_id}" and job.consent_at is not None
    again = await service.confirm_consent(ticket.job_id, by=uploader)  # double click
    assert again.duplicate and await _queued(service) == 1
    claimed = await service.queue.claim("w1", count=5)
    assert [d.job_id for d in claimed.deliveries] == [ticket.job_id]


async def test_declined_consent_is_never_queued(service: ReelbotService, face_photo: bytes) -> None:
    uploader = _origin()
    ticket = await service.submit(
        _request(uploader), [(ReferenceRole.FIRST_FRAME, face_photo)], idempotency_key=uuid.uuid4().hex
    )
    view = await service.decline_consent(ticket.job_id, by=uploader)
    assert view.state is JobState.CANCELLED and view.error_key == "consent.declined"
    with pytest.raises(InvalidRequest) as err:
        await service.confirm_consent(ticket.job_id, by=uploader)
    assert err.value.key == "consent.not_waiting"
    assert await _queued(service) == 0
    assert _job(service, ticket.job_id).consent_at is None
    # The declined photo's file is gone; its hash stays in the job's references (audit).
    with session_scope(service.db) as session:
        refs = asset_repo.assets_for_job(session=session, job_id=ticket.job_id)
    assert len(refs) == 1 and not service.media.exists(refs[0][1].storage_key)


async def test_declining_keeps_a_photo_another_job_still_uses(
    service: ReelbotService, face_photo: bytes
) -> None:
    uploader = _origin()
    first = await service.submit(
        _request(uploader), [(ReferenceRole.FIRST_FRAME, face_photo)], idempotency_key=uuid.uuid4().hex
    )
    second = await service.submit(
        _request(uploader, "the same face, waving"),
        [(ReferenceRole.FIRST_FRAME, face_photo)],
        idempotency_key=uuid.uuid4().hex,
    )
    await service.decline_consent(first.job_id, by=uploader)
    with session_scope(service.db) as session:
        ((_, asset),) = asset_repo.assets_for_job(session=session, job_id=second.job_id)
    assert service.media.exists(asset.storage_key)
    # Withdrawing the second one too (cancel before consent): no live job uses the face now.
    await service.cancel(second.job_id, by=uploader)
    assert not service.media.exists(asset.storage_key)


async def test_photo_without_face_is_queued_at_once(
    service: ReelbotService, no_face_photos: list[bytes]
) -> None:
    ticket = await service.submit(
        _request(_origin(), "a rocket launch"),
        [(ReferenceRole.FIRST_FRAME, no_face_photos[1])],
        idempotency_key=uuid.uuid4().hex,
    )
    assert ticket.state is JobState.QUEUED and await _queued(service) == 1
    assert not _job(service, ticket.job_id).consent_required


async def test_remixing_a_face_clip_needs_the_remixers_own_consent(
    service: ReelbotService, face_photo: bytes
) -> None:
    uploader = _origin()
    ticket = await service.submit(
        _request(uploader), [(ReferenceRole.FIRST_FRAME, face_photo)], idempotency_key=uuid.uuid4().hex
    )
    await service.confirm_consent(ticket.job_id, by=uploader)
    clip_id = finish_job(service.db, ticket.job_id).id
    friend = uploader.model_copy(update={"user_id": "friend"})
    from reelbot.domain.types import RemixKind

    remix = await service.remix(clip_id, RemixKind.REROLL, friend, idempotency_key=uuid.uuid4().hex)
    assert remix.state is JobState.AWAITING_CONSENT
    own = await service.remix(clip_id, RemixKind.REROLL, uploader, idempotency_key=uuid.uuid4().hex)
    assert own.state is JobState.QUEUED


async def test_evasive_prompt_refused_logged_and_nothing_stored(service: ReelbotService) -> None:
    origin = _origin()
    with pytest.raises(ModerationRefused) as err:
        await service.submit(_request(origin, "a ｎ.ｕ.ｄ.ｅ dancer"), idempotency_key="k-refused")
    assert err.value.key == "safety.refused.sexual"
    assert "ｎ" not in err.value.render("en") and "dancer" not in err.value.render("en")
    assert await _queued(service) == 0
    with session_scope(service.db) as session:
        assert session.exec(select(Job).where(Job.idempotency_key == "k-refused")).first() is None
    (event,) = _events(service, origin.user_id)
    assert (event.kind, event.reason, event.matched_term) == ("prompt", "safety.refused.sexual", "nude")
    assert event.community_id == origin.guild_id and "dancer" in (event.excerpt or "")

    clean = await service.submit(_request(origin, "景色情調：夕陽下的海邊"), idempotency_key=uuid.uuid4().hex)
    assert clean.state is JobState.QUEUED


async def test_community_policy_tightens(service: ReelbotService, face_photo: bytes) -> None:
    guild = uuid.uuid4().hex
    with session_scope(service.db) as session:
        update_community_settings(
            session=session,
            platform=Platform.DISCORD,
            community_id=guild,
            updated_by="admin",
            changes={"forbid_face_references": True, "blocked_terms": ["劇透"]},
        )
    origin = _origin(guild=guild)
    with pytest.raises(InvalidRequest) as err:
        await service.submit(
            _request(origin), [(ReferenceRole.FIRST_FRAME, face_photo)], idempotency_key=uuid.uuid4().hex
        )
    assert err.value.key == "safety.faces_forbidden"
    with pytest.raises(ModerationRefused) as err2:
        await service.submit(_request(origin, "結局劇 透"), idempotency_key=uuid.uuid4().hex)
    assert err2.value.key == "safety.refused.custom"
    assert {e.reason for e in _events(service, origin.user_id)} == {
        "safety.faces_forbidden",
        "safety.refused.custom",
    }
    assert await _queued(service) == 0
    # the same words elsewhere are fine
    assert (
        await service.submit(_request(_origin(), "結局劇透"), idempotency_key=uuid.uuid4().hex)
    ).state is JobState.QUEUED


async def test_quota_refuses_before_queueing_and_moves_to_relaxed(settings: Settings) -> None:
    tight = settings.model_copy(
        update={
            "quotas": settings.quotas.model_copy(
                update={"user": settings.quotas.user.model_copy(update={"daily_gpu_s": 1.0})}
            )
        }
    )
    svc = await ReelbotService.open(tight)
    try:
        origin = _origin()
        first = await svc.submit(_request(origin), idempotency_key=uuid.uuid4().hex)  # ~0.7 s of 1.0
        assert first.state is JobState.QUEUED and _job(svc, first.job_id).lane == "fast"
        second = await svc.submit(_request(origin), idempotency_key=uuid.uuid4().hex)  # past 1.0, within 2.0
        assert _job(svc, second.job_id).lane == Lane.RELAXED.value
        with pytest.raises(LimitReached) as err:
            await svc.submit(_request(origin), idempotency_key="k-over")  # past 2.0
        assert err.value.key == "quota.exceeded_user_daily"
        assert await _queued(svc) == 2
        with session_scope(svc.db) as session:
            assert session.exec(select(Job).where(Job.idempotency_key == "k-over")).first() is None
        # a chosen relaxed lane is honoured for someone with plenty of quota
        chosen = await svc.submit(_request(_origin()), idempotency_key=uuid.uuid4().hex, lane=Lane.RELAXED)
        assert _job(svc, chosen.job_id).lane == "relaxed"
        usage = {(u.scope, u.period): u for u in await svc.usage(origin)}
        assert usage["user", "daily"].used == 0 and usage["user", "daily"].reserved > 1.0
        assert usage["user", "daily"].remaining == 0
    finally:
        await svc.close()


async def test_jobs_awaiting_consent_are_capped_per_user(service: ReelbotService, face_photo: bytes) -> None:
    uploader = _origin()
    cap = service.settings.limits.max_pending_jobs_per_user
    for _ in range(cap):
        ticket = await service.submit(
            _request(uploader), [(ReferenceRole.FIRST_FRAME, face_photo)], idempotency_key=uuid.uuid4().hex
        )
        assert ticket.state is JobState.AWAITING_CONSENT
    with pytest.raises(LimitReached) as err:
        await service.submit(
            _request(uploader), [(ReferenceRole.FIRST_FRAME, face_photo)], idempotency_key=uuid.uuid4().hex
        )
    assert err.value.key == "queue.user_pending_cap"
    other = await service.submit(
        _request(_origin()), [(ReferenceRole.FIRST_FRAME, face_photo)], idempotency_key=uuid.uuid4().hex
    )
    assert other.state is JobState.AWAITING_CONSENT
