"""The safety gate: what the service asks before a job is stored and queued.

One call, :meth:`SafetyGate.admit`, in a fixed order that refuses cheaply first:

1. the community's policy (``Community.settings_json``) tightens the operator's;
2. moderation of the prompt, negative prompt and each new reference image
   (a refusal is written to the moderators' audit log, then raised);
3. face detection on new reference images — forbidden by the community → refused and
   logged; otherwise the job must wait in ``awaiting_consent``. A remix of a clip whose
   references needed consent needs it again from a remixer who is not the one who gave it;
The GPU-second quotas and hourly rates are not the gate's: the service reserves them
atomically right after it (:mod:`reelbot.app.limits`), because a check that reads the
database and then writes lets 30 simultaneous requests all pass.

The answer (:class:`Admission`) tells the service whether to hold the job for consent and
the moderation record to store with the job; the service adds the lane and estimate.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import EllipsisType
from typing import TYPE_CHECKING, Any

from reelbot.app.safety.costs import estimate_request
from reelbot.app.safety.faces import detect_faces
from reelbot.app.safety.moderation import (
    ModerationPolicy,
    Moderator,
    Verdict,
    build_moderator,
    moderate_request,
    policy_for,
)
from reelbot.app.safety.quotas import QuotaDecision, decide_lane, quota_windows
from reelbot.domain.errors import InvalidRequest, LimitReached
from reelbot.domain.types import GenerationRequest, Origin, ReferenceRole
from reelbot.queue.keys import Lane
from reelbot.storage.db import session_scope

if TYPE_CHECKING:
    from PIL import Image
    from sqlalchemy import Engine

    from reelbot.domain.settings import Settings
    from reelbot.storage.communities import CommunitySettings

log = logging.getLogger(__name__)

#: Face detection needs no more than this many pixels a side (faces are found as a fraction of
#: the picture); JPEGs are decoded at the nearest scale above it.
FACE_SIDE = 1024


@dataclass(frozen=True)
class Admission:
    """The gate's yes: how to store and queue the job."""

    lane: Lane
    consent_required: bool
    estimate_s: float
    moderation: dict[str, Any] = field(default_factory=dict)  # → Job.moderation_json
    notice_key: str | None = None  # e.g. quota.relaxed_notice, to tell the user


