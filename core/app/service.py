"""The service: the one place where a request becomes a stored, queued job.

Adapters (Discord, LINE, CLI) call this and nothing below it. Order of work in
:meth:`ReelbotService.submit` is chosen so that nothing half-written survives a refusal:
validate everything first (text, roles, preset, images), then write assets + job in one
transaction, then enqueue; if enqueueing is refused, the job row is removed again. A crash
between the database write and the enqueue leaves a ``queued`` job without a message;
:meth:`reconcile` (run by every worker at start and periodically) re-enqueues it, and the
idempotency key makes that safe.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import redis.asyncio as aioredis

from reelbot.app.actions import get_action
from reelbot.app.estimates import Estimator
from reelbot.app.intake import check_idempotency_key, check_origin
from reelbot.app.limits import LimitLedger
from reelbot.app.safety.gate import Admission, SafetyGate
from reelbot.app.service_limits import LimitsAndSettings
from reelbot.app.views import ClipView, JobView, Ticket
from reelbot.app.waits import WaitPlanner
from reelbot.domain.errors import Forbidden, InvalidRequest, LimitReached, NotFound, ReelbotError
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.images import ImageInfo, intake_image
from reelbot.domain.presets import check_extension, plan_render, route_preset
from reelbot.domain.settings import Settings
from reelbot.domain.types import (
    MAX_SEED,
    GenerationRequest,
    JobState,
    Origin,
    Platform,
    ReferenceImage,
    ReferenceRole,
    RemixKind,
    Variation,
    short_id,
)
from reelbot.domain.validation import check_reference_roles, check_request
from reelbot.queue.connect import connect
from reelbot.queue.errors import PendingCapReached
from reelbot.queue.events import Codec, EventStream
from reelbot.queue.keys import Keys, Lane
from reelbot.queue.streams import JobQueue
from reelbot.storage import assets as asset_repo
from reelbot.storage import clips as clip_repo
from reelbot.storage import jobs as job_repo
from reelbot.storage import users as user_repo
from reelbot.storage.communities import CommunitySettings
from reelbot.storage.db import check_revision, make_engine, session_scope
from reelbot.storage.db import migrate as migrate_schema
from reelbot.storage.media import MediaStore, open_media_store

log = logging.getLogger(__name__)

#: Job events travel as JSON text through the queue's events streams.
JOB_EVENTS: Codec[JobEvent] = Codec(JobEvent.to_json, JobEvent.from_json)


class ReelbotService(LimitsAndSettings):
    """Validate, persist, enqueue; answer questions about jobs and clips."""

    def __init__(
        self,
        settings: Settings,
        redis: aioredis.Redis,
        db_engine: Any,
        media: MediaStore,
    ) -> None:
        self.settings = settings
        self.redis = redis
        self.db = db_engine
        self.media = media
        self.keys = Keys(settings.redis_prefix)
        self.queue = JobQueue(redis, self.keys, settings.queue)
        self.safety = SafetyGate(settings, db_engine)  # moderation, consent, quotas
        self.limits = LimitLedger(redis, self.keys, relaxed_multiplier=settings.quotas.relaxed_multiplier)
        self.estimates = Estimator(settings, db_engine)  # GPU-seconds refit from measured jobs
        self.waits = WaitPlanner(self.queue, self.estimates, db_engine)  # live ETA of waiting jobs

    @classmethod
    async def open(cls, settings: Settings, *, migrate: bool = True) -> ReelbotService:
        """Connect to Redis and the database and open the media store.

        ``migrate=True`` (one box: ``serve``, ``demo``, one-shot commands, tests) brings the
        schema up to date; ``False`` (a fleet's workers, bots and media servers, whose schema
        a one-shot ``reelbot migrate`` job moves) only checks it and refuses an older one.
        """
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.resolved_database_url)
        try:
            await asyncio.to_thread(migrate_schema if migrate else check_revision, engine)
        except BaseException:
            await asyncio.to_thread(engine.dispose)
            raise
        media = open_media_store(settings)  # local folder or S3 bucket (settings.media)
        q = settings.queue
        redis = connect(settings.redis_url, max_connections=q.max_connections, timeout_s=q.pool_timeout_s)
        service = cls(settings, redis, engine, media)
        await service.queue.ensure_groups()
        return service

    async def close(self) -> None:
        await self.redis.aclose()
        await asyncio.to_thread(self.db.dispose)

    def events(self, platform: Platform | str) -> EventStream[JobEvent]:
        return EventStream(
            self.redis, self.keys, str(platform), maxlen=self.settings.queue.events_maxlen, codec=JOB_EVENTS
        )

    # -- submitting ---------------------------------------------------------------------

    async def submit(
        self,
        request: GenerationRequest,
        images: Sequence[tuple[ReferenceRole, bytes]] = (),
        *,
        idempotency_key: str,
        lane: Lane = Lane.FAST,
    ) -> Ticket:
        """Validate, store and enqueue one request; the same key twice gives the same job.

        ``lane=Lane.RELAXED`` asks for the relaxed lane; the quota may also move a job there.
        A job whose reference image shows a face is stored ``awaiting_consent`` and queued
        only by :meth:`confirm_consent`. Steps, each refusing before the next writes anything:
        prepare (validate, route, plan, inspect images) → admit (moderation, faces) → reserve
        (quotas, hourly rates: atomic) → store (images + job in one transaction) → enqueue
        (pending cap; a refusal undoes the store and the reservation).
        """
        check_idempotency_key(idempotency_key)
        existing = await self.run_db(job_repo.get_job_by_idempotency_key, idempotency_key=idempotency_key)
        if existing is not None:
            return await self.ticket(existing, duplicate=True)
        request, inspected = await self._prepare(request, images)
        community = await asyncio.to_thread(self.safety.community_for, request.origin)
        upright = [(role, data) for role, data, _ in inspected]  # EXIF orientation applied
        admission = await self.safety.admit(request, upright, lane=lane, community=community)
        job_id = uuid.uuid4()
        admission = await self._reserve(job_id, request, admission, community)
        try:
            job, created = await self._store(job_id, request, inspected, admission, idempotency_key)
        except BaseException:
            await self.limits.release(job_id)
            raise
        if not created:  # a concurrent submit with the same key stored first: that job is the answer
            await self.limits.release(job_id)
            return await self.ticket(job, duplicate=True)
        if admission.consent_required:
            return Ticket(
                job_id=job.id,
                state=JobState.AWAITING_CONSENT,
                position=None,
                duplicate=False,
                notice_key=admission.notice_key,
            )
        return await self._enqueue(job, request, admission, idempotency_key, community)

    async def _prepare(
        self, request: GenerationRequest, images: Sequence[tuple[ReferenceRole, bytes]]
    ) -> tuple[GenerationRequest, list[tuple[ReferenceRole, bytes, ImageInfo]]]:
        """Everything that needs no storage: text and sizes, roles, the preset, the seed, the
        render plan, and a bounded decode of each image (off the event loop: bots share it)."""
        check_origin(request.origin)
        request = check_request(request, self.settings.limits)
        roles = [ref.role for ref in request.references] + [role for role, _ in images]
        check_reference_roles(roles, self.settings.limits)
        preset = route_preset(request.preset, request.roles() | set(roles), self.settings)
        seed = request.seed if request.seed is not None else secrets.randbelow(MAX_SEED + 1)
        request = request.model_copy(update={"preset": preset.name, "seed": seed})
        plan_render(request, preset, self.settings.limits, seed=seed)  # sizes/frames/seconds valid?
        inspected = []
        for role, raw in images:  # orientation applied once, before faces, hashing and storage
            data, info = await asyncio.to_thread(intake_image, raw, self.settings.limits)
            inspected.append((role, data, info))
        return request, inspected

    async def _reserve(
        self,
        job_id: uuid.UUID,
        request: GenerationRequest,
        admission: Admission,
        community: CommunitySettings | None,
    ) -> Admission:
        """Take the job's share of every quota window and hourly rate (atomic; may move it to
        the relaxed lane or refuse it) and note the outcome in its moderation record."""
        await self.settle_limits()
        # Refit from measured renders (the profile until there are enough): what the ack shows.
        estimate = (await self.estimates.estimate(request)).seconds
        async with self.limits.locked(self.limits.scopes(request.origin)):
            held = set(await self.limits.open_reservations())  # their estimates are in Redis
            windows = await asyncio.to_thread(self._quota_windows, request.origin, community, held)
            reservation = await self.limits.reserve(
                job_id,
                request.origin,
                estimate_s=estimate,
                windows=windows,
                rates=self._rate_policy(request.origin, community),
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
        self,
        job_id: uuid.UUID,
        request: GenerationRequest,
        inspected: Sequence[tuple[ReferenceRole, bytes, ImageInfo]],
        admission: Admission,
        idempotency_key: str,
    ) -> tuple[Any, bool]:
        """Images and job in one transaction. A media-disk failure is a clear message, and the
        image files this call wrote are removed again when the transaction does not commit."""
        new_files = await asyncio.to_thread(self._new_asset_files, inspected)

        def store() -> tuple[Any, bool]:
            with session_scope(self.db) as session:
                for ref in request.references:
                    if asset_repo.get_asset(session=session, sha256=ref.sha256) is None:
                        raise InvalidRequest("request.reference_unknown", sha256=ref.sha256[:12])
                refs = list(request.references)
                for role, data, info in inspected:
                    asset = asset_repo.store_asset(
                        session=session,
                        media=self.media,
                        data=data,
                        mime=info.mime,
                        width=info.width,
                        height=info.height,
                    )
                    refs.append(ReferenceImage(role=role, sha256=asset.sha256))
                final = request.model_copy(update={"references": tuple(refs)})
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
            await asyncio.to_thread(self._remove_unowned_files, new_files)
            if isinstance(exc, OSError):
                log.error("media store failed while storing job %s: %s", job_id, exc)
                raise ReelbotError("media.storage_unavailable") from exc
            raise

    async def _enqueue(
        self,
        job: Any,
        request: GenerationRequest,
        admission: Admission,
        idempotency_key: str,
        community: CommunitySettings | None,
    ) -> Ticket:
        """Queue a stored job (the per-user pending cap is the queue's, atomic); any refusal
        or failure undoes the job, its unused images and its reservation."""
        cap = self.settings.limits.max_pending_jobs_per_user
        if community is not None and community.max_pending_per_user is not None:
            cap = community.max_pending_per_user
        try:
            result = await self.queue.enqueue(
                job.id,
                idempotency_key=idempotency_key,
                user_key=request.origin.user_key,
                max_pending=cap,
                lane=job.lane,
            )
        except PendingCapReached as exc:
            await self._undo(job.id)
            raise LimitReached("queue.user_pending_cap", count=exc.count, limit=exc.limit) from exc
        except BaseException:
            log.exception("enqueue failed; removing job %s", job.id)
            await self._undo(job.id)
            raise
        if result.job_id != job.id:
            # Redis already knows this key for another job (its row was written by a process
            # that crashed before answering): that job is the answer; ours never existed.
            await self._undo(job.id)
            existing = await self.run_db(job_repo.get_job, job_id=result.job_id)
            if existing is None:
                log.error("idempotency key maps to job %s, which has no row", result.job_id)
                raise ReelbotError("error.internal", job_id=short_id(result.job_id))
            return await self.ticket(existing, duplicate=True)
        position = await self.queue.position(result.job_id)
        await self.events(request.origin.platform).publish(
            JobEvent(kind=EventKind.QUEUED, job_id=job.id, origin=request.origin, position=position)
        )
        return Ticket(
            job_id=job.id,
            state=JobState.QUEUED,
            position=position,
            duplicate=result.duplicate,
            notice_key=admission.notice_key,
        )

    async def remix(
        self,
        clip_id: uuid.UUID,
        kind: RemixKind,
        origin: Origin,
        *,
        idempotency_key: str,
        prompt: str | None = None,
        variation: Variation | None = None,
    ) -> Ticket:
        """A remix by kind (the older call): the clip action of that kind, see :meth:`start_action`."""
        name = "varystrong" if kind is RemixKind.VARY and variation is Variation.STRONG else kind.value
        return await self.start_action(name, clip_id, origin, idempotency_key=idempotency_key, prompt=prompt)

    async def start_action(
        self,
        name: str,
        clip_id: uuid.UUID,
        origin: Origin,
        *,
        idempotency_key: str,
        prompt: str | None = None,
    ) -> Ticket:
        """A new job derived from any clip's stored recipe by the registered clip action
        ``name`` (reelbot.app.actions; anyone may remix anyone's clip)."""
        action = get_action(name)
        if action is None or action.derive is None or action.kind is None:
            raise InvalidRequest("action.unknown", action=name[:32])
        clip = await self.clip(clip_id)
        if clip.deleted:
            raise NotFound("clip.not_found")
        update: dict[str, Any] = {
            "origin": origin,
            "parent_clip_id": clip.id,
            "remix_kind": action.kind,
            "variation": None,
            "variation_salt": 0,
        }
        update.update(action.derive(clip, prompt, self))
        return await self.submit(clip.request.model_copy(update=update), idempotency_key=idempotency_key)

    def check_extension(self, clip: ClipView) -> None:
        """Refuse an Extend past ``limits.max_total_seconds`` before anything is queued, counting
        frames exactly as the stitch will (the seam frame once)."""
        request = clip.request.model_copy(update={"remix_kind": RemixKind.EXTEND})
        preset = route_preset(request.preset, request.roles(), self.settings)
        plan = plan_render(request, preset, self.settings.limits, seed=0)
        check_extension(clip.num_frames, plan.num_frames, clip.fps, self.settings.limits.max_total_seconds)

    # -- consent and usage (reelbot.app.safety) ---------------------------------------------------

    async def confirm_consent(self, job_id: uuid.UUID, *, by: Origin) -> Ticket:
        """The uploader confirms they have the pictured person's consent; the job is queued."""
        from reelbot.app.safety.consent import confirm_consent

        return await confirm_consent(self, job_id, by)

    async def decline_consent(self, job_id: uuid.UUID, *, by: Origin) -> JobView:
        """The uploader declines; the job is cancelled and never queued."""
        from reelbot.app.safety.consent import decline_consent

        return await decline_consent(self, job_id, by)

    async def usage(self, origin: Origin) -> list[Any]:
        """``/usage`` / ``用量``: a list of :class:`reelbot.app.safety.quotas.Usage` (user, and
        community in a group; daily and monthly). Render each with ``usage.render(locale)``."""
        from reelbot.app.safety.quotas import usage_for

        community = await asyncio.to_thread(self.safety.community_for, origin)
        await self.settle_limits()

        def load() -> list[Any]:
            with session_scope(self.db) as session:
                return usage_for(session, self.settings, origin, community=community)

        return await asyncio.to_thread(load)

    # -- questions and changes ------------------------------------------------------------

    async def cancel(self, job_id: uuid.UUID, *, by: Origin) -> JobView:
        """Cancel a job of ``by``'s own that has not finished."""
        job = await self._get_job(job_id)
        request = GenerationRequest.model_validate_json(job.request_json)
        if request.origin.user_key != by.user_key:
            raise Forbidden("job.not_yours", job_id=str(job_id))
        state = JobState(job.state)
        if state.finished:
            raise InvalidRequest("job.not_cancellable", job_id=short_id(job_id), state=state.term)
        removed = await self.queue.cancel(job_id)
        if removed or state is not JobState.RUNNING:
            # Not yet claimed: nobody else will touch it. A running job stops at the next step;
            # the worker then marks it cancelled and tells the chat. Only the process whose
            # update moved the job tells the chat, so it hears it once.
            if await self.run_db(job_repo.mark_cancelled, job_id=job_id):
                await self.limits.release(job_id)
                await self.events(request.origin.platform).publish(
                    JobEvent(kind=EventKind.CANCELLED, job_id=job_id, origin=request.origin)
                )
            if state is JobState.AWAITING_CONSENT:  # withdrawn before consent: like a decline
                await self.discard_unused_images(job_id)
        return await self.job(job_id)

    async def discard_unused_images(self, job_id: uuid.UUID) -> None:
        """Delete the files of a job's reference images that no live job uses any more (a
        declined or withdrawn face is not kept); the hashes stay in the audit trail, and a
        later upload of the same image stores the file again."""
        for asset in await self.run_db(asset_repo.assets_only_used_by, job_id=job_id):
            await asyncio.to_thread(self.media.delete, asset.storage_key)

    async def job(self, job_id: uuid.UUID) -> JobView:
        return await self._view(await self._get_job(job_id))

    async def jobs_for(self, platform: Platform, user_id: str, *, active_only: bool = True) -> list[JobView]:
        """A user's jobs, newest first (``active_only``: not finished yet)."""

        def load() -> list[Any]:
            with session_scope(self.db) as session:
                user = user_repo.find_user(session=session, platform=platform, platform_user_id=user_id)
                if user is None:
                    return []
                return job_repo.jobs_for_user(session=session, user_id=user.id, active_only=active_only)

        return [await self._view(job) for job in await asyncio.to_thread(load)]

    async def clip(self, clip_id: uuid.UUID) -> ClipView:
        def load() -> ClipView:
            with session_scope(self.db) as session:
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
                )

        return await asyncio.to_thread(load)

    async def delete_clip(self, clip_id: uuid.UUID, *, by: Origin, is_moderator: bool = False) -> None:
        """Remove a clip's media (the author or a moderator); the audit row stays."""
        clip = await self.clip(clip_id)
        if clip.deleted:
            raise NotFound("clip.not_found")
        if not is_moderator and clip.author.user_key != by.user_key:
            raise Forbidden("clip.delete_forbidden")
        keys = await self.run_db(clip_repo.soft_delete_clip, clip_id=clip_id, deleted_by=by.user_key)
        for key in keys:
            await asyncio.to_thread(self.media.delete, key)

    async def reconcile(self, *, older_than_s: float = 30.0) -> int:
        """Enqueue ``queued`` jobs that have no queue message (a crash after the DB write).

        Safe to run any time: enqueueing is idempotent by the job's key, so a job that does
        have its message is left alone.
        """
        jobs = await self.run_db(job_repo.queued_jobs_older_than, seconds=older_than_s)
        requeued = 0
        for job in jobs:
            request = GenerationRequest.model_validate_json(job.request_json)
            result = await self.queue.enqueue(
                job.id,
                idempotency_key=job.idempotency_key,
                user_key=request.origin.user_key,
                max_pending=10**6,  # accepted once already: never refuse it now
                lane=job.lane,
            )
            requeued += not result.duplicate
        if requeued:
            log.warning("re-enqueued %d queued jobs that had no queue message", requeued)
        from reelbot.app.tasks import reconcile_tasks  # worker tasks ride the same queue

        return requeued + await reconcile_tasks(self, older_than_s=older_than_s)

    # -- helpers ----------------------------------------------------------------------------

    async def run_db(self, fn: Any, /, **kwargs: Any) -> Any:
        """Run a repository function (``fn(session=..., **kwargs)``) in one transaction, off the
        event loop: SQLModel is synchronous, the service and the bots are not."""

        def call() -> Any:
            with session_scope(self.db) as session:
                return fn(session=session, **kwargs)

        return await asyncio.to_thread(call)

    async def _get_job(self, job_id: uuid.UUID) -> Any:
        job = await self.run_db(job_repo.get_job, job_id=job_id)
        if job is None:
            raise NotFound("job.not_found", job_id=str(job_id))
        return job

    async def ticket(self, job: Any, *, duplicate: bool) -> Ticket:
        """The answer to give for a stored job (its state, and its place if still queued)."""
        state = JobState(job.state)
        position = await self.queue.position(job.id) if state is JobState.QUEUED else None
        return Ticket(job_id=job.id, state=state, position=position, duplicate=duplicate)

    async def _view(self, job: Any) -> JobView:
        state = JobState(job.state)
        clip = (
            await self.run_db(clip_repo.get_clip_for_job, job_id=job.id) if state is JobState.DONE else None
        )
        return JobView(
            id=job.id,
            state=state,
            position=await self.queue.position(job.id) if state is JobState.QUEUED else None,
            step=job.step,
            total_steps=job.total_steps,
            clip_id=clip.id if clip else None,
            error_key=job.error_key,
            error_detail=job.error_detail,
            request=GenerationRequest.model_validate_json(job.request_json),
            created_at=job.created_at,
        )
