"""Job repository: idempotent create, guarded state changes, exactly one clip per job."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from reelbot.domain.types import GenerationRequest, JobState, Platform, RemixKind
from reelbot.storage import jobs
from reelbot.storage.db import session_scope
from reelbot.storage.models import Clip, Job, User
from reelbot.storage.users import get_or_create_user

CLIP_FIELDS = dict(
    video_key="clips/x.mp4",
    thumbnail_key="thumbs/x.jpg",
    size_bytes=1234,
    width=480,
    height=832,
    fps=16,
    num_frames=33,
    duration_s=2.0,
)


def _key() -> str:
    return f"test:{uuid.uuid4().hex}"


def test_create_job_stores_recipe_user_and_origin(
    session: Session, make_request: Callable[..., GenerationRequest]
) -> None:
    request = make_request(preset=None, seed=None, guild_id="guild-7")
    job = jobs.create_job(session=session, request=request, idempotency_key=_key(), preset="tiny", seed=7)
    assert job.state is JobState.QUEUED
    assert (job.platform, job.guild_id, job.channel_id) == (Platform.DISCORD, "guild-7", "chan-1")
    user = session.get(User, job.user_id)
    assert user is not None and user.platform_user_id == request.origin.user_id
    stored = jobs.get_job(session=session, job_id=job.id)
    assert stored is not None
    recipe = stored.request()
    # the resolved preset/seed are part of the recipe; the interaction token is not stored
    assert (recipe.preset, recipe.seed, recipe.prompt) == ("tiny", 7, request.prompt)
    assert recipe.origin.interaction_token is None
    assert "interaction-token-secret" not in str(stored.request_json)
    assert stored.created_at.tzinfo is not None and stored.created_at.utcoffset() == UTC.utcoffset(None)


def test_create_job_needs_preset_and_seed(
    session: Session, make_request: Callable[..., GenerationRequest]
) -> None:
    with pytest.raises(ValueError, match="preset and seed"):
        jobs.create_job(session=session, request=make_request(seed=None), idempotency_key=_key())


def test_same_idempotency_key_gives_the_same_job(
    session: Session, make_request: Callable[..., GenerationRequest]
) -> None:
    key = _key()
    request = make_request()
    first, created = jobs.create_or_get_job(session=session, request=request, idempotency_key=key)
    again, created_again = jobs.create_or_get_job(
        session=session, request=make_request("something else"), idempotency_key=key
    )
    assert (created, created_again) == (True, False)
    assert again.id == first.id
    with pytest.raises(jobs.DuplicateJob) as info:
        jobs.create_job(session=session, request=request, idempotency_key=key)
    assert info.value.job.id == first.id
    count = session.exec(select(func.count()).select_from(Job).where(Job.idempotency_key == key)).one()
    assert count == 1


def test_idempotency_key_race_between_two_sessions(
    engine: Engine, make_request: Callable[..., GenerationRequest]
) -> None:
    """Two transactions insert the same key; the second sees the unique constraint and
    gets the first's job back instead of an error."""
    key = _key()
    request = make_request()
    with session_scope(engine) as s1:
        user = get_or_create_user(
            session=s1, platform=Platform.DISCORD, platform_user_id=request.origin.user_id
        )
    with session_scope(engine) as s1:
        first = jobs.create_job(session=s1, request=request, idempotency_key=key, user_id=user.id)
    with session_scope(engine) as s2:
        # bypass the fast-path lookup to hit the constraint itself
        job2 = Job(
            user_id=user.id,
            request_json="{}",
            idempotency_key=key,
            preset="tiny",
            seed=1,
            platform=Platform.DISCORD,
        )
        from sqlalchemy.exc import IntegrityError

        with pytest.raises(IntegrityError), s2.begin_nested():
            s2.add(job2)
        again, created = jobs.create_or_get_job(session=s2, request=request, idempotency_key=key)
        assert (again.id, created) == (first.id, False)