class SafetyGate:
    """Moderation, consent and quota checks for one service (holds the compiled moderator)."""

    def __init__(self, settings: Settings, db_engine: Engine, moderator: Moderator | None = None) -> None:
        self.settings = settings
        self.db = db_engine
        self.moderator = moderator or build_moderator(settings)

    # -- helpers run in a thread (they touch the database or the CPU) -----------------

    def community_for(self, origin: Origin) -> CommunitySettings | None:
        """The community policy that applies to a request from ``origin`` (None in a direct chat)."""
        from reelbot.storage.communities import community_settings

        if origin.guild_id is None:
            return None
        with session_scope(self.db) as session:
            return community_settings(session=session, platform=origin.platform, community_id=origin.guild_id)

    def _record(self, request: GenerationRequest, verdict: Verdict, policy: ModerationPolicy) -> None:
        from reelbot.storage.moderation import record_moderation_event

        excerpt = request.negative_prompt if verdict.subject == "negative_prompt" else request.prompt
        with session_scope(self.db) as session:
            record_moderation_event(
                session=session,
                platform=request.origin.platform,
                platform_user_id=request.origin.user_id,
                community_id=request.origin.guild_id,
                kind="image" if verdict.subject == "image" else "prompt",
                reason=verdict.key or "refused",
                matched_term=verdict.matched or verdict.label,
                excerpt=excerpt,
            )
        log.info(
            "moderation refused a %s (%s, %s) in %s",
            verdict.subject,
            verdict.category,
            verdict.source,
            policy.community or "a direct chat",
        )

    @staticmethod
    def _decode(images: Sequence[tuple[ReferenceRole, bytes]]) -> list[Image.Image]:
        from PIL import Image

        decoded: list[Image.Image] = []
        for index, (_, data) in enumerate(images, start=1):
            try:
                image = Image.open(io.BytesIO(data))
                image.draft("RGB", (FACE_SIDE, FACE_SIDE))  # JPEG: decode scaled, memory bounded
                image.load()
            except Exception as exc:  # inspect_image ran before us; this is belt and braces
                raise InvalidRequest(
                    "safety.face_image_unreadable", index=index, reason=type(exc).__name__
                ) from None
            decoded.append(image)
        return decoded

    def _awaiting_count(self, request: GenerationRequest) -> int:
        from sqlalchemy import func
        from sqlmodel import select

        from reelbot.domain.types import JobState
        from reelbot.storage.models import Job, User

        origin = request.origin
        with session_scope(self.db) as session:
            statement = (
                select(func.count())
                .select_from(Job)
                .join(User, Job.user_id == User.id)  # type: ignore[arg-type]
                .where(
                    User.platform == origin.platform,
                    User.platform_user_id == origin.user_id,
                    Job.state == JobState.AWAITING_CONSENT,
                )
            )
            return int(session.exec(statement).one())

    def _parent_consent(self, request: GenerationRequest) -> bool:
        """A remix of a clip whose references showed a face: the remixer must confirm too
        (unless they are the one who confirmed for the parent)."""
        if request.parent_clip_id is None or not request.references:
            return False
        from reelbot.storage.models import Clip, Job

        with session_scope(self.db) as session:
            clip = session.get(Clip, request.parent_clip_id)
            job = session.get(Job, clip.job_id) if clip is not None else None
            if job is None or not job.consent_required:
                return False
            return job.consent_given_by != request.origin.user_key

    def quota_decision(
        self, request: GenerationRequest, community: CommunitySettings | None, requested: Lane
    ) -> QuotaDecision:
        """Estimate the job and pick its lane against the current quota windows (or refuse)."""
        estimate = estimate_request(request, self.settings)
        with session_scope(self.db) as session:
            windows = quota_windows(session, self.settings, request.origin, community=community)
        return decide_lane(
            estimate, windows, relaxed_multiplier=self.settings.quotas.relaxed_multiplier, requested=requested
        )

    # -- the gate ---------------------------------------------------------------------

    async def admit(
        self,
        request: GenerationRequest,
        images: Sequence[tuple[ReferenceRole, bytes]] = (),
        *,
        lane: Lane = Lane.FAST,
        community: CommunitySettings | EllipsisType | None = ...,
    ) -> Admission:
        """Check one request; raise ``InvalidRequest``/``LimitReached`` with a message key
        (nothing stored but the audit-log row), or say how to store and queue it.

        ``community``: the policy already loaded by the caller (``...``: look it up). The
        lane is the requested one; quotas may still move it (:mod:`reelbot.app.limits`)."""
        if isinstance(community, EllipsisType):
            community = await asyncio.to_thread(self.community_for, request.origin)
        name = (
            f"{request.origin.platform.value}:{request.origin.guild_id}" if request.origin.guild_id else None
        )
        policy = policy_for(self.settings, community, community_name=name)
        safety = self.settings.safety

        decoded = await asyncio.to_thread(self._decode, images) if images else []
        if safety.moderation:
            verdict = await asyncio.to_thread(moderate_request, self.moderator, policy, request, decoded)
            if not verdict.allowed:
                await asyncio.to_thread(self._record, request, verdict, policy)
                raise verdict.error()

        faces = 0
        if safety.faces and decoded:
            for index, image in enumerate(decoded, start=1):
                found = await asyncio.to_thread(
                    detect_faces, image, min_fraction=safety.face_min_fraction, index=index, first_only=True
                )
                faces += len(found)
        if faces and policy.forbid_face_references:
            refusal = Verdict(
                allowed=False, key="safety.faces_forbidden", category="faces", subject="image", source="faces"
            )
            await asyncio.to_thread(self._record, request, refusal, policy)
            raise InvalidRequest("safety.faces_forbidden")
        consent = faces > 0 or await asyncio.to_thread(self._parent_consent, request)
        if consent:
            # Jobs awaiting consent are not in the queue's per-user cap: cap them here, or one
            # person could park any number of face uploads in the database.
            waiting = await asyncio.to_thread(self._awaiting_count, request)
            cap = self.settings.limits.max_pending_jobs_per_user
            if waiting >= cap:
                raise LimitReached("queue.user_pending_cap", count=waiting, limit=cap)

        record: dict[str, Any] = {
            "verdict": "allowed",
            "moderator": self.moderator.name if safety.moderation else "off",
            "categories": sorted(policy.categories),
            "community_terms": len(policy.extra_terms),
            "community": policy.community,
            "faces": faces,
            "consent_required": consent,
        }
        return Admission(lane=lane, consent_required=consent, estimate_s=0.0, moderation=record)
