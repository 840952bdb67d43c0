"""Jobs: create (idempotently), move through states, finish with exactly one clip.

Every state change is a conditional ``UPDATE … WHERE state IN (…)`` and reports whether it
happened, so two processes racing on the same job (a reclaimed job, a double click, a cancel
arriving while a worker finishes) never both win (:mod:`reelbot.storage.transitions`, shared
with :mod:`reelbot.storage.tasks`). The caller owns the transaction (``session_scope``);
these functions only flush.

States: awaiting_consent → queued → running → done | failed | cancelled.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, case, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from reelbot.domain.types import GenerationRequest, JobState, Platform
from reelbot.storage import transitions
from reelbot.storage.models import Asset, Clip, Job, JobReference, utcnow
from reelbot.storage.users import find_user, user_for_origin

ACTIVE_STATES: tuple[JobState, ...] = (JobState.AWAITING_CONSENT, JobState.QUEUED, JobState.RUNNING)


class DuplicateJob(Exception):
    """A job with this idempotency key exists already; ``job`` is that job."""

    def __init__(self, job: Job) -> None:
        super().__init__(f"job {job.id} has idempotency key {job.idempotency_key!r}")
        self.job = job


class MissingAsset(LookupError):
    """A request names a reference image (sha256) that was never stored."""

    def __init__(self, sha256: str) -> None:
        super().__init__(f"reference asset {sha256} is not stored; store_asset() it first")
        self.sha256 = sha256


def _check_lane(lane: str) -> None:
    """A lane is a plain name here; which lanes exist is the queue's business (its ``LANES``,
    which refuses an unknown one at enqueue). Storage only refuses what is not a name."""
    if not lane or not lane.isidentifier():
        raise ValueError(f"lane must be a lane name, got {lane!r}")


def stored_request_json(request: GenerationRequest) -> str:
    """The recipe as stored: everything but the platform's short-lived interaction token,
    which is a credential and has no place in a table kept for the audit trail."""
    return request.model_copy(
        update={"origin": request.origin.model_copy(update={"interaction_token": None})}
    ).model_dump_json()


def create_job(
    *,
    session: Session,
    request: GenerationRequest,
    idempotency_key: str,
    preset: str | None = None,
    seed: int | None = None,
    user_id: uuid.UUID | None = None,
    lane: str = "fast",
    state: JobState = JobState.QUEUED,
    moderation: dict[str, Any] | None = None,
    consent_required: bool = False,
    job_id: uuid.UUID | None = None,
) -> Job:
    """Store a new job and its reference rows; raise :class:`DuplicateJob` if the key exists.

    ``preset`` and ``seed`` default to the request's; when given they are also written into
    the stored recipe, so a re-roll or an audit sees what was really rendered. The user is
    found or created from ``request.origin`` unless ``user_id`` is given.
    """
    existing = get_job_by_idempotency_key(session=session, idempotency_key=idempotency_key)
    if existing is not None:
        raise DuplicateJob(existing)
    preset = preset if preset is not None else request.preset
    seed = seed if seed is not None else request.seed
    if preset is None or seed is None:
        raise ValueError("create_job needs a resolved preset and seed (argument or request field)")
    _check_new(session, request, lane=lane, state=state)
    request = request.model_copy(update={"preset": preset, "seed": seed})
    if user_id is None:
        user_id = user_for_origin(session=session, origin=request.origin).id
    job = Job(
        id=job_id or uuid.uuid4(),
        user_id=user_id,
        state=state,
        idempotency_key=idempotency_key,
        lane=lane,
        moderation_json=moderation,
        consent_required=consent_required,
        **_recipe_columns(request, preset, seed),
    )

    def write() -> None:
        session.add(job)
        session.flush()
        for position, ref in enumerate(request.references):
            session.add(
                JobReference(job_id=job.id, position=position, asset_sha256=ref.sha256, role=ref.role)
            )

    # Lost a race with the same key: the other transaction committed first.
    winner = transitions.insert_unless_raced(session, Job, idempotency_key, write)
    if winner is not None:
        raise DuplicateJob(winner)
    return job


def _check_new(session: Session, request: GenerationRequest, *, lane: str, state: JobState) -> None:
    """Refuse what a new job may not be: an odd lane, a state past the start, a reference
    image that was never stored (:class:`MissingAsset`)."""
    _check_lane(lane)
    if state not in (JobState.QUEUED, JobState.AWAITING_CONSENT):
        raise ValueError(f"a new job is queued or awaiting consent, not {state.value!r}")
    for ref in request.references:
        if session.get(Asset, ref.sha256) is None:
            raise MissingAsset(ref.sha256)


def _recipe_columns(request: GenerationRequest, preset: str, seed: int) -> dict[str, Any]:
    """A job's columns that come from its recipe: the recipe itself (without the interaction
    token) and the copies of its fields that queries and indexes use."""
    origin = request.origin
    return {
        "request_json": stored_request_json(request),
        "preset": preset,
        "seed": seed,
        "parent_clip_id": request.parent_clip_id,
        "remix_kind": request.remix_kind,
        "platform": origin.platform,
        "channel_id": origin.channel_id,
        "guild_id": origin.guild_id,
        "message_id": origin.message_id,
    }


def create_or_get_job(
    *, session: Session, request: GenerationRequest, idempotency_key: str, **fields: Any
) -> tuple[Job, bool]:
    """``(job, created)``: a new job, or the one stored earlier under the same key."""
    try:
        return create_job(session=session, request=request, idempotency_key=idempotency_key, **fields), True
    except DuplicateJob as duplicate:
        return duplicate.job, False


def get_job(*, session: Session, job_id: uuid.UUID) -> Job | None:
    return session.get(Job, job_id, populate_existing=True)


def get_job_by_idempotency_key(*, session: Session, idempotency_key: str) -> Job | None:
    return transitions.by_idempotency_key(session, Job, idempotency_key)


def job_references(*, session: Session, job_id: uuid.UUID) -> list[JobReference]:
    """The job's reference images in request order."""
    statement = select(JobReference).where(JobReference.job_id == job_id).order_by(col(JobReference.position))
    return list(session.exec(statement))


