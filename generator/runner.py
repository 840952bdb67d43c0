"""Turn one stored request into frames: route the preset, size the clip, load references,
run the engine. Shared by the queue worker and ``reelbot generate`` so both take exactly
the same code path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reelbot.domain.presets import RenderPlan, plan_render, route_request
from reelbot.domain.reports import RenderReport
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, ReferenceRole
from reelbot.generator.cache import EngineCache
from reelbot.generator.clip_audio import ClipAudio
from reelbot.generator.presets import Preset, RenderJob, StepCallback, render_job
from reelbot.generator.speed.modes import control_for

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image


@dataclass(frozen=True)
class Rendered:
    frames: np.ndarray  # uint8 [F, H, W, 3]
    plan: RenderPlan
    preset: Preset
    # What the render really cost (mode, counted passes, GPU-seconds); stored with the clip.
    report: RenderReport | None = None
    # The model's own sound (LTX-2); None for silent presets. The encoder muxes it as AAC.
    audio: ClipAudio | None = None


def plan_for(request: GenerationRequest, settings: Settings) -> tuple[Preset, RenderPlan]:
    """The preset (routed by the request's roles) and the validated sizes for ``request``."""
    preset = route_request(request, settings)
    seed = request.seed if request.seed is not None else 0
    speed = settings.engine.speed
    return preset, plan_render(request, preset, settings.limits, seed=seed, default_speed=speed)


def render_request(
    request: GenerationRequest,
    references: Mapping[ReferenceRole, Image.Image],
    *,
    settings: Settings,
    cache: EngineCache,
    on_step: StepCallback,
    context_frames: np.ndarray | None = None,
) -> Rendered:
    """Render ``request`` (blocking; run it in a thread from async code)."""
    preset, plan = plan_for(request, settings)
    if context_frames is not None:
        # A continuation must match its parent exactly, whatever the aspect rounding says.
        plan = plan.matching(height=int(context_frames.shape[1]), width=int(context_frames.shape[2]))
    job = render_job(request, plan, references, context_frames=context_frames)
    frames, audio, report = render_counted_av(
        cache, preset, job, on_step, mitigate=settings.engine.motion_mitigation
    )
    return Rendered(frames=frames, plan=plan, preset=preset, report=report, audio=audio)


def render_counted(
    cache: EngineCache, preset: Preset, job: RenderJob, on_step: StepCallback, *, mitigate: bool = False
) -> tuple[np.ndarray, RenderReport | None]:
    """Run ``job`` on the warm engine under its speed mode; the frames and the counted report.

    The one call the worker, ``reelbot generate`` and bench/gpu_bench.py share.
    """
    frames, _audio, report = render_counted_av(cache, preset, job, on_step, mitigate=mitigate)
    return frames, report


def render_counted_av(
    cache: EngineCache, preset: Preset, job: RenderJob, on_step: StepCallback, *, mitigate: bool = False
) -> tuple[np.ndarray, ClipAudio | None, RenderReport | None]:
    """:func:`render_counted` plus the model's audio: engines with sound (``render_av``, LTX-2)
    return it with the frames; every other engine renders frames only (audio None)."""
    engine = cache.get(preset)
    control = control_for(engine, preset, cache.context)
    job = control.job_for(job, mitigate)
    audio: ClipAudio | None = None
    with control.session(job, mitigate=mitigate) as session:
        render_av = getattr(engine, "render_av", None)
        if render_av is not None:
            frames, audio = render_av(job, on_step)
        else:
            frames = engine.render(job, on_step)
    return frames, audio, session.report
