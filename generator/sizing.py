"""From a plan to the engine's input. The plan itself (sizes, frames, steps, speed mode) is pure
arithmetic in :mod:`reelbot.domain.presets.sizing`, re-exported here for the generator."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from reelbot.domain.presets.sizing import (
    RenderPlan,
    frame_count,
    frame_size,
    plan_render,
    round_to_multiple,
)
from reelbot.domain.types import GenerationRequest, ReferenceRole
from reelbot.generator.presets import RenderJob

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

__all__ = ["RenderPlan", "frame_count", "frame_size", "plan_render", "render_job", "round_to_multiple"]


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
        speed=plan.speed,
    )