def mark_running(
    *, session: Session, job_id: uuid.UUID, worker: str | None = None, reclaim: bool = False
) -> bool:
    """queued → running (attempts + 1, ``worker`` recorded). ``reclaim=True`` also takes over
    a running job whose worker died (the queue reclaimed its message). False: it was not in
    that state."""
    return transitions.start(session, Job, job_id, worker=worker, reclaim=reclaim)


def record_progress(*, session: Session, job_id: uuid.UUID, step: int, total_steps: int) -> bool:
    """Remember the last progress of a running job (for status after a bot restart)."""
    return transitions.record_progress(session, Job, job_id, step, total_steps)


def record_consent(*, session: Session, job_id: uuid.UUID, given_by: str, accepted: bool) -> bool:
    """awaiting_consent → queued (accepted, who and when recorded) or → cancelled (declined)."""
    if accepted:
        return transitions.transition(
            session,
            Job,
            job_id,
            (JobState.AWAITING_CONSENT,),
            state=JobState.QUEUED,
            consent_given_by=given_by,
            consent_at=utcnow(),
        )
    return transitions.cancel(
        session, Job, job_id, (JobState.AWAITING_CONSENT,), error_key="consent.declined"
    )


def revert_consent(*, session: Session, job_id: uuid.UUID) -> bool:
    """queued → awaiting_consent, clearing who/when: the enqueue after a confirmation was
    refused (the user's pending cap), so they can confirm again later."""
    return transitions.transition(
        session,
        Job,
        job_id,
        (JobState.QUEUED,),
        state=JobState.AWAITING_CONSENT,
        consent_given_by=None,
        consent_at=None,
    )


def set_lane(*, session: Session, job_id: uuid.UUID, lane: str) -> bool:
    """Move a job that has not started to another lane (the quota decided again)."""
    _check_lane(lane)
    not_started = (JobState.AWAITING_CONSENT, JobState.QUEUED)
    return transitions.transition(session, Job, job_id, not_started, lane=lane)


def requeue(*, session: Session, job_id: uuid.UUID) -> bool:
    """running → queued: a worker gives a job back (shutdown) before finishing it."""
    return transitions.requeue(session, Job, job_id)


def hand_back_unstarted(*, session: Session, job_id: uuid.UUID) -> bool:
    """running → queued with its start undone (``attempts − 1``, progress cleared).

    Why: a batch marks its companions running when the shared call starts (one STARTED, one
    attempt each); when the worker then stops before a companion's own turn, the companion
    never got to encode or store anything, and it goes back through no fault of its own. It
    returns with the count it had before the claim — its queue message too
    (``release(count_attempt=False)``) — so a batch stopped N times uses up no more of a
    companion's attempts than a job waiting alone. A job the worker did start on its own path
    goes back with :func:`requeue` (that start counted).
    """
    uncounted = case((col(Job.attempts) > 0, col(Job.attempts) - 1), else_=0)
    return transitions.transition(
        session, Job, job_id, (JobState.RUNNING,), state=JobState.QUEUED, attempts=uncounted,
        step=None, total_steps=None,
    )  # fmt: skip


