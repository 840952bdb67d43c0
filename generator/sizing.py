"""From a request to exact numbers: width, height, frame count, fps, steps, guidance.

Models are strict about shapes (Wan: sides divisible by 16, frames 4k+1; LTX-Video: ÷32,
8k+1). The pipelines would silently round on their own; planning here instead means the
service can refuse a bad request before anything is queued, and the clip a person gets has
exactly the size and length the plan promised.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.settings import Limits
from reelbot.domain.types import Aspect, GenerationRequest, ReferenceRole
from reelbot.generator import messages as _messages  # noqa: F401 - registers request.seconds_needs_extend
from reelbot.generator.presets import Preset, RenderJob

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image


@dataclass(frozen=True)
class RenderPlan:
    """The numbers one pass renders with; ``seconds`` is what the frame count really lasts."""

    width: int
    height: int
    num_frames: int
    fps: int
    steps: int
    guidance: float
    seconds: float
    seed: int

    def matching(self, *, width: int, height: int) -> RenderPlan:
        """This plan at another frame size (an Extend must match its parent's pixels exactly)."""
        return replace(self, width=width, height=height)


def round_to_multiple(value: float, multiple: int) -> int:
    """Nearest multiple of ``multiple`` (at least one multiple)."""
    return max(multiple, round(value / multiple) * multiple)


def frame_size(aspect: Aspect, base_size: tuple[int, int], multiple: int) -> tuple[int, int]:
    """(width, height) for ``aspect`` from the preset's (long, short) base size.

    Portrait and landscape use the base size as is (short × long / long × short: the sizes
    the checkpoint was trained at, e.g. 480×832 for Wan 480p); a square keeps about the
    same pixel count (side = √(long·short)), so its render cost stays the same.
    """
    long_side, short_side = base_size
    ratio = aspect.ratio
    if math.isclose(ratio, 1.0):
        side = round_to_multiple(math.sqrt(long_side * short_side), multiple)
        return side, side
    long_px, short_px = round_to_multiple(long_side, multiple), round_to_multiple(short_side, multiple)
    return (short_px, long_px) if ratio < 1 else (long_px, short_px)


def frame_count(seconds: float, fps: int, frame_step: int) -> int:
    """seconds × fps rounded to the nearest ``frame_step·k + 1`` with k ≥ 1."""
    steps = max(1, round((seconds * fps - 1) / frame_step))
    return frame_step * steps + 1


def plan_render(request: GenerationRequest, preset: Preset, limits: Limits, *, seed: int) -> RenderPlan:
    """Size one pass of ``request`` on ``preset``, or raise InvalidRequest with the reason.

    Seconds and fps default to the preset's; both are checked against ``limits`` (keys
    request.seconds_invalid / request.fps_invalid). A duration beyond what the preset makes
    in one pass is refused with request.seconds_needs_extend, which points to Extend.
    """
    seconds = preset.default_seconds if request.seconds is None else request.seconds
    fps = preset.default_fps if request.fps is None else request.fps
    if not math.isfinite(seconds) or not limits.min_seconds <= seconds <= limits.max_seconds:
        raise InvalidRequest(
            "request.seconds_invalid", minimum=limits.min_seconds, maximum=limits.max_seconds, value=seconds
        )
    if not limits.min_fps <= fps <= limits.max_fps:
        raise InvalidRequest("request.fps_invalid", minimum=limits.min_fps, maximum=limits.max_fps, value=fps)
    if seconds > preset.max_seconds_per_pass:
        raise InvalidRequest(
            "request.seconds_needs_extend",
            preset=preset.name,
            maximum=preset.max_seconds_per_pass,
            value=seconds,
        )
    width, height = frame_size(request.aspect, preset.base_size, preset.size_multiple)
    num_frames = frame_count(seconds, fps, preset.frame_step)
    return RenderPlan(
        width=width,
        height=height,
        num_frames=num_frames,
        fps=fps,
        steps=preset.default_steps if request.steps is None else request.steps,
        guidance=preset.default_guidance if request.guidance is None else request.guidance,
        seconds=num_frames / fps,
        seed=seed,
    )


def render_job(
    request: GenerationRequest,
    plan: RenderPlan,
    references: Mapping[ReferenceRole, Image.Image] | None = None,
    *,
    context_frames: np.ndarray | None = None,
) -> RenderJob:
    """The engine's input for one pass: the request's texts and creative knobs, the plan's numbers.

    ``references`` are the decoded images by role (the engine fits them with
    :mod:`reelbot.generator.conditioning`); ``context_frames`` are the parent's last frames
    for an Extend.
    """
    return RenderJob(
        prompt=request.prompt,
        negative_prompt=request.negative_prompt,
        width=plan.width,
        height=plan.height,
        num_frames=plan.num_frames,
        fps=plan.fps,
        steps=plan.steps,
        guidance=plan.guidance,
        seed=plan.seed,
        references=dict(references or {}),
        context_frames=context_frames,
        variation=request.variation,
        variation_salt=request.variation_salt,
        motion=request.motion,
        camera=request.camera,
        loop=request.loop,
    )
