"""GPU-second quotas, the fast/relaxed lanes, and what a clip costs.

Three pieces:

* **Estimate** (:func:`estimate_gpu_seconds`, in :mod:`reelbot.app.safety.costs`): before a
  job is queued we predict its GPU time from the preset and the render plan; the cost model
  and its least-squares calibration (:func:`fit_profile`) live there.
* **Decision** (:func:`decide_lane`): each quota window (user/community × day/month) is
  charged with what its jobs *measured* plus the *estimate* of jobs still queued or running
  (else ten quick submissions would all pass). Within the quota → fast lane; past it, up
  to ``relaxed_multiplier`` × quota → relaxed lane (runs only when fast is empty); beyond
  that → refused before anything is stored (``LimitReached``).
* **Usage** (:func:`usage_for`): the numbers behind ``/usage`` and ``用量``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from reelbot.app.safety.costs import estimate_request
from reelbot.domain.errors import LimitReached
from reelbot.domain.messages import render
from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform
from reelbot.queue.keys import Lane

if TYPE_CHECKING:
    from sqlmodel import Session

    from reelbot.domain.settings import Settings
    from reelbot.storage.communities import CommunitySettings

Scope = Literal["user", "community"]
Period = Literal["daily", "monthly"]
PERIODS: tuple[Period, ...] = ("daily", "monthly")

#: A stored job whose preset vanished still costs its set-up (the one documented fallback;
#: every registered preset carries its own :class:`CostProfile` in its spec).
VANISHED_PRESET_S = 3.0


# --- windows and the lane decision ---------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """One quota window: who (scope), which period, how much is used and allowed."""

    scope: Scope
    period: Period
    start: datetime
    resets_at: datetime
    used: float  # measured GPU-seconds of jobs (and worker-seconds of tasks) asked for in the window
    reserved: float  # estimates of its jobs and tasks still queued or running
    limit: float | None  # the fast quota; None = unlimited
    task_used: float = 0.0  # the part of ``used`` that tasks (finish, music) measured

    @property
    def charged(self) -> float:
        return self.used + self.reserved


def window_bounds(period: Period, now: datetime, timezone: str) -> tuple[datetime, datetime]:
    """Start and end (UTC) of the day or month containing ``now`` in ``timezone``."""
    local = now.astimezone(ZoneInfo(timezone))
    if period == "daily":
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        end = start + timedelta(days=1)
    else:
        start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        end = (start + timedelta(days=32)).replace(day=1)
    # Re-localise after the arithmetic so a DST change inside the window is honoured.
    tz = ZoneInfo(timezone)
    return start.replace(tzinfo=tz).astimezone(UTC), end.replace(tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True)
class QuotaDecision:
    lane: Lane
    estimate_s: float
    notice_key: str | None = None  # "quota.relaxed_notice" when moved to the relaxed lane


def _fmt(seconds: float) -> str:
    return f"{seconds:,.0f}"


def decide_lane(
    estimate_s: float,
    windows: Iterable[Window],
    *,
    relaxed_multiplier: float,
    requested: Lane = Lane.FAST,
) -> QuotaDecision:
    """Fast if every window has room, relaxed past a fast quota, refused past the relaxed cap."""
    lane = requested
    notice = None
    for window in windows:
        if window.limit is None:
            continue
        hard = window.limit * relaxed_multiplier
        if window.charged + estimate_s > hard + 1e-9:
            raise LimitReached(
                f"quota.exceeded_{window.scope}_{window.period}",
                needed=_fmt(estimate_s),
                remaining=_fmt(max(0.0, hard - window.charged)),
                limit=_fmt(hard),
                resets=window.resets_at.strftime("%Y-%m-%d %H:%M UTC"),
            )
        if window.charged + estimate_s > window.limit + 1e-9 and lane is Lane.FAST:
            lane, notice = Lane.RELAXED, "quota.relaxed_notice"
    return QuotaDecision(lane=lane, estimate_s=estimate_s, notice_key=notice)


# --- reading the database -------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    user: dict[Period, float | None]
    community: dict[Period, float | None]


def effective_limits(settings: Settings, community: CommunitySettings | None) -> Limits:
    """Operator defaults, replaced by a community's overrides where it set them."""
    q = settings.quotas
    user: dict[Period, float | None] = {"daily": q.user.daily_gpu_s, "monthly": q.user.monthly_gpu_s}
    comm: dict[Period, float | None] = {
        "daily": q.community.daily_gpu_s,
        "monthly": q.community.monthly_gpu_s,
    }
    if community is not None:
        for period, value in (
            ("daily", community.user_daily_gpu_seconds),
            ("monthly", community.user_monthly_gpu_seconds),
        ):
            if value is not None:
                user[period] = value  # type: ignore[index]
        for period, value in (
            ("daily", community.daily_gpu_seconds),
            ("monthly", community.monthly_gpu_seconds),
        ):
            if value is not None:
                comm[period] = value  # type: ignore[index]
    return Limits(user=user, community=comm)


