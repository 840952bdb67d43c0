"""A worker's cold start, measured, and the warm-up that ends it before the first claim.

Why: a worker scaled up from zero would otherwise pay the imports, the weight load and the
first-step costs (kernel selection, ``torch.compile``, allocator growth, cuDNN autotune) on
the first creator's job. Instead it loads its preset and runs one 1-step render of the
preset's default shape *before* it reports ready (``/readyz``) and before it claims, so the
scaler's "ready" means "renders at full speed now".

The phases are marked as seconds since the process started (read from ``/proc`` on Linux, so
the interpreter's own start-up and the CLI's imports count too):

``imports`` (torch, diffusers and the generator importable) → ``weights`` (the preset's
engine loaded) → ``warmup`` (one 1-step render done, the draft LoRA loaded beside it, the
other served presets' LoRA files looked at) →
``ready`` (Redis groups, sweeps and the queue reconcile done; the next step is the first claim).
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from reelbot.domain.errors import ReelbotError
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, Origin, Platform, SpeedMode
from reelbot.generator.cache import EngineCache
from reelbot.generator.presets import Preset, RenderJob, render_job
from reelbot.generator.runner import plan_for, render_counted
from reelbot.generator.speed.modes import control_for, engine_pipelines
from reelbot.generator.worker.mode_marks import AdapterLoad, failed_load, looked_at, record
from reelbot.queue.streams import JobQueue

log = logging.getLogger(__name__)

#: The phases in order; the metric's ``phase`` label takes these values.
PHASES = ("imports", "weights", "warmup", "ready")
_IMPORTED_AT = time.monotonic()  # fallback "process start" where /proc cannot tell
WARM_UP_ORIGIN = Origin(platform=Platform.CLI, user_id="warm-up")


def process_started_monotonic() -> float:
    """When this process started, on the ``time.monotonic()`` clock.

    Linux: ``/proc/self/stat`` gives the start in clock ticks since boot, ``/proc/uptime`` the
    time since boot now (both 10 ms resolution). Elsewhere: when this module was imported.
    """
    try:
        stat = Path("/proc/self/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()  # the command name may hold spaces
        started_ticks = int(fields[19])  # field 22 of the whole line
        uptime_s = float(Path("/proc/uptime").read_text().split()[0])
        age_s = uptime_s - started_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return _IMPORTED_AT
    return time.monotonic() - max(0.0, age_s)


@dataclass
class ColdStart:
    """Seconds from process start to the end of each phase (cumulative), for one preset."""

    preset: str = ""
    started: float = field(default_factory=process_started_monotonic)
    marks: dict[str, float] = field(default_factory=dict)

    def mark(self, phase: str) -> None:
        self.marks[phase] = round(time.monotonic() - self.started, 4)

    def durations(self) -> dict[str, float]:
        """Each phase's own length (phase end minus the previous phase's end)."""
        out: dict[str, float] = {}
        previous = 0.0
        for phase in PHASES:
            if phase in self.marks:
                out[phase] = round(self.marks[phase] - previous, 4)
                previous = self.marks[phase]
        return out

    def summary(self) -> str:
        """One log line's worth: ``ready 4.21 s after process start: imports 2.10 s, ...``."""
        parts = ", ".join(f"{phase} {seconds:.2f} s" for phase, seconds in self.durations().items())
        total = self.marks.get("ready", max(self.marks.values(), default=0.0))
        return f"ready {total:.2f} s after process start ({parts}; preset {self.preset})"


def warm_up(settings: Settings, cache: EngineCache, cold: ColdStart) -> list[AdapterLoad]:
    """Import, load the default preset and render one 1-step clip of its default shape
    (blocking: run it in a thread). Marks ``imports``, ``weights`` and ``warmup`` on ``cold``.

    The default shape, not the smallest: compiled kernels and autotuned convolutions are per
    shape, and the default request is what most jobs ask for. A compiled engine also renders
    once in each other mode its preset offers (:func:`_warm_render`). Returns how loading the draft
    adapter went (nothing: the preset has none) and the other served presets whose LoRA files
    are missing or unreadable, for the worker to tell the service (mode_marks): the first draft
    job of such a preset is refused up front instead of failing.
    """
    for module in ("torch", "diffusers"):
        importlib.import_module(module)  # already imported by the engine modules, or now
    cold.mark("imports")
    request = GenerationRequest(prompt="warm-up", seed=0, origin=WARM_UP_ORIGIN)
    preset, plan = plan_for(request, settings)
    cold.preset = preset.name
    engine = cache.get(preset)
    cold.mark("weights")
    adapter = _preload_draft(cache, preset)
    render_counted(cache, preset, dataclasses.replace(render_job(request, plan), steps=1), _go_on)
    if compiled(engine):
        for speed in [mode for mode in preset.modes if mode is not plan.speed]:
            _, mode_plan = plan_for(request.model_copy(update={"speed": speed}), settings)
            steps = COMPILED_WARM_UP_STEPS.get(speed, 1)
            _warm_render(cache, preset, dataclasses.replace(render_job(request, mode_plan), steps=steps))
    others = looked_at(cache.context, skip=preset.name)  # no load: a stat and a header each
    cold.mark("warmup")
    return [adapter, *others] if adapter is not None else others


#: Steps of a compiled engine's warm-up render per mode: the cache hook of balanced decides
#: from its second step on (its first always computes), so one step would trace only half of it.
COMPILED_WARM_UP_STEPS = {SpeedMode.BALANCED: 3}


def _go_on(_step: int, _total: int) -> bool:
    return True


def compiled(engine: object) -> bool:
    """The engine's blocks were compiled at load (``Tuning.compiled`` on its pipelines)."""
    tunings = [getattr(pipe, "reelbot_tuning", None) for pipe in engine_pipelines(engine)]
    return any(getattr(tuning, "compiled", False) for tuning in tunings)


def _warm_render(cache: EngineCache, preset: Preset, job: RenderJob) -> None:
    """A compiled engine's warm-up render in another mode than the default: Dynamo traces a graph
    per variant (the adapter's layers on in draft, the cache hook's branches in balanced), which
    the first job of that mode would otherwise pay. A mode that cannot run (its LoRA failed to
    load: logged above) is logged again and left; the others still serve."""
    try:
        render_counted(cache, preset, job, _go_on)
    except ReelbotError as exc:
        log.warning("warm-up of %s in %s skipped: %s", preset.name, job.speed.value, exc.render("en"))


async def warm_up_marked(queue: JobQueue, settings: Settings, cache: EngineCache, cold: ColdStart) -> None:
    """:func:`warm_up` off the event loop, then what it found told to the service (mode_marks)."""
    await record(queue, *await asyncio.to_thread(warm_up, settings, cache, cold))


def _preload_draft(cache: EngineCache, preset: Preset) -> AdapterLoad | None:
    """Kept warm with the engine: the first draft job loads (or downloads) no LoRA. Before the
    warm-up render, so a compiled engine re-traces with the adapter's layers here."""
    draft = preset.mode(SpeedMode.DRAFT)
    if draft is None or draft.lora is None:
        return None
    try:
        control_for(cache.get(preset), preset, cache.context).preload()
    except ReelbotError as exc:  # the other modes still serve; the service refuses draft now
        log.warning("draft mode of %s unavailable: %s", preset.name, exc.render("en"))
        return failed_load(exc, cache.context.cache_dir)
    return AdapterLoad(preset.name, SpeedMode.DRAFT.value)