def test_state_changes_are_guarded(session: Session, make_request: Callable[..., GenerationRequest]) -> None:
    job = jobs.create_job(session=session, request=make_request(), idempotency_key=_key())
    assert jobs.record_progress(session=session, job_id=job.id, step=1, total_steps=4) is False  # not running
    assert jobs.mark_running(session=session, job_id=job.id) is True
    assert jobs.mark_running(session=session, job_id=job.id) is False  # only from queued
    assert jobs.mark_running(session=session, job_id=job.id, reclaim=True) is True  # a dead worker's job
    assert jobs.record_progress(session=session, job_id=job.id, step=3, total_steps=4) is True
    fresh = jobs.get_job(session=session, job_id=job.id)
    assert fresh is not None
    assert (fresh.state, fresh.attempts, fresh.step, fresh.total_steps) == (JobState.RUNNING, 2, 3, 4)
    assert fresh.started_at is not None
    assert jobs.mark_failed(session=session, job_id=job.id, error_key="generate.oom", error_detail="CUDA OOM")
    assert jobs.mark_cancelled(session=session, job_id=job.id) is False  # finished already
    assert jobs.mark_failed(session=session, job_id=job.id, error_key="x") is False
    fresh = jobs.get_job(session=session, job_id=job.id)
    assert fresh is not None and (fresh.state, fresh.error_key) == (JobState.FAILED, "generate.oom")
    with pytest.raises(ValueError):
        jobs.record_progress(session=session, job_id=job.id, step=5, total_steps=4)


def test_a_handed_back_batch_companion_keeps_its_attempt_count(
    session: Session, make_request: Callable[..., GenerationRequest]
) -> None:
    """hand_back_unstarted undoes the batch's start (attempts − 1, progress cleared) — on both
    databases — and only from running; requeue keeps the start counted."""
    job = jobs.create_job(session=session, request=make_request(), idempotency_key=_key())
    assert jobs.hand_back_unstarted(session=session, job_id=job.id) is False  # not running
    for _ in range(3):  # a batch started it, the worker stopped before its turn: three times
        assert jobs.mark_running(session=session, job_id=job.id) is True
        assert jobs.record_progress(session=session, job_id=job.id, step=2, total_steps=4) is True
        assert jobs.hand_back_unstarted(session=session, job_id=job.id) is True
    fresh = jobs.get_job(session=session, job_id=job.id)
    assert fresh is not None
    assert (fresh.state, fresh.attempts, fresh.step, fresh.total_steps) == (JobState.QUEUED, 0, None, None)
    assert jobs.mark_running(session=session, job_id=job.id) is True
    assert jobs.requeue(session=session, job_id=job.id) is True  # a start of its own: counted
    fresh = jobs.get_job(session=session, job_id=job.id)
    assert fresh is not None and (fresh.state, fresh.attempts) == (JobState.QUEUED, 1)


def test_cancelled_job_never_gets_a_clip(
    session: Session, make_request: Callable[..., GenerationRequest]
) -> None:
    job = jobs.create_job(session=session, request=make_request(), idempotency_key=_key())
    assert jobs.mark_cancelled(session=session, job_id=job.id) is True
    assert jobs.mark_running(session=session, job_id=job.id) is False
    assert jobs.mark_done(session=session, job_id=job.id, **CLIP_FIELDS) is None  # type: ignore[arg-type]
    assert job.state is JobState.CANCELLED  # the held object was refreshed


