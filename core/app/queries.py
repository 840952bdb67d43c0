"""The service's read side: stored jobs and clips as the frozen views the bots render
(:mod:`reelbot.app.views`), with a queued job's live place in the queue. Nothing here
changes anything.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING, Any

from reelbot.app.views import ClipView, JobView, Ticket
from reelbot.domain.errors import NotFound
from reelbot.domain.reports import RenderReport
from reelbot.domain.types import GenerationRequest, JobState, Platform, RemixKind
from reelbot.storage import clips as clip_repo
from reelbot.storage import jobs as job_repo
from reelbot.storage import users as user_repo
from reelbot.storage.db import session_scope

if TYPE_CHECKING:
    from reelbot.app.service import ReelbotService


async def get_job(service: ReelbotService, job_id: uuid.UUID) -> Any:
    """The job's row, or ``NotFound``."""
    job = await service.run_db(job_repo.get_job, job_id=job_id)
    if job is None:
        raise NotFound("job.not_found", job_id=str(job_id))
    return job


async def ticket(service: ReelbotService, job: Any, *, duplicate: bool) -> Ticket:
    """The answer to give for a stored job (its state, and its place if still queued)."""
    state = JobState(job.state)
    position = await service.queue.position(job.id) if state is JobState.QUEUED else None
    return Ticket(job_id=job.id, state=state, position=position, duplicate=duplicate)


async def job_view(service: ReelbotService, job: Any) -> JobView:
    """A job's row as the bots show it (its clip once done, its place while queued)."""
    state = JobState(job.state)
    clip = await service.run_db(clip_repo.get_clip_for_job, job_id=job.id) if state is JobState.DONE else None
    return JobView(
        id=job.id,
        state=state,
        position=await service.queue.position(job.id) if state is JobState.QUEUED else None,
        step=job.step,
        total_steps=job.total_steps,
        clip_id=clip.id if clip else None,
        error_key=job.error_key,
        error_detail=job.error_detail,
        request=GenerationRequest.model_validate_json(job.request_json),
        created_at=job.created_at,
        report=stored_report(job),
    )


def stored_report(job: Any) -> RenderReport | None:
    """The render report the worker stored with a finished job (None for older jobs)."""
    return RenderReport.from_dict(job.render_report) if job.render_report else None


async def jobs_for(
    service: ReelbotService, platform: Platform, user_id: str, *, active_only: bool
) -> list[JobView]:
    """A user's jobs, newest first (``active_only``: not finished yet)."""

    def load() -> list[Any]:
        with session_scope(service.db) as session:
            user = user_repo.find_user(session=session, platform=platform, platform_user_id=user_id)
            if user is None:
                return []
            return job_repo.jobs_for_user(session=session, user_id=user.id, active_only=active_only)

    return [await job_view(service, job) for job in await asyncio.to_thread(load)]


async def clip_view(service: ReelbotService, clip_id: uuid.UUID) -> ClipView:
    """A clip with its recipe, author and lineage (a deleted clip too: ``deleted`` says so)."""

    def load() -> ClipView:
        with session_scope(service.db) as session:
            clip = clip_repo.get_clip(session=session, clip_id=clip_id)
            if clip is None:
                raise NotFound("clip.not_found")
            job = job_repo.get_job(session=session, job_id=clip.job_id)
            assert job is not None  # a clip always has its job (foreign key)
            request = GenerationRequest.model_validate_json(job.request_json)
            chain = clip_repo.lineage_summary(session=session, clip_id=clip_id)
            return ClipView(
                id=clip.id,
                job_id=clip.job_id,
                request=request,
                parent_clip_id=clip.parent_clip_id,
                remix_kind=RemixKind(clip.remix_kind) if clip.remix_kind else None,
                author=request.origin,
                video_key=clip.video_key,
                thumbnail_key=clip.thumbnail_key,
                size_bytes=clip.size_bytes,
                width=clip.width,
                height=clip.height,
                fps=clip.fps,
                num_frames=clip.num_frames,
                duration_s=clip.duration_s,
                created_at=clip.created_at,
                deleted=clip.deleted_at is not None,
                lineage=chain,
                report=stored_report(job),
            )

    return await asyncio.to_thread(load)
