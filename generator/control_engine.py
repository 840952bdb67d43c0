"""Plumbing shared by the engines (Wan, Wan VACE, LTX-Video condition, LTX-2): step callbacks,
the keywords every pipeline call takes from the job, Vary on prompt embeddings, and how a loop
is finished.

Why one place: each engine used to spell the same call out again (size, frames, steps, the
seed's CPU generator, the step callback; ``encode_prompt`` then the Vary noise), so a change to
one — a seed rule, a callback — could miss the others.

Loops. An engine that can pin frames makes a loop *natively*: the anchor frame (the
``first_frame`` reference) is pinned at frame 0 and again at the last frame, and the
duplicate last frame is dropped so that on repeat the anchor shows once
(``F − 1`` frames). Without an anchor (text only) or when a ``last_frame`` is also given,
the rendered clip is closed with :func:`reelbot.generator.stitch.crossfade_loop` instead.
Either way the seam is then measured (:func:`reelbot.generator.stitch.close_loop`): a model that
did not honour the pinned end frame still gets a crossfade, so every loop plays seamlessly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from reelbot.generator.motion import vary_prompt_embeds
from reelbot.generator.presets import RenderJob, StepCallback
from reelbot.generator.speed.callback import step_callback
from reelbot.generator.stitch import close_loop

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image


def interrupting_callback(on_step: StepCallback | None, total: int) -> Callable[..., dict[str, Any]]:
    """The shared ``callback_on_step_end`` (:func:`reelbot.generator.speed.callback.step_callback`):
    progress, cancellation through the pipeline's interrupt flag, the speed mode's step hooks."""
    return step_callback(on_step, total)


def job_call_kwargs(
    job: RenderJob, on_step: StepCallback | None, guidance: float, output_type: str, max_sequence_length: int
) -> dict[str, Any]:
    """The pipeline-call keywords every engine takes from ``job`` alike: its size, frame and step
    counts, ``guidance``, a CPU generator seeded with the job's seed (the same frames on any
    device), the shared step callback, ``output_type`` and the prompt length."""
    import torch

    return {
        "height": job.height,
        "width": job.width,
        "num_frames": job.num_frames,
        "num_inference_steps": job.steps,
        "guidance_scale": guidance,
        "generator": torch.Generator(device="cpu").manual_seed(job.seed),
        "output_type": output_type,
        "callback_on_step_end": interrupting_callback(on_step, job.steps),
        "max_sequence_length": max_sequence_length,
    }


def varied_prompt(
    pipe: Any, job: RenderJob, prompt: str, guidance: float, max_sequence_length: int
) -> tuple[Any, ...]:
    """``pipe.encode_prompt`` of ``prompt`` and the job's negative prompt, with the job's Vary
    noise on the prompt embeddings (the first item; a Vary nudges the meaning, not the words).

    The rest is what the pipeline returns after it: ``(negative,)`` for Wan and VACE,
    ``(mask, negative, negative_mask)`` for LTX-Video.
    """
    import torch

    with torch.no_grad():
        embeds, *rest = pipe.encode_prompt(
            prompt=prompt,
            negative_prompt=job.negative_prompt or "",
            do_classifier_free_guidance=guidance > 1.0,
            max_sequence_length=max_sequence_length,
            device=pipe._execution_device,
        )
    return (vary_prompt_embeds(embeds, job.variation, job.seed, salt=job.variation_salt), *rest)


def context_images(job: RenderJob, limit: int) -> list[Image.Image]:
    """The Extend context (the parent's last frames) as RGB images, at most ``limit`` of them."""
    from PIL import Image

    if job.context_frames is None or len(job.context_frames) == 0:
        return []
    frames = job.context_frames[-limit:]
    return [Image.fromarray(frame).convert("RGB") for frame in frames]


def finish_loop(frames: np.ndarray, job: RenderJob, *, native: bool) -> np.ndarray:
    """Apply the loop rule to rendered frames (a no-op for non-loop jobs)."""
    if not job.loop:
        return frames
    if native:
        # Frame F−1 was pinned to the same anchor as frame 0: drop it so the seam shows once.
        frames = frames[:-1]
    return close_loop(frames)