def test_consent_gates_the_queue(session: Session, make_request: Callable[..., GenerationRequest]) -> None:
    waiting = jobs.create_job(
        session=session,
        request=make_request(),
        idempotency_key=_key(),
        state=JobState.AWAITING_CONSENT,
        consent_required=True,
    )
    assert jobs.mark_running(session=session, job_id=waiting.id) is False
    assert jobs.record_consent(session=session, job_id=waiting.id, given_by="u1", accepted=True) is True
    assert (waiting.state, waiting.consent_given_by) == (JobState.QUEUED, "u1")
    assert waiting.consent_at is not None
    declined = jobs.create_job(
        session=session, request=make_request(), idempotency_key=_key(), state=JobState.AWAITING_CONSENT
    )
    assert jobs.record_consent(session=session, job_id=declined.id, given_by="u1", accepted=False) is True
    assert (declined.state, declined.error_key) == (JobState.CANCELLED, "consent.declined")
    assert jobs.record_consent(session=session, job_id=declined.id, given_by="u1", accepted=True) is False


def test_mark_done_twice_makes_one_clip(
    session: Session, make_request: Callable[..., GenerationRequest]
) -> None:
    job = jobs.create_job(session=session, request=make_request(), idempotency_key=_key())
    jobs.mark_running(session=session, job_id=job.id)
    clip = jobs.mark_done(session=session, job_id=job.id, gpu_seconds=3.5, **CLIP_FIELDS)  # type: ignore[arg-type]
    assert clip is not None
    assert (clip.root_clip_id, clip.depth, clip.parent_clip_id) == (clip.id, 0, None)
    assert jobs.mark_done(session=session, job_id=job.id, **CLIP_FIELDS) is None  # type: ignore[arg-type]
    clips = list(session.exec(select(Clip).where(Clip.job_id == job.id)))
    assert [c.id for c in clips] == [clip.id]
    assert (job.state, job.gpu_seconds) == (JobState.DONE, 3.5)
    assert job.finished_at is not None


def test_two_workers_finishing_concurrently_make_one_clip(
    engine: Engine, make_request: Callable[..., GenerationRequest]
) -> None:
    """Two threads, two connections, one job: exactly one mark_done returns a clip."""
    with session_scope(engine) as s:
        job = jobs.create_job(session=s, request=make_request(), idempotency_key=_key())
        jobs.mark_running(session=s, job_id=job.id)
    barrier = threading.Barrier(2)
    results: list[Clip | None] = []
    errors: list[BaseException] = []

    def finish() -> None:
        try:
            barrier.wait(timeout=10)
            with session_scope(engine) as s:
                results.append(jobs.mark_done(session=s, job_id=job.id, **CLIP_FIELDS))  # type: ignore[arg-type]
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=finish) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert sorted(r is None for r in results) == [False, True]
    with session_scope(engine) as s:
        assert len(list(s.exec(select(Clip).where(Clip.job_id == job.id)))) == 1


def test_remix_clip_inherits_lineage(
    session: Session, make_request: Callable[..., GenerationRequest]
) -> None:
    root_job = jobs.create_job(session=session, request=make_request(), idempotency_key=_key())
    root = jobs.mark_done(session=session, job_id=root_job.id, **CLIP_FIELDS)  # type: ignore[arg-type]
    assert root is not None
    remix_job = jobs.create_job(
        session=session,
        idempotency_key=_key(),
        request=make_request(parent_clip_id=root.id, remix_kind=RemixKind.EXTEND),
    )
    assert (remix_job.parent_clip_id, remix_job.remix_kind) == (root.id, RemixKind.EXTEND)
    child = jobs.mark_done(session=session, job_id=remix_job.id, **CLIP_FIELDS)  # type: ignore[arg-type]
    assert child is not None
    assert (child.parent_clip_id, child.remix_kind, child.root_clip_id, child.depth) == (
        root.id,
        RemixKind.EXTEND,
        root.id,
        1,
    )


