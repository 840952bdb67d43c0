"""Consent for real people: the uploader confirms (or declines) before a face is animated.

A job whose reference image shows a face is stored in ``awaiting_consent`` and not queued
(:mod:`reelbot.app.safety.gate`). The bot shows the ``consent.required`` text with two buttons
(``consent.confirm_label`` / ``consent.decline_label``); their handlers call
:func:`confirm_consent` / :func:`decline_consent` (also reachable as
``ReelbotService.confirm_consent`` / ``decline_consent``).

Rules: only the uploader (same platform user as the job's origin) may answer — anyone else
gets ``Forbidden("consent.not_yours")`` and nothing changes; a repeated confirmation is
idempotent (a double click returns the same ticket); a declined job is cancelled and is
never queued. Who and when is recorded with the job (``consent_given_by``, ``consent_at``).

Order on confirm: quota re-check → database (awaiting → queued, who/when) → enqueue. The
database moves first so a worker can never claim a message whose job still says
"awaiting" (it would drop it). If the queue then refuses (the user's pending cap), the job
goes back to awaiting so the user can confirm again later.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING

from reelbot.domain.errors import Forbidden, InvalidRequest, LimitReached, NotFound
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.types import GenerationRequest, JobState, Origin, short_id
from reelbot.queue.errors import PendingCapReached
from reelbot.queue.keys import Lane
from reelbot.storage import jobs as job_repo

if TYPE_CHECKING:
    from reelbot.app.service import JobView, ReelbotService, Ticket
    from reelbot.storage.models import Job


async def _awaiting_job(
    service: ReelbotService, job_id: uuid.UUID, by: Origin
) -> tuple[Job, GenerationRequest]:
    job = await service.run_db(job_repo.get_job, job_id=job_id)
    if job is None:
        raise NotFound("job.not_found", job_id=str(job_id))
    request = job.request()
    if request.origin.user_key != by.user_key:
        # A forged postback / button for someone else's job: refuse, change nothing.
        raise Forbidden("consent.not_yours", job_id=str(job_id))
    return job, request


async def confirm_consent(service: ReelbotService, job_id: uuid.UUID, by: Origin) -> Ticket:
    """The uploader confirms consent: record who/when, then queue the job."""
    from reelbot.app.service import Ticket

    job, request = await _awaiting_job(service, job_id, by)
    state = JobState(job.state)
    if state is not JobState.AWAITING_CONSENT:
        if job.consent_given_by == by.user_key and state is not JobState.CANCELLED:
            return await service.ticket(job, duplicate=True)  # a double click
        raise InvalidRequest("consent.not_waiting", job_id=short_id(job_id), state=state.term)

    # Quota may have been used up while the job waited: decide the lane now.
    gate = service.safety
    community = await asyncio.to_thread(gate.community_for, request.origin)
    decision = await asyncio.to_thread(gate.quota_decision, request, community, Lane(job.lane))

    moved = await service.run_db(job_repo.record_consent, job_id=job_id, given_by=by.user_key, accepted=True)
    if not moved:  # declined or cancelled at the same moment
        fresh = await service.run_db(job_repo.get_job, job_id=job_id)
        raise InvalidRequest("consent.not_waiting", job_id=short_id(job_id), state=JobState(fresh.state).term)
    try:
        result = await service.queue.enqueue(
            job_id,
            idempotency_key=job.idempotency_key,
            user_key=request.origin.user_key,
            max_pending=service.settings.limits.max_pending_jobs_per_user,
            lane=decision.lane,
        )
    except PendingCapReached as exc:
        await service.run_db(job_repo.revert_consent, job_id=job_id)
        raise LimitReached("queue.user_pending_cap", count=exc.count, limit=exc.limit) from exc
    if decision.lane.value != job.lane:
        await service.run_db(job_repo.set_lane, job_id=job_id, lane=decision.lane.value)
    position = await service.queue.position(result.job_id)
    await service.events(request.origin.platform).publish(
        JobEvent(kind=EventKind.QUEUED, job_id=job_id, origin=request.origin, position=position)
    )
    return Ticket(job_id=job_id, state=JobState.QUEUED, position=position, duplicate=False)


async def decline_consent(service: ReelbotService, job_id: uuid.UUID, by: Origin) -> JobView:
    """The uploader declines: the job is cancelled and never queued."""
    job, request = await _awaiting_job(service, job_id, by)
    state = JobState(job.state)
    if state is JobState.CANCELLED and job.error_key == "consent.declined":
        return await service.job(job_id)  # a double click
    if state is not JobState.AWAITING_CONSENT:
        raise InvalidRequest("consent.not_waiting", job_id=short_id(job_id), state=state.term)
    if not await service.run_db(job_repo.record_consent, job_id=job_id, given_by=by.user_key, accepted=False):
        fresh = await service.run_db(job_repo.get_job, job_id=job_id)
        raise InvalidRequest("consent.not_waiting", job_id=short_id(job_id), state=JobState(fresh.state).term)
    await service.discard_unused_images(job_id)
    await service.events(request.origin.platform).publish(
        JobEvent(kind=EventKind.CANCELLED, job_id=job_id, origin=request.origin, error_key="consent.declined")
    )
    return await service.job(job_id)
