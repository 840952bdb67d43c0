"""Submitting: the one place where a request becomes a stored, queued job (the body of
:meth:`reelbot.app.service.ReelbotService.submit`).

The order of work is chosen so that nothing half-written survives a refusal: validate
everything first (text, roles, preset, images), then write assets + job in one transaction,
then enqueue; if enqueueing is refused, the job row is removed again. A crash between the
database write and the enqueue leaves a ``queued`` job without a message;
:meth:`~reelbot.app.service.ReelbotService.reconcile` (run by every worker at start and
periodically) re-enqueues it, and the idempotency key makes that safe.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from reelbot.app.intake import check_idempotency_key, check_origin
from reelbot.app.mode_availability import check_mode_available
from reelbot.app.safety.gate import Admission
from reelbot.app.views import Ticket
from reelbot.domain.errors import InvalidRequest, LimitReached, ReelbotError
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.images import ImageInfo, intake_image
from reelbot.domain.presets import plan_render, route_request
from reelbot.domain.types import (
    GenerationRequest,
    JobState,
    ReferenceImage,
    ReferenceRole,
    random_seed,
    short_id,
)
from reelbot.domain.validation import check_reference_roles, check_request
from reelbot.queue.errors import PendingCapReached
from reelbot.queue.keys import Lane
from reelbot.storage import assets as asset_repo
from reelbot.storage import jobs as job_repo
from reelbot.storage import users as user_repo
from reelbot.storage.communities import CommunitySettings
from reelbot.storage.db import session_scope

if TYPE_CHECKING:
    from reelbot.app.service import ReelbotService

log = logging.getLogger(__name__)

Inspected = list[tuple[ReferenceRole, bytes, ImageInfo]]


async def submit(
    service: ReelbotService,
    request: GenerationRequest,
    images: Sequence[tuple[ReferenceRole, bytes]],
    *,
    idempotency_key: str,
    lane: Lane,
) -> Ticket:
    """Prepare → admit → reserve → store → enqueue, each refusing before the next writes
    anything (see :meth:`~reelbot.app.service.ReelbotService.submit`)."""
    check_idempotency_key(idempotency_key)
    existing = await service.run_db(job_repo.get_job_by_idempotency_key, idempotency_key=idempotency_key)
    if existing is not None:
        return await service.ticket(existing, duplicate=True)
    request, inspected = await _prepare(service, request, images)
    community = await asyncio.to_thread(service.safety.community_for, request.origin)
    upright = [(role, data) for role, data, _ in inspected]  # EXIF orientation applied
    admission = await service.safety.admit(request, upright, lane=lane, community=community)
    job_id = uuid.uuid4()
    admission = await _reserve(service, job_id, request, admission, community)
    try:
        job, created = await _store(service, job_id, request, inspected, admission, idempotency_key)
    except BaseException:
        await service.limits.release(job_id)
        raise
    if not created:  # a concurrent submit with the same key stored first: that job is the answer
        await service.limits.release(job_id)
        return await service.ticket(job, duplicate=True)
    if admission.consent_required:
        return Ticket(
            job_id=job.id,
            state=JobState.AWAITING_CONSENT,
            position=None,
            duplicate=False,
            notice_key=admission.notice_key,
        )
    return await _enqueue(service, job, request, admission, idempotency_key, community)


async def _prepare(
    service: ReelbotService, request: GenerationRequest, images: Sequence[tuple[ReferenceRole, bytes]]
) -> tuple[GenerationRequest, Inspected]:
    """Everything that needs no storage: text and sizes, roles, the preset, the seed, the
    render plan, and a bounded decode of each image (off the event loop: bots share it)."""
    limits = service.settings.limits
    check_origin(request.origin)
    request = check_request(request, limits)
    roles = [ref.role for ref in request.references] + [role for role, _ in images]
    check_reference_roles(roles, limits)
    preset = route_request(request, service.settings, roles)
    seed = request.seed if request.seed is not None else random_seed()
    request = request.model_copy(update={"preset": preset.name, "seed": seed})
    plan_render(request, preset, limits, seed=seed)  # sizes/frames/seconds valid?
    await check_mode_available(service, preset, request.speed)  # a draft no worker can load
    inspected = []
    for role, raw in images:  # orientation applied once, before faces, hashing and storage
        data, info = await asyncio.to_thread(intake_image, raw, limits)
        inspected.append((role, data, info))
    return request, inspected


async def _reserve(
    service: ReelbotService,
    job_id: uuid.UUID,
    request: GenerationRequest,
    admission: Admission,
    community: CommunitySettings | None,
) -> Admission:
    """Take the job's share of every quota window and hourly rate (atomic; may move it to
    the relaxed lane or refuse it) and note the outcome in its moderation record."""
    # Refit from measured renders (the profile until there are enough): what the ack shows.
    estimate = (await service.estimates.estimate(request)).seconds
    async with service.locked_windows(request.origin, community) as windows:
        reservation = await service.limits.reserve(
            job_id,
            request.origin,
            estimate_s=estimate,
            windows=windows,
            rates=service._rate_policy(request.origin, community),
            requested=admission.lane,
        )
    record = {
        **admission.moderation,
        "estimate_gpu_s": round(estimate, 3),
        "lane": reservation.lane.value,
    }
    return replace(
        admission,
        lane=reservation.lane,
        estimate_s=estimate,
        moderation=record,
        notice_key=reservation.notice_key,
    )


async def _store(
    service: ReelbotService,
    job_id: uuid.UUID,
    request: GenerationRequest,
    inspected: Inspected,
    admission: Admission,
    idempotency_key: str,
) -> tuple[Any, bool]:
    """Images and job in one transaction. A media-disk failure is a clear message, and the
    image files this call wrote are removed again when the transaction does not commit."""
    new_files = await asyncio.to_thread(service._new_asset_files, inspected)

    def store() -> tuple[Any, bool]:
        with session_scope(service.db) as session:
            final = _with_stored_images(service, session, request, inspected)
            user = user_repo.user_for_origin(session=session, origin=final.origin)
            return job_repo.create_or_get_job(
                session=session,
                job_id=job_id,
                user_id=user.id,
                request=final,
                idempotency_key=idempotency_key,
                lane=admission.lane.value,
                state=JobState.AWAITING_CONSENT if admission.consent_required else JobState.QUEUED,
                moderation=admission.moderation,
                consent_required=admission.consent_required,
            )

    try:
        return await asyncio.to_thread(store)
    except BaseException as exc:
        await asyncio.to_thread(service._remove_unowned_files, new_files)
        if isinstance(exc, OSError):
            log.error("media store failed while storing job %s: %s", job_id, exc)
            raise ReelbotError("media.storage_unavailable") from exc
        raise


def _with_stored_images(
    service: ReelbotService, session: Any, request: GenerationRequest, inspected: Inspected
) -> GenerationRequest:
    """The request with every reference it names known and each new image stored (inside the
    job's transaction, so a refusal stores none of them)."""
    for ref in request.references:
        if asset_repo.get_asset(session=session, sha256=ref.sha256) is None:
            raise InvalidRequest("request.reference_unknown", sha256=ref.sha256[:12])
    refs = list(request.references)
    for role, data, info in inspected:
        asset = asset_repo.store_asset(
            session=session,
            media=service.media,
            data=data,
            mime=info.mime,
            width=info.width,
            height=info.height,
        )
        refs.append(ReferenceImage(role=role, sha256=asset.sha256))
    return request.model_copy(update={"references": tuple(refs)})


async def _enqueue(
    service: ReelbotService,
    job: Any,
    request: GenerationRequest,
    admission: Admission,
    idempotency_key: str,
    community: CommunitySettings | None,
) -> Ticket:
    """Queue a stored job (the per-user pending cap is the queue's, atomic); any refusal
    or failure undoes the job, its unused images and its reservation."""
    cap = service.settings.limits.max_pending_jobs_per_user
    if community is not None and community.max_pending_per_user is not None:
        cap = community.max_pending_per_user
    try:
        result = await service.queue.enqueue(
            job.id,
            idempotency_key=idempotency_key,
            user_key=request.origin.user_key,
            max_pending=cap,
            lane=job.lane,
        )
    except PendingCapReached as exc:
        await service._undo(job.id)
        raise LimitReached("queue.user_pending_cap", count=exc.count, limit=exc.limit) from exc
    except BaseException:
        log.exception("enqueue failed; removing job %s", job.id)
        await service._undo(job.id)
        raise
    if result.job_id != job.id:
        # Redis already knows this key for another job (its row was written by a process
        # that crashed before answering): that job is the answer; ours never existed.
        await service._undo(job.id)
        existing = await service.run_db(job_repo.get_job, job_id=result.job_id)
        if existing is None:
            log.error("idempotency key maps to job %s, which has no row", result.job_id)
            raise ReelbotError("error.internal", job_id=short_id(result.job_id))
        return await service.ticket(existing, duplicate=True)
    position = await service.queue.position(result.job_id)
    await service.events(request.origin.platform).publish(
        JobEvent(kind=EventKind.QUEUED, job_id=job.id, origin=request.origin, position=position)
    )
    return Ticket(
        job_id=job.id,
        state=JobState.QUEUED,
        position=position,
        duplicate=result.duplicate,
        notice_key=admission.notice_key,
    )
