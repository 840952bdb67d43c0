"""Plumbing shared by the control engines (Wan VACE, LTX-Video condition): step callbacks,
Vary on prompt embeddings, and how a loop is finished.

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