def _reserved(
    session: Session,
    settings: Settings,
    since: datetime,
    *,
    user_id: uuid.UUID | None,
    platform: Platform | None,
    community_id: str | None,
    estimator: Callable[[GenerationRequest], float],
    exclude: Collection[uuid.UUID] = (),
) -> float:
    from sqlmodel import col, select

    from reelbot.storage.models import Job

    statement = select(Job.request_json).where(
        col(Job.created_at) >= since,
        col(Job.state).in_([JobState.QUEUED, JobState.RUNNING]),
        col(Job.gpu_seconds).is_(None),
    )
    if user_id is not None:
        statement = statement.where(col(Job.user_id) == user_id)
    if community_id is not None:
        statement = statement.where(col(Job.platform) == platform, col(Job.guild_id) == community_id)
    if exclude:  # jobs whose estimate the limit ledger holds (reelbot.app.limits)
        statement = statement.where(col(Job.id).not_in(list(exclude)))
    total = 0.0
    for raw in session.exec(statement):
        request = (
            GenerationRequest.model_validate_json(raw)
            if isinstance(raw, str | bytes)
            else GenerationRequest.model_validate(raw)
        )
        try:
            total += estimator(request)
        except Exception:  # a stored job whose preset vanished still costs something
            total += VANISHED_PRESET_S
    return total


def quota_windows(
    session: Session,
    settings: Settings,
    origin: Origin,
    *,
    community: CommunitySettings | None = None,
    now: datetime | None = None,
    estimator: Callable[[GenerationRequest], float] | None = None,
    exclude: Collection[uuid.UUID] = (),
) -> list[Window]:
    """The windows that apply to a request from ``origin`` (user ones, plus community ones in a group).

    ``exclude``: jobs whose estimate is held elsewhere (the limit ledger's open reservations),
    left out of ``reserved`` so nothing is counted twice."""
    from reelbot.storage.usage import gpu_seconds_since
    from reelbot.storage.users import find_user

    now = now or datetime.now(UTC)
    estimate = estimator or (lambda request: estimate_request(request, settings))
    limits = effective_limits(settings, community)
    user = find_user(session=session, platform=origin.platform, platform_user_id=origin.user_id)
    windows: list[Window] = []
    for period in PERIODS:
        start, end = window_bounds(period, now, settings.quotas.timezone)
        if user is not None:
            used = gpu_seconds_since(session=session, since=start, user_id=user.id)
            reserved = _reserved(
                session,
                settings,
                start,
                user_id=user.id,
                platform=None,
                community_id=None,
                estimator=estimate,
                exclude=exclude,
            )
        else:
            used = reserved = 0.0
        tasks, waiting = _task_charges(session, start, exclude, origin, "user")
        charged = (used + tasks, reserved + waiting, limits.user[period], tasks)
        windows.append(Window("user", period, start, end, *charged))
        if origin.guild_id is not None:
            used = gpu_seconds_since(
                session=session, since=start, platform=origin.platform, community_id=origin.guild_id
            )
            reserved = _reserved(
                session,
                settings,
                start,
                user_id=None,
                platform=origin.platform,
                community_id=origin.guild_id,
                estimator=estimate,
                exclude=exclude,
            )
            tasks, waiting = _task_charges(session, start, exclude, origin, "community")
            charged = (used + tasks, reserved + waiting, limits.community[period], tasks)
            windows.append(Window("community", period, start, end, *charged))
    return windows


def _task_charges(
    session: Session, since: datetime, exclude: Collection[uuid.UUID], origin: Origin, scope: Scope
) -> tuple[float, float]:
    """A scope's tasks in a window: measured ``run_s`` of the done ones, and the reserved
    estimates of those still waiting whose reservation the ledger does not hold (``exclude``).
    The person's by ``user_key``, not the user row: finishing a friend's clip needs no clip of
    one's own; the community's by platform + ``guild_id``."""
    from reelbot.storage import tasks as task_repo

    user_key = origin.user_key if scope == "user" else None
    platform = origin.platform if scope == "community" else None
    community_id = origin.guild_id if scope == "community" else None

    used = task_repo.task_seconds_since(
        session=session, since=since, user_key=user_key, platform=platform, community_id=community_id
    )
    waiting = task_repo.task_estimates_since(
        session=session,
        since=since,
        user_key=user_key,
        platform=platform,
        community_id=community_id,
        exclude=exclude,
    )
    return used, waiting