def test_user_job_listing_and_active_count(
    session: Session, make_request: Callable[..., GenerationRequest]
) -> None:
    user_id = uuid.uuid4().hex
    made = [
        jobs.create_job(session=session, request=make_request(user_id=user_id), idempotency_key=_key())
        for _ in range(3)
    ]
    owner = made[0].user_id
    assert all(j.user_id == owner for j in made)
    jobs.mark_running(session=session, job_id=made[0].id)
    jobs.mark_failed(session=session, job_id=made[1].id, error_key="x")
    assert jobs.count_active_jobs_for_user(session=session, user_id=owner) == 2
    assert {j.id for j in jobs.jobs_for_user(session=session, user_id=owner, active_only=True)} == {
        made[0].id,
        made[2].id,
    }
    assert len(jobs.jobs_for_user(session=session, user_id=owner)) == 3
    assert jobs.jobs_for_user(session=session, user_id=owner, limit=1)[0].id == made[2].id  # newest first
    assert jobs.count_active_jobs_for_user(session=session, user_id=uuid.uuid4()) == 0


def test_missing_reference_asset_is_refused(
    session: Session, make_request: Callable[..., GenerationRequest]
) -> None:
    from reelbot.domain.types import ReferenceImage, ReferenceRole

    request = make_request(references=(ReferenceImage(role=ReferenceRole.SUBJECT, sha256="ab" * 32),))
    with pytest.raises(jobs.MissingAsset):
        jobs.create_job(session=session, request=request, idempotency_key=_key())


def test_service_helpers_delete_requeue_candidates_and_lookup_by_platform(
    session: Session, make_request: Callable[..., GenerationRequest]
) -> None:
    platform_user = uuid.uuid4().hex
    chosen = uuid.uuid4()
    job = jobs.create_job(
        session=session, request=make_request(user_id=platform_user), idempotency_key=_key(), job_id=chosen
    )
    assert job.id == chosen
    by_platform = jobs.jobs_for_user(session=session, platform="discord", platform_user_id=platform_user)
    assert [j.id for j in by_platform] == [chosen]
    assert jobs.jobs_for_user(session=session, platform=Platform.LINE, platform_user_id=platform_user) == []
    with pytest.raises(ValueError):
        jobs.jobs_for_user(session=session, platform_user_id=platform_user)
    # still queued "long ago" (seconds=-60 puts the cutoff in the future)
    assert chosen in {j.id for j in jobs.queued_jobs_older_than(session=session, seconds=-60)}
    assert chosen not in {j.id for j in jobs.queued_jobs_older_than(session=session, seconds=3600)}
    assert jobs.mark_running(session=session, job_id=chosen, worker="gpu-7") is True
    assert job.worker == "gpu-7"
    assert chosen not in {j.id for j in jobs.queued_jobs_older_than(session=session, seconds=-60)}
    # a refused enqueue removes the job and leaves nothing behind; a job with a clip stays
    assert jobs.delete_job(session=session, job_id=chosen) is True
    assert jobs.get_job(session=session, job_id=chosen) is None
    assert jobs.delete_job(session=session, job_id=chosen) is False
    done = jobs.create_job(session=session, request=make_request(), idempotency_key=_key())
    assert jobs.mark_done(session=session, job_id=done.id, **CLIP_FIELDS) is not None  # type: ignore[arg-type]
    assert jobs.delete_job(session=session, job_id=done.id) is False


def test_concurrent_submissions_with_one_key_make_one_job(
    engine: Engine, make_request: Callable[..., GenerationRequest]
) -> None:
    """A webhook redelivered while the first delivery is still being stored: four threads,
    one new user, one key — one user row, one job, and every caller gets its id."""
    key = _key()
    request = make_request()
    barrier = threading.Barrier(4)
    outcomes: list[tuple[uuid.UUID, bool]] = []
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            barrier.wait(timeout=10)
            with session_scope(engine) as s:
                job, created = jobs.create_or_get_job(session=s, request=request, idempotency_key=key)
                outcomes.append((job.id, created))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert len({job_id for job_id, _ in outcomes}) == 1
    assert sorted(created for _, created in outcomes) == [False, False, False, True]
    with session_scope(engine) as s:
        users = s.exec(select(User).where(User.platform_user_id == request.origin.user_id)).all()
        assert len(users) == 1
