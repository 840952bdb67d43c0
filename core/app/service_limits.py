"""The service's limits, community settings and adapter keys (a part of
:class:`~reelbot.app.service.ReelbotService`, kept in its own module to keep both small).

Limits are reserved atomically by :mod:`reelbot.app.limits`; this part settles reservations
from stored state, undoes a refused submit (row, unused images, reservation), answers the
admins' settings commands and gives adapters their own Redis names and click keys.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from reelbot.app.limits import LimitLedger, RatePolicy, RateProvider
from reelbot.app.safety.quotas import quota_windows
from reelbot.domain.errors import LimitReached
from reelbot.domain.images import ImageInfo
from reelbot.domain.types import JobState, Origin, Platform, ReferenceRole
from reelbot.queue.keys import Keys
from reelbot.storage import assets as asset_repo
from reelbot.storage import communities as community_repo
from reelbot.storage import jobs as job_repo
from reelbot.storage import tasks as task_repo
from reelbot.storage.communities import CommunitySettings
from reelbot.storage.db import session_scope
from reelbot.storage.media import asset_key
from reelbot.storage.models import Asset, Job

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from reelbot.app.safety.gate import SafetyGate
    from reelbot.app.views import JobView
    from reelbot.domain.settings import Settings
    from reelbot.storage.media import MediaStore

log = logging.getLogger(__name__)


class LimitsAndSettings:
    """Mixed into the service: everything around the limit ledger."""

    settings: Settings
    redis: aioredis.Redis
    db: Any
    media: MediaStore
    keys: Keys
    safety: SafetyGate
    limits: LimitLedger

    if TYPE_CHECKING:

        async def run_db(self, fn: Any, /, **kwargs: Any) -> Any: ...

        async def jobs_for(
            self, platform: Platform, user_id: str, *, active_only: bool = True
        ) -> list[JobView]: ...

    # -- limits (reelbot.app.limits) ----------------------------------------------------------

    def register_platform_limits(self, platform: Platform | str, provider: RateProvider) -> None:
        """A platform adapter's hourly defaults (and the message keys of its refusals)."""
        self.limits.register_platform(str(platform), provider)

    def _rate_policy(self, origin: Origin, community: CommunitySettings | None) -> RatePolicy:
        return self.limits.rate_policy(
            origin.platform.value,
            per_person=community.clips_per_hour_per_user if community is not None else None,
            per_community=community.clips_per_hour if community is not None else None,
        )

    def _quota_windows(
        self, origin: Origin, community: CommunitySettings | None, held: set[uuid.UUID] | None = None
    ) -> list[Any]:
        with session_scope(self.db) as session:
            return quota_windows(session, self.settings, origin, community=community, exclude=held or set())

    @asynccontextmanager
    async def locked_windows(
        self, origin: Origin, community: CommunitySettings | None
    ) -> AsyncIterator[list[Any]]:
        """Settle what is stored, then hold ``origin``'s quota lock with their windows read
        (leaving out what the ledger holds in Redis): the step every reservation and plan
        check shares, so no two of them slip under one quota together."""
        await self.settle_limits()
        async with self.limits.locked(self.limits.scopes(origin)):
            held = set(await self.limits.open_reservations())  # their estimates are in Redis
            yield await asyncio.to_thread(self._quota_windows, origin, community, held)

    async def check_limits(self, origin: Origin, *, jobs: int = 1) -> None:
        """Refuse early (``LimitReached``) when ``jobs`` more clips from ``origin`` would pass
        an hourly rate or the pending cap now — e.g. a storyboard's shots, before its board is
        posted. Reserves nothing: each job's own submit still reserves atomically. A chat calls
        it through :func:`reelbot.app.early_checks.check_requests`, which moderates the prompts
        first (a refused prompt is moderation's answer, also from someone over a limit)."""
        community = await asyncio.to_thread(self.safety.community_for, origin)
        if community is not None and community.max_pending_per_user is not None:
            active = await self.jobs_for(origin.platform, origin.user_id, active_only=True)
            if len(active) >= community.max_pending_per_user:
                raise LimitReached(
                    "queue.user_pending_cap", count=len(active), limit=community.max_pending_per_user
                )
        await self.settle_limits()
        await self.limits.reserve(
            uuid.uuid4(),
            origin,
            estimate_s=0.0,
            windows=(),
            rates=self._rate_policy(origin, community),
            check_only=True,
            slots=jobs,
        )

    async def settle_limits(self, *, grace_s: float = 300.0) -> int:
        """Settle reservations from stored state: a finished job's estimate leaves Redis (its
        measured ``Job.gpu_seconds`` counts from the database from now on), a cancelled or
        failed one also gives its hourly slot back, a job that never got a row gives everything
        back after ``grace_s`` — but a plan's hold tagged with its note
        (:mod:`reelbot.app.plan_holds`) stays while the note's Redis key exists and
        goes once it is gone (dropped, or expired with its TTL). Tasks (finish, music) are
        settled the same way from their own rows: done → their measured ``Task.run_s`` counts
        instead of the estimate; failed or cancelled → released (a task is charged only for
        what it delivered). Runs before every admission and usage report; idempotent."""
        open_ = await self.limits.open_reservations()
        if not open_:
            return 0
        outcomes = await self.run_db(_job_outcomes, job_ids=list(open_))
        now = time.time()
        settled = 0
        for job_id, admitted_at in open_.items():
            outcome = outcomes.get(job_id)
            if outcome is None:
                note = await self.limits.tag_of(job_id)  # a plan's hold: kept while its note lives
                gone = now - admitted_at > grace_s if note is None else not await self.redis.exists(note)
                if gone:
                    settled += await self.limits.release(job_id)
                continue
            state, _gpu_seconds = outcome
            if state is JobState.DONE:
                settled += await self.limits.settle(job_id)
            elif state.finished:
                settled += await self.limits.settle(job_id, keep_rate=False)
        return settled

    async def _undo(self, job_id: uuid.UUID) -> None:
        """Remove a job that never reached the queue, its images no other job uses (rows and
        files) and its reservation: a refused request leaves nothing behind."""

        def remove() -> list[str]:
            with session_scope(self.db) as session:
                unused = asset_repo.assets_only_used_by(session=session, job_id=job_id)
                if not job_repo.delete_job(session=session, job_id=job_id):
                    return []
                for asset in unused:
                    session.delete(asset)
                return [asset.storage_key for asset in unused]

        for key in await asyncio.to_thread(remove):
            await asyncio.to_thread(self.media.delete, key)
        await self.limits.release(job_id)

    def _new_asset_files(self, inspected: Sequence[tuple[ReferenceRole, bytes, ImageInfo]]) -> list[str]:
        """Media keys of the images that are not on disk yet (what a failed store must remove)."""
        keys = [asset_key(asset_repo.sha256_hex(data), info.mime) for _, data, info in inspected]
        return [key for key in dict.fromkeys(keys) if not self.media.exists(key)]

    def _remove_unowned_files(self, keys: Sequence[str]) -> None:
        if not keys:
            return
        with session_scope(self.db) as session:
            found = session.exec(select(Asset).where(col(Asset.storage_key).in_(keys)))
            owned = {asset.storage_key for asset in found}
        for key in keys:
            if key not in owned:
                try:
                    self.media.delete(key)
                except OSError:
                    log.warning("could not remove %s after a failed store", key)

    # -- community settings (/reelbot settings, LINE group admins) -----------------------------

    async def community_settings(self, platform: Platform, community_id: str | None) -> CommunitySettings:
        """A community's own limits and policy (every field None = reelbot's default)."""

        def load() -> CommunitySettings:
            with session_scope(self.db) as session:
                return community_repo.community_settings(
                    session=session, platform=platform, community_id=community_id
                )

        return await asyncio.to_thread(load)

    async def save_community_settings(
        self, platform: Platform, community_id: str, changes: dict[str, Any], *, by: str
    ) -> CommunitySettings:
        """Change some of a community's settings (``None`` resets one to the default); a bad
        value is an ``InvalidRequest`` naming the setting, and nothing is stored."""

        def save() -> CommunitySettings:
            with session_scope(self.db) as session:
                return community_repo.update_community_settings(
                    session=session,
                    platform=platform,
                    community_id=community_id,
                    changes=changes,
                    updated_by=by,
                )

        return await asyncio.to_thread(save)

    # -- keys for adapters (bots never build Redis names themselves) -----------------------------

    def platform_key(self, platform: Platform | str, *parts: str) -> str:
        """A Redis key name in ``platform``'s own namespace (LINE's conversation state …)."""
        return self.keys.platform(str(platform), *parts)

    async def click_idempotency_key(
        self,
        *,
        platform: Platform | str,
        user_id: str,
        action: str,
        target: str,
        interaction_id: str,
        window_s: int,
        extra: str = "",
    ) -> str:
        """The idempotency key of a click: its own, or that of the same click (person, action,
        target) made within ``window_s`` before — a double click then gives one job."""
        own = f"{platform}:{action}:{target}:{interaction_id}"
        raw = f"{user_id}\x1f{action}\x1f{target}\x1f{extra}".encode()
        name = self.keys.bot_click(str(platform), hashlib.sha256(raw).hexdigest()[:32])
        previous = await self.redis.set(name, own, nx=True, ex=window_s, get=True)
        if previous is None:
            return own
        return previous.decode() if isinstance(previous, bytes) else str(previous)


def _job_outcomes(
    *, session: Any, job_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[JobState, float | None]]:
    """State and measured GPU-seconds of each job that still has a row; an id that is a task
    row's instead gives the task's state (its seconds are summed from the task table)."""
    rows = session.exec(select(Job.id, Job.state, Job.gpu_seconds).where(col(Job.id).in_(job_ids)))
    found: dict[uuid.UUID, tuple[JobState, float | None]] = {
        job_id: (JobState(state), gpu) for job_id, state, gpu in rows
    }
    rest = [job_id for job_id in job_ids if job_id not in found]
    for task_id, state in task_repo.task_outcomes(session=session, task_ids=rest).items():
        found[task_id] = (state, None)
    return found