# --- usage report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """One window of ``/usage``: measured use, what is left, and what a clip costs."""

    scope: Scope
    period: Period
    used: float  # seconds measured: the stored Job.gpu_seconds sum + the done tasks' Task.run_s
    reserved: float  # estimated, for jobs and tasks still waiting or running
    limit: float | None
    remaining: float | None  # of the fast quota; None = unlimited
    est_gpu_s_per_clip: float
    est_cost_per_clip: float
    currency: str
    resets_at: datetime
    task_used: float = 0.0  # the part of ``used`` that finish and music tasks measured
    held: float = 0.0  # held for a Short asked for with its video (left out of ``remaining``)

    def render(self, locale: str | None = None) -> str:
        """The window's line; a person who finished or composed something is told how much
        of the total that was (the figure is in ``used`` either way), and one whose Short is
        waiting for its video how much is held for it."""
        line = self._line(locale)
        if self.task_used > 0:
            line += render("usage.tasks_part", locale, task_s=_fmt(self.task_used))  # its own spacing
        if self.held > 0:
            line += render("usage.held_part", locale, held_s=_fmt(self.held))
        return line

    def _line(self, locale: str | None) -> str:
        unlimited = render("usage.unlimited", locale)
        return render(
            f"usage.report_{self.scope}",
            locale,
            period=render(f"quota.period.{self.period}", locale),
            used=_fmt(self.used),
            limit=unlimited if self.limit is None else _fmt(self.limit),
            remaining=unlimited if self.remaining is None else _fmt(self.remaining),
            per_clip_s=_fmt(self.est_gpu_s_per_clip),
            cost=f"{self.est_cost_per_clip:.3f}",
            currency=self.currency,
        )


def typical_clip_seconds(
    session: Session, settings: Settings, *, user_id: uuid.UUID | None = None, recent: int = 20
) -> float:
    """Mean measured GPU-seconds of recent finished jobs (the user's, else anyone's); the
    model's estimate for a default clip when nothing was measured yet."""
    from sqlmodel import col, select

    from reelbot.storage.models import Job

    for who in ([user_id] if user_id is not None else []) + [None]:
        statement = select(Job.gpu_seconds).where(
            col(Job.gpu_seconds).is_not(None), Job.state == JobState.DONE
        )
        if who is not None:
            statement = statement.where(Job.user_id == who)
        values = [
            float(v) for v in session.exec(statement.order_by(col(Job.created_at).desc()).limit(recent))
        ]
        if values:
            return sum(values) / len(values)
    probe = GenerationRequest(prompt="probe", origin=Origin(platform=Platform.CLI, user_id="probe"))
    return estimate_request(probe, settings)


def usage_for(
    session: Session,
    settings: Settings,
    origin: Origin,
    *,
    community: CommunitySettings | None = None,
    now: datetime | None = None,
    held: Mapping[tuple[str, str], float] | None = None,
) -> list[Usage]:
    """``/usage`` / ``用量``: every quota window for this person (and their community);
    ``held``: (scope, period) → seconds the ledger holds for Shorts still waiting for their
    video (:func:`reelbot.app.plan_holds.held_shares`; no row counts them)."""
    from reelbot.storage.users import find_user

    user = find_user(session=session, platform=origin.platform, platform_user_id=origin.user_id)
    per_clip = typical_clip_seconds(session, settings, user_id=user.id if user else None)
    price = settings.quotas.price_per_gpu_hour
    out = []
    for window in quota_windows(session, settings, origin, community=community, now=now):
        held_s = (held or {}).get((window.scope, window.period), 0.0)
        spent = window.used + window.reserved + held_s
        remaining = None if window.limit is None else max(0.0, window.limit - spent)
        out.append(
            Usage(
                scope=window.scope,
                period=window.period,
                used=window.used,
                reserved=window.reserved,
                limit=window.limit,
                remaining=remaining,
                est_gpu_s_per_clip=per_clip,
                est_cost_per_clip=per_clip / 3600.0 * price,
                currency=settings.quotas.currency,
                resets_at=window.resets_at,
                task_used=window.task_used,
                held=held_s,
            )
        )
    return out


def usage_text(usages: Sequence[Usage], locale: str | None = None) -> str:
    """The ``/usage`` / ``用量`` reply: one line per window, the person's own first."""
    order = {
        ("user", "daily"): 0,
        ("user", "monthly"): 1,
        ("community", "daily"): 2,
        ("community", "monthly"): 3,
    }
    return "\n".join(u.render(locale) for u in sorted(usages, key=lambda u: order[u.scope, u.period]))
