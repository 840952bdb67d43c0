"""GPU-seconds per clip, refit from what finished jobs measured (the ack's cost, the wait).

A preset's static :class:`~reelbot.domain.presets.CostProfile` knows how a clip's cost
*scales* (tokens × passes, attention's tokens², VAE pixels × frames) but guesses its *scale*
from the model's size at an assumed 40 % of an H100. The machines that really serve differ,
so the scale is measured instead: for each preset and speed mode, every recent finished job
(its stored ``Job.gpu_seconds``, the worker's wall seconds on the device) gives one ratio
measured ÷ profile for its own size and frames, and the **median** of the last ``last_n``
ratios is the scale. An estimate is then ``profile(size, frames, passes) × scale``: a 2-second
clip after twenty 1-second ones is priced by the profile's shape, at the measured speed.

With fewer than ``min_samples`` measurements for a preset and mode the profile alone is used,
and every figure says which (``source``: ``measured`` | ``profile``). The refit reads up to
``max_rows`` rows and is cached for ``ttl_s`` in the process: an acknowledgement never waits
for it more than once a minute.

Size and frames of a measured job come from its stored recipe, planned again; its mode and
its counted steps and transformer passes from the render report the worker stored with it
(``Job.render_report``; jobs finished before reports were kept are planned with today's
settings). Jobs whose preset or recipe no longer plans are skipped.

Worker tasks (finish, music) are refit by the same rule (:func:`refit_tasks`, sharing
:func:`median_scale`): each done task's measured ``Task.run_s`` ÷ its kind's profile
(:mod:`reelbot.app.task_costs`) for its own length is one ratio; the median of the newest
``last_n`` scales the profile once there are ``min_samples``. A finish profile has no fixed
part, so its measured figure per output second is exactly the median of ``run_s`` per second
of finished video.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from reelbot.app.task_costs import task_profiles, task_units
from reelbot.domain.errors import ReelbotError
from reelbot.domain.presets import PRESETS, plan_render, route_request
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest

Source = Literal["measured", "profile"]

#: Defaults: enough renders for a median to mean something, few enough to follow a change.
LAST_N = 50
MIN_SAMPLES = 3
TTL_S = 60.0
MAX_ROWS = 2000


@dataclass(frozen=True)
class ProfileCost:
    """What the static profile says one request costs, and where it files (preset, mode)."""

    preset: str
    mode: str
    seconds: float


def profile_cost(
    request: GenerationRequest, settings: Settings, report: Mapping[str, Any] | None = None
) -> ProfileCost:
    """The request's preset and speed mode as the worker will run them, priced by the profile
    (the same routing and plan as the quota's estimate).

    With the worker's ``report`` of a finished render, its mode and its *counted* steps and
    transformer passes replace the planned ones: what really ran is what was measured.
    """
    from reelbot.app.safety.costs import estimate_gpu_seconds

    preset = route_request(request, settings)
    plan = plan_render(
        request, preset, settings.limits, seed=request.seed or 0, default_speed=settings.engine.speed
    )
    mode, steps = str(plan.speed), plan.steps
    passes = preset.modes[plan.speed].passes(
        plan.steps, plan.guidance, mitigate=settings.engine.motion_mitigation
    )
    if report:
        mode = str(report.get("mode") or mode)
        steps = int(report.get("steps") or steps)
        passes = int(report.get("passes") or passes)
    seconds = estimate_gpu_seconds(
        preset, width=plan.width, height=plan.height, num_frames=plan.num_frames, steps=steps, passes=passes
    )
    return ProfileCost(preset.name, mode, seconds)


@dataclass(frozen=True)
class Fit:
    """One row of the refit table: a preset in one speed mode."""

    preset: str
    mode: str
    samples: int  # measured renders used (the newest, at most ``last_n``)
    median_s: float | None  # median measured GPU-seconds per clip (None: none measured)
    scale: float  # median of measured ÷ profile; 1.0 while the profile is used
    source: Source


@dataclass(frozen=True)
class Estimate:
    """GPU-seconds for one clip and what they rest on."""

    seconds: float
    source: Source
    samples: int


@dataclass(frozen=True)
class TaskFit:
    """One task kind's row: its profile scaled by what its done tasks measured."""

    kind: str
    unit: str  # what one unit is: ``output_s`` (finished video), ``track_s`` (music)
    samples: int  # measured tasks used (the newest, at most ``last_n``)
    fixed_s: float  # the profile's fixed part × scale
    per_unit_s: float  # the profile's seconds per unit × scale: what a unit is charged
    median_s_per_unit: float | None  # median measured run_s ÷ units (None: none measured)
    scale: float  # median of measured ÷ profile; 1.0 while the profile is used
    source: Source

    def seconds(self, units: float) -> float:
        return self.fixed_s + self.per_unit_s * max(0.0, units)


@dataclass(frozen=True)
class EstimateTable:
    """Every (preset, mode) that has measurements, and how a request is priced from them;
    and every charged task kind (``tasks``: measured or its profile)."""

    fits: dict[tuple[str, str], Fit] = field(default_factory=dict)
    min_samples: int = MIN_SAMPLES
    tasks: dict[str, TaskFit] = field(default_factory=dict)

    def task_fit(self, kind: str) -> TaskFit:
        """A task kind's figure (its profile when the table has none for it); KeyError for a
        kind that is not charged."""
        return self.tasks.get(kind) or refit_tasks((), min_samples=self.min_samples)[kind]

    def estimate_task(self, kind: str, units: float) -> Estimate:
        """Seconds of one ``kind`` task of ``units`` (seconds of output), and what they rest on."""
        fit = self.task_fit(kind)
        return Estimate(fit.seconds(units), fit.source, fit.samples)

    def task_rows(self) -> list[TaskFit]:
        """Every charged task kind, for operators."""
        return [self.task_fit(kind) for kind in sorted(task_profiles())]

    def fit_for(self, preset: str, mode: str) -> Fit:
        fit = self.fits.get((preset, mode))
        if fit is None:
            return Fit(preset, mode, 0, None, 1.0, "profile")
        return fit

    def estimate(self, request: GenerationRequest, settings: Settings) -> Estimate:
        """Profile × measured scale (or the profile alone); raises what planning raises."""
        cost = profile_cost(request, settings)
        fit = self.fit_for(cost.preset, cost.mode)
        return Estimate(cost.seconds * fit.scale, fit.source, fit.samples)

    def rows(self) -> list[Fit]:
        """Every registered preset × mode (measured where the data allow), for operators."""
        rows = [
            self.fit_for(name, str(mode)) for name, spec in sorted(PRESETS.items()) for mode in spec.modes
        ]
        known = {(row.preset, row.mode) for row in rows}
        rows += [fit for key, fit in sorted(self.fits.items()) if key not in known]  # a vanished preset
        return rows


def refit(
    renders: Iterable[Any],
    settings: Settings,
    *,
    last_n: int = LAST_N,
    min_samples: int = MIN_SAMPLES,
) -> EstimateTable:
    """The table from measured renders, newest first (``storage.workload.MeasuredRender``s:
    ``request_json`` and ``gpu_seconds``); the newest ``last_n`` per (preset, mode) count."""
    ratios: dict[tuple[str, str], list[float]] = {}
    seconds: dict[tuple[str, str], list[float]] = {}
    for render in renders:
        try:
            request = GenerationRequest.model_validate_json(render.request_json)
            cost = profile_cost(request, settings, getattr(render, "report", None))
        except (ReelbotError, ValueError, TypeError):
            continue  # its preset vanished or its recipe no longer plans: no evidence
        key = (cost.preset, cost.mode)
        if len(ratios.setdefault(key, [])) >= last_n or cost.seconds <= 0 or render.gpu_seconds <= 0:
            continue
        ratios[key].append(render.gpu_seconds / cost.seconds)
        seconds.setdefault(key, []).append(render.gpu_seconds)
    fits: dict[tuple[str, str], Fit] = {}
    for key, values in ratios.items():
        if not values:
            continue
        scale, source = median_scale(values, min_samples)
        fits[key] = Fit(
            preset=key[0],
            mode=key[1],
            samples=len(values),
            median_s=statistics.median(seconds[key]),
            scale=scale,
            source=source,
        )
    return EstimateTable(fits, min_samples)


def median_scale(ratios: list[float], min_samples: int) -> tuple[float, Source]:
    """The scale a profile is multiplied by: the median of measured ÷ profile once there are
    ``min_samples`` ratios (``measured``), else 1.0 (``profile``). Clips and tasks alike."""
    if len(ratios) >= min_samples:
        return statistics.median(ratios), "measured"
    return 1.0, "profile"


def refit_tasks(
    measured: Iterable[Any], *, last_n: int = LAST_N, min_samples: int = MIN_SAMPLES
) -> dict[str, TaskFit]:
    """Every charged task kind's figure from its done tasks (``storage.tasks.MeasuredTask``s,
    newest first: ``kind``, ``payload``, ``result``, ``run_s``); the newest ``last_n`` count.
    A task whose length is not stored, or that measured nothing, is no evidence."""
    profiles = task_profiles()
    ratios: dict[str, list[float]] = {kind: [] for kind in profiles}
    per_unit: dict[str, list[float]] = {kind: [] for kind in profiles}
    for task in measured:
        profile = profiles.get(task.kind)
        units = task_units(task.kind, task.payload, task.result)
        if profile is None or units is None or task.run_s <= 0 or len(ratios[task.kind]) >= last_n:
            continue
        ratios[task.kind].append(task.run_s / profile.seconds(units))
        per_unit[task.kind].append(task.run_s / units)
    out: dict[str, TaskFit] = {}
    for kind, profile in profiles.items():
        scale, source = median_scale(ratios[kind], min_samples)
        out[kind] = TaskFit(
            kind=kind,
            unit=profile.unit,
            samples=len(ratios[kind]),
            fixed_s=profile.fixed_s * scale,
            per_unit_s=profile.per_unit_s * scale,
            median_s_per_unit=statistics.median(per_unit[kind]) if per_unit[kind] else None,
            scale=scale,
            source=source,
        )
    return out


class Estimator:
    """The refit table of one deployment, read from its database and cached for ``ttl_s``.

    ``clock`` is injectable so a test can move time instead of sleeping through the TTL.
    """

    def __init__(
        self,
        settings: Settings,
        db: Any,
        *,
        last_n: int = LAST_N,
        min_samples: int = MIN_SAMPLES,
        ttl_s: float = TTL_S,
        max_rows: int = MAX_ROWS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.db = db
        self.last_n, self.min_samples, self.ttl_s, self.max_rows = last_n, min_samples, ttl_s, max_rows
        self.clock = clock
        self._table: EstimateTable | None = None
        self._at = float("-inf")
        self._lock = asyncio.Lock()
        self.refits = 0  # how often the database was read (tests, logs)

    async def table(self) -> EstimateTable:
        """The cached table; one refit at a time, however many acks ask at once."""
        if self._table is not None and self.clock() - self._at < self.ttl_s:
            return self._table
        async with self._lock:
            if self._table is None or self.clock() - self._at >= self.ttl_s:
                self._table = await asyncio.to_thread(self._refit)
                self._at = self.clock()
                self.refits += 1
            return self._table

    def _refit(self) -> EstimateTable:
        from reelbot.storage.db import session_scope
        from reelbot.storage.tasks import recent_measured_tasks
        from reelbot.storage.workload import recent_measured_renders

        with session_scope(self.db) as session:
            renders = recent_measured_renders(session=session, limit=self.max_rows)
            tasks = recent_measured_tasks(session=session, kinds=task_profiles(), limit=self.last_n)
        table = refit(renders, self.settings, last_n=self.last_n, min_samples=self.min_samples)
        fitted = refit_tasks(tasks, last_n=self.last_n, min_samples=self.min_samples)
        return EstimateTable(table.fits, table.min_samples, fitted)

    def invalidate(self) -> None:
        """Forget the cached table (the next question refits)."""
        self._table = None

    async def estimate(self, request: GenerationRequest) -> Estimate:
        """GPU-seconds for ``request`` from the (cached) table."""
        table = await self.table()
        return table.estimate(request, self.settings)

    async def estimate_task(self, kind: str, units: float) -> Estimate:
        """Seconds for one ``kind`` task of ``units`` seconds of output, from the (cached) table."""
        table = await self.table()
        return table.estimate_task(kind, units)