def mark_done(
    *,
    session: Session,
    job_id: uuid.UUID,
    video_key: str,
    thumbnail_key: str | None,
    size_bytes: int,
    width: int,
    height: int,
    fps: int,
    num_frames: int,
    duration_s: float,
    gpu_seconds: float | None = None,
    clip_id: uuid.UUID | None = None,
    render_report: dict[str, Any] | None = None,
    has_audio: bool = False,
) -> Clip | None:
    """Finish the job with its one clip — atomically: the state flips to done only if it
    was not done (nor cancelled) already, and only the process that flipped it inserts the
    clip. Returns the clip, or None when another worker won (or the job was cancelled);
    the loser should delete the media it wrote. ``clip_id`` lets the worker name its media
    files after the clip before the row exists.
    """
    values: dict[str, Any] = {}
    if gpu_seconds is not None:
        values["gpu_seconds"] = gpu_seconds
    if render_report is not None:
        values["render_report"] = render_report
    if not transitions.finish(session, Job, job_id, **values):
        return None
    job = session.get(Job, job_id)
    if job is None:  # pragma: no cover - the UPDATE just matched it
        raise LookupError(job_id)
    clip_id = clip_id or uuid.uuid4()
    clip = Clip(
        id=clip_id,
        job_id=job.id,
        user_id=job.user_id,
        video_key=video_key,
        thumbnail_key=thumbnail_key,
        size_bytes=size_bytes,
        width=width,
        height=height,
        fps=fps,
        num_frames=num_frames,
        duration_s=duration_s,
        has_audio=has_audio,
        **_lineage(session, job, clip_id),
    )
    try:
        with session.begin_nested():
            session.add(clip)
    except IntegrityError:
        # uq_clip_job_id: a clip for this job exists already (the job was forced back to a
        # non-done state by hand, say). One clip per job, ever.
        return None
    return clip


def _lineage(session: Session, job: Job, clip_id: uuid.UUID) -> dict[str, Any]:
    """Where the job's clip stands in its remix tree: an original is its own root at depth
    0; a remix hangs under its parent clip (same root, one deeper)."""
    parent = session.get(Clip, job.parent_clip_id) if job.parent_clip_id is not None else None
    if parent is None:
        return {"parent_clip_id": None, "remix_kind": None, "root_clip_id": clip_id, "depth": 0}
    return {
        "parent_clip_id": parent.id,
        "remix_kind": job.remix_kind,
        "root_clip_id": parent.root_clip_id,
        "depth": parent.depth + 1,
    }


def mark_failed(
    *,
    session: Session,
    job_id: uuid.UUID,
    error_key: str,
    error_detail: str | None = None,
    gpu_seconds: float | None = None,
) -> bool:
    """→ failed with a message key (+ detail for operators), unless already finished."""
    values: dict[str, Any] = {} if gpu_seconds is None else {"gpu_seconds": gpu_seconds}
    return transitions.fail(
        session, Job, job_id, ACTIVE_STATES, error_key=error_key, error_detail=error_detail, **values
    )


def mark_cancelled(*, session: Session, job_id: uuid.UUID, error_key: str | None = None) -> bool:
    """→ cancelled, unless already finished. A running job's worker learns it from the queue."""
    return transitions.cancel(session, Job, job_id, ACTIVE_STATES, error_key=error_key)


def jobs_for_user(
    *,
    session: Session,
    user_id: uuid.UUID | None = None,
    platform: Platform | str | None = None,
    platform_user_id: str | None = None,
    active_only: bool = False,
    limit: int = 50,
) -> list[Job]:
    """The user's jobs, newest first; the user by ``user_id`` or by platform + platform id."""
    if user_id is None:
        if platform is None or platform_user_id is None:
            raise ValueError("jobs_for_user needs user_id, or platform and platform_user_id")
        user = find_user(session=session, platform=Platform(platform), platform_user_id=platform_user_id)
        if user is None:
            return []
        user_id = user.id
    statement = select(Job).where(Job.user_id == user_id)
    if active_only:
        statement = statement.where(col(Job.state).in_(ACTIVE_STATES))
    statement = statement.order_by(col(Job.created_at).desc(), col(Job.id)).limit(limit)
    return list(session.exec(statement))


def count_active_jobs_for_user(*, session: Session, user_id: uuid.UUID) -> int:
    """Jobs not finished yet (awaiting consent, queued, running): the per-user cap."""
    statement = (
        select(func.count()).select_from(Job).where(Job.user_id == user_id, col(Job.state).in_(ACTIVE_STATES))
    )
    return int(session.exec(statement).one())


def queued_jobs_older_than(*, session: Session, seconds: float, limit: int = 500) -> list[Job]:
    """Jobs still queued after ``seconds``, oldest first: candidates for re-enqueueing when
    a crash fell between the database write and the queue write."""
    return transitions.queued_older_than(session, Job, seconds, limit)


def delete_job(*, session: Session, job_id: uuid.UUID) -> bool:
    """Remove a job that never reached the queue (the enqueue was refused or failed), so a
    refused request leaves nothing stored. A job with a clip is never deleted (False)."""
    if session.exec(select(Clip.id).where(Clip.job_id == job_id)).first() is not None:
        return False
    job = session.get(Job, job_id)
    if job is None:
        return False
    for ref in job_references(session=session, job_id=job_id):
        session.delete(ref)
    session.flush()
    session.delete(job)
    session.flush()
    return True


def jobs_in_states(*, session: Session, states: Sequence[JobState], limit: int = 100) -> list[Job]:
    """Oldest first: what an operator sees as the backlog."""
    conditions: list[ColumnElement[bool]] = [col(Job.state).in_(list(states))]
    statement = select(Job).where(*conditions).order_by(col(Job.created_at)).limit(limit)
    return list(session.exec(statement))
