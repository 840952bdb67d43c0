"""GPU-second quotas, the fast/relaxed lanes, and what a clip costs.

Three pieces:

* **Estimate** (:func:`estimate_gpu_seconds`): before a job is queued we predict its GPU
  time from the preset and the render plan. A diffusion transformer's step costs
  ``2·P·T`` (weights) plus ``4·L·D·T²`` (attention) FLOPs per pass for ``T`` latent tokens,
  twice with classifier-free guidance; the VAE decode scales with output pixels × frames.
  :class:`CostProfile` holds those coefficients in seconds; the shipped profiles come from
  the model sizes at an assumed 40 % of an H100's bf16 peak, and :func:`fit_profile`
  re-fits them from measured jobs (``Job.gpu_seconds``) by least squares.
* **Decision** (:func:`decide_lane`): each quota window (user/community × day/month) is
  charged with what its jobs *measured* plus the *estimate* of jobs still queued or running
  (else ten quick submissions would all pass). Within the quota → fast lane; past it, up
  to ``relaxed_multiplier`` × quota → relaxed lane (runs only when fast is empty); beyond
  that → refused before anything is stored (``LimitReached``).
* **Usage** (:func:`usage_for`): the numbers behind ``/usage`` and ``用量``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from reelbot.domain.errors import LimitReached
from reelbot.domain.messages import render
from reelbot.domain.presets import CostProfile, PresetSpec, plan_render, route_preset
from reelbot.domain.presets.spec import H100_BF16_EFFECTIVE, transformer_profile  # noqa: F401 - re-exported
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


def latent_tokens(preset: PresetSpec, *, width: int, height: int, num_frames: int) -> int:
    """Transformer tokens: the VAE+patch compress space by ``size_multiple`` and time by ``frame_step``."""
    frames = (max(1, num_frames) - 1) // preset.frame_step + 1
    return frames * max(1, height // preset.size_multiple) * max(1, width // preset.size_multiple)


def estimate_gpu_seconds(
    preset: PresetSpec,
    *,
    width: int,
    height: int,
    num_frames: int,
    steps: int,
    passes: int | None = None,
    profile: CostProfile | None = None,
) -> float:
    """Predicted GPU-seconds of one render of ``preset`` at this size.

    ``passes`` are transformer passes (the speed mode's: a CFG step is two, a distilled step
    one); default ``2·steps``, quality with guidance. The profile is the spec's own.
    """
    profile = profile or preset.cost
    tokens = latent_tokens(preset, width=width, height=height, num_frames=num_frames)
    runs = 2 * steps if passes is None else passes
    return profile.seconds(tokens=tokens, steps=runs, pixel_frames=width * height * num_frames)


def estimate_request(request: GenerationRequest, settings: Settings) -> float:
    """The estimate for a stored or incoming request (routes the preset and plans its size)."""
    preset = route_preset(request.preset, request.roles(), settings)
    plan = plan_render(
        request, preset, settings.limits, seed=request.seed or 0, default_speed=settings.engine.speed
    )
    passes = preset.modes[plan.speed].passes(plan.steps, plan.guidance)
    size = {"width": plan.width, "height": plan.height, "num_frames": plan.num_frames}
    return estimate_gpu_seconds(preset, **size, steps=plan.steps, passes=passes)


@dataclass(frozen=True)
class Sample:
    """One measured render, for calibration."""

    tokens: int
    steps: int
    pixel_frames: int
    gpu_seconds: float


def fit_profile(samples: Sequence[Sample]) -> CostProfile:
    """Least-squares fit of a :class:`CostProfile` to measured renders (coefficients ≥ 0).

    A coefficient that would come out negative is dropped and the rest re-fitted (a small
    active-set loop), so the model never predicts less time for a bigger render.
    """
    import numpy as np

    if len(samples) < 2:
        raise ValueError("need at least two measured renders to fit a cost profile")
    columns = np.array(
        [[1.0, s.steps * s.tokens, s.steps * float(s.tokens) ** 2, float(s.pixel_frames)] for s in samples]
    )
    target = np.array([s.gpu_seconds for s in samples])
    scale = np.maximum(np.abs(columns).max(axis=0), 1e-12)
    active = [i for i in range(4) if np.any(columns[:, i])]
    coef = np.zeros(4)
    while active:
        solution, *_ = np.linalg.lstsq(columns[:, active] / scale[active], target, rcond=None)
        if (solution >= 0).all():
            coef[:] = 0
            coef[active] = solution / scale[active]
            break
        active.pop(int(np.argmin(solution)))
    return CostProfile(*(float(c) for c in coef))


# --- windows and the lane decision ---------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """One quota window: who (scope), which period, how much is used and allowed."""

    scope: Scope
    period: Period
    start: datetime
    resets_at: datetime
    used: float  # measured GPU-seconds of jobs asked for in the window
    reserved: float  # estimates of its jobs still queued or running
    limit: float | None  # the fast quota; None = unlimited

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
        windows.append(Window("user", period, start, end, used, reserved, limits.user[period]))
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
            windows.append(Window("community", period, start, end, used, reserved, limits.community[period]))
    return windows


# --- usage report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """One window of ``/usage``: measured use, what is left, and what a clip costs."""

    scope: Scope
    period: Period
    used: float  # GPU-seconds measured (exactly the stored Job.gpu_seconds sum)
    reserved: float  # estimated, for jobs still waiting or running
    limit: float | None
    remaining: float | None  # of the fast quota; None = unlimited
    est_gpu_s_per_clip: float
    est_cost_per_clip: float
    currency: str
    resets_at: datetime

    def render(self, locale: str | None = None) -> str:
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
) -> list[Usage]:
    """``/usage`` / ``用量``: every quota window for this person (and their community)."""
    from reelbot.storage.users import find_user

    user = find_user(session=session, platform=origin.platform, platform_user_id=origin.user_id)
    per_clip = typical_clip_seconds(session, settings, user_id=user.id if user else None)
    price = settings.quotas.price_per_gpu_hour
    out = []
    for window in quota_windows(session, settings, origin, community=community, now=now):
        remaining = None if window.limit is None else max(0.0, window.limit - window.used - window.reserved)
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
