"""Changes to jobs and clips after submission: a user cancels a job or deletes a clip, a
withdrawn face's files go, and a worker re-enqueues jobs whose queue message was lost.
Each change moves the database first and tells the chat only from the process whose
update moved the row, so a chat hears of it once.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING

from reelbot.app.queries import get_job
from reelbot.app.tasks import reconcile_tasks  # worker tasks ride the same queue
from reelbot.domain.errors import Forbidden, InvalidRequest, NotFound
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.types import GenerationRequest, JobState, Origin, short_id
from reelbot.storage import assets as asset_repo
from reelbot.storage import clips as clip_repo
from reelbot.storage import jobs as job_repo

if TYPE_CHECKING:
    from reelbot.app.service import ReelbotService

log = logging.getLogger(__name__)


async def cancel(service: ReelbotService, job_id: uuid.UUID, by: Origin) -> None:
    """Cancel a job of ``by``'s own that has not finished (the caller answers with its view)."""
    job = await get_job(service, job_id)
    request = GenerationRequest.model_validate_json(job.request_json)
    if request.origin.user_key != by.user_key:
        raise Forbidden("job.not_yours", job_id=str(job_id))
    state = JobState(job.state)
    if state.finished:
        raise InvalidRequest("job.not_cancellable", job_id=short_id(job_id), state=state.term)
    removed = await service.queue.cancel(job_id)
    if removed or state is not JobState.RUNNING:
        # Not yet claimed: nobody else will touch it. A running job stops at the next step;
        # the worker then marks it cancelled and tells the chat. Only the process whose
        # update moved the job tells the chat, so it hears it once.
        if await service.run_db(job_repo.mark_cancelled, job_id=job_id):
            await service.limits.release(job_id)
            await service.events(request.origin.platform).publish(
                JobEvent(kind=EventKind.CANCELLED, job_id=job_id, origin=request.origin)
            )
        if state is JobState.AWAITING_CONSENT:  # withdrawn before consent: like a decline
            await discard_unused_images(service, job_id)


async def discard_unused_images(service: ReelbotService, job_id: uuid.UUID) -> None:
    """Delete the files of a job's reference images that no live job uses any more (a
    declined or withdrawn face is not kept); the hashes stay in the audit trail, and a
    later upload of the same image stores the file again."""
    for asset in await service.run_db(asset_repo.assets_only_used_by, job_id=job_id):
        await asyncio.to_thread(service.media.delete, asset.storage_key)


async def delete_clip(service: ReelbotService, clip_id: uuid.UUID, by: Origin, *, is_moderator: bool) -> None:
    """Remove a clip's media (the author or a moderator); the audit row stays."""
    clip = await service.clip(clip_id)
    if clip.deleted:
        raise NotFound("clip.not_found")
    if not is_moderator and clip.author.user_key != by.user_key:
        raise Forbidden("clip.delete_forbidden")
    keys = await service.run_db(clip_repo.soft_delete_clip, clip_id=clip_id, deleted_by=by.user_key)
    for key in keys:
        await asyncio.to_thread(service.media.delete, key)


async def reconcile(service: ReelbotService, *, older_than_s: float) -> int:
    """Enqueue ``queued`` jobs (and worker tasks) that have no queue message (a crash after
    the DB write). Safe any time: enqueueing is idempotent by the job's key."""
    jobs = await service.run_db(job_repo.queued_jobs_older_than, seconds=older_than_s)
    requeued = 0
    for job in jobs:
        request = GenerationRequest.model_validate_json(job.request_json)
        result = await service.queue.enqueue(
            job.id,
            idempotency_key=job.idempotency_key,
            user_key=request.origin.user_key,
            max_pending=10**6,  # accepted once already: never refuse it now
            lane=job.lane,
        )
        requeued += not result.duplicate
    if requeued:
        log.warning("re-enqueued %d queued jobs that had no queue message", requeued)
    return requeued + await reconcile_tasks(service, older_than_s=older_than_s)
