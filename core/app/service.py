"""The service: the public face the adapters (Discord, LINE, CLI) call, and nothing below it.

Each job lives in a module of its own, and the service's methods hand over to them: the
stores and their wiring (:mod:`reelbot.app.stores`), submitting (:mod:`reelbot.app.submission`,
which explains the order of work that leaves nothing half-written after a refusal), remixing
(:mod:`reelbot.app.remix`), the read side (:mod:`reelbot.app.queries`), cancel/delete/reconcile
(:mod:`reelbot.app.changes`), limits and community settings
(:mod:`reelbot.app.service_limits`), consent and usage (:mod:`reelbot.app.safety`). The bots
are typed against this class, so its method names and signatures are the contract.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis

from reelbot.app import changes, queries, remix, submission
from reelbot.app.estimates import Estimator
from reelbot.app.limits import LimitLedger
from reelbot.app.safety.gate import SafetyGate
from reelbot.app.service_limits import LimitsAndSettings
from reelbot.app.stores import close_stores, job_events, open_stores, run_in_session
from reelbot.app.views import ClipView, JobView, Ticket
from reelbot.app.waits import WaitPlanner
from reelbot.domain.events import JobEvent
from reelbot.domain.settings import Settings
from reelbot.domain.types import (
    GenerationRequest,
    Origin,
    Platform,
    ReferenceRole,
    RemixKind,
    SpeedMode,
    Variation,
)
from reelbot.queue.events import EventStream
from reelbot.queue.keys import Keys, Lane
from reelbot.queue.streams import JobQueue
from reelbot.storage.db import session_scope
from reelbot.storage.media import MediaStore


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
        stores = await open_stores(settings, migrate=migrate)
        service = cls(settings, stores.redis, stores.db, stores.media)
        await service.queue.ensure_groups()
        return service

    async def close(self) -> None:
        await close_stores(self.redis, self.db)

    def events(self, platform: Platform | str) -> EventStream[JobEvent]:
        return job_events(self.redis, self.keys, str(platform), self.settings)

    # -- submitting (reelbot.app.submission) and remixing (reelbot.app.remix) ------------------

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
        return await submission.submit(self, request, images, idempotency_key=idempotency_key, lane=lane)

    async def remix(
        self,
        clip_id: uuid.UUID,
        kind: RemixKind,
        origin: Origin,
        *,
        idempotency_key: str,
        prompt: str | None = None,
        variation: Variation | None = None,
        speed: SpeedMode | None = None,
    ) -> Ticket:
        """A remix by kind (the older call): the clip action of that kind, see :meth:`start_action`."""
        name = remix.action_for_kind(kind, variation)
        return await self.start_action(
            name, clip_id, origin, idempotency_key=idempotency_key, prompt=prompt, speed=speed
        )

    async def start_action(
        self,
        name: str,
        clip_id: uuid.UUID,
        origin: Origin,
        *,
        idempotency_key: str,
        prompt: str | None = None,
        speed: SpeedMode | None = None,
    ) -> Ticket:
        """A new job derived from any clip's stored recipe by the registered clip action
        ``name`` (reelbot.app.actions; anyone may remix anyone's clip); ``speed`` picks another
        mode than the parent's (None keeps it)."""
        return await remix.start_action(
            self, name, clip_id, origin, idempotency_key=idempotency_key, prompt=prompt, speed=speed
        )

    def check_extension(self, clip: ClipView) -> None:
        """Refuse an Extend past ``limits.max_total_seconds`` before anything is queued, counting
        frames exactly as the stitch will (the seam frame once)."""
        remix.check_extension(self.settings, clip)

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
        from reelbot.app.plan_holds import held_shares
        from reelbot.app.safety.quotas import usage_for

        community = await asyncio.to_thread(self.safety.community_for, origin)
        await self.settle_limits()
        windows = await asyncio.to_thread(self._quota_windows, origin, community)
        held = await held_shares(self, origin, windows)  # a Short's share, held since its plan

        def load() -> list[Any]:
            with session_scope(self.db) as session:
                return usage_for(session, self.settings, origin, community=community, held=held)

        return await asyncio.to_thread(load)

    # -- questions (reelbot.app.queries) and changes (reelbot.app.changes) ------------------------

    async def cancel(self, job_id: uuid.UUID, *, by: Origin) -> JobView:
        """Cancel a job of ``by``'s own that has not finished."""
        await changes.cancel(self, job_id, by)
        return await self.job(job_id)

    async def discard_unused_images(self, job_id: uuid.UUID) -> None:
        """Delete the files of a job's reference images that no live job uses any more (a
        declined or withdrawn face is not kept)."""
        await changes.discard_unused_images(self, job_id)

    async def job(self, job_id: uuid.UUID) -> JobView:
        return await queries.job_view(self, await queries.get_job(self, job_id))

    async def jobs_for(self, platform: Platform, user_id: str, *, active_only: bool = True) -> list[JobView]:
        """A user's jobs, newest first (``active_only``: not finished yet)."""
        return await queries.jobs_for(self, platform, user_id, active_only=active_only)

    async def clip(self, clip_id: uuid.UUID) -> ClipView:
        return await queries.clip_view(self, clip_id)

    async def delete_clip(self, clip_id: uuid.UUID, *, by: Origin, is_moderator: bool = False) -> None:
        """Remove a clip's media (the author or a moderator); the audit row stays."""
        await changes.delete_clip(self, clip_id, by, is_moderator=is_moderator)

    async def reconcile(self, *, older_than_s: float = 30.0) -> int:
        """Enqueue ``queued`` jobs that have no queue message (a crash after the DB write).

        Safe to run any time: enqueueing is idempotent by the job's key, so a job that does
        have its message is left alone.
        """
        return await changes.reconcile(self, older_than_s=older_than_s)

    # -- helpers ----------------------------------------------------------------------------

    async def run_db(self, fn: Any, /, **kwargs: Any) -> Any:
        """Run a repository function (``fn(session=..., **kwargs)``) in one transaction, off the
        event loop: SQLModel is synchronous, the service and the bots are not."""
        return await run_in_session(self.db, fn, **kwargs)

    async def ticket(self, job: Any, *, duplicate: bool) -> Ticket:
        """The answer to give for a stored job (its state, and its place if still queued)."""
        return await queries.ticket(self, job, duplicate=duplicate)
