"""The ``noop`` preset: no model, frames drawn with numpy — for queue and scale-out benchmarks.

Why: ``bench/scaleout.py`` measures the plumbing (claim, database, encode, store, ack,
events) across worker processes; a diffusion model would make the numbers about the CPU.
Each denoising "step" sleeps ``REELBOT_NOOP_STEP_S`` seconds (default 0.05), standing in
for GPU time that leaves the CPU idle, so throughput can scale with workers even on a
2-core machine. The step callback runs as usual (progress events, cancellation).

Not part of the catalogue: the preset exists only in processes that import this module
(the benchmark does), so users never see it.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from reelbot.domain.errors import ReelbotError
from reelbot.domain.presets import CostProfile
from reelbot.generator.presets import Engine, LoadContext, Preset, RenderJob, StepCallback, register_preset

if TYPE_CHECKING:
    import numpy as np

NOOP = Preset(
    name="noop",
    title="No-op (benchmarks only)",
    group="noop",
    model_id=None,
    roles=frozenset(),
    base_size=(128, 64),
    default_fps=8,
    default_seconds=1.0,
    max_seconds_per_pass=10.0,
    default_steps=4,
    default_guidance=1.0,
    # Each step sleeps REELBOT_NOOP_STEP_S (0.05 s by default): about that per pass.
    cost=CostProfile(overhead_s=0.01, per_token_step_s=0.0, per_token2_step_s=0.0, per_pixel_frame_s=0.0),
    needs_gpu=False,
    notes="Draws a moving gradient without a model; each step sleeps REELBOT_NOOP_STEP_S.",
)


class NoopEngine:
    """Renders a deterministic gradient whose phase depends on the seed and frame index."""

    def __init__(self, step_s: float) -> None:
        self.step_s = step_s

    def render(self, job: RenderJob, on_step: StepCallback) -> np.ndarray:
        import numpy as np

        for step in range(1, job.steps + 1):
            if self.step_s:
                time.sleep(self.step_s)
            if not on_step(step, job.steps):
                raise ReelbotError("job.interrupted")
        x = np.linspace(0, 255, job.width, dtype=np.float32)[None, None, :]
        t = np.arange(job.num_frames, dtype=np.float32)[:, None, None] * 8 + job.seed % 256
        y = np.linspace(0, 255, job.height, dtype=np.float32)[None, :, None]
        shape = (job.num_frames, job.height, job.width)
        channels = [(x + t) % 256, (y + t) % 256, (x + y) / 2]
        return np.stack([np.broadcast_to(c, shape) for c in channels], axis=-1).astype(np.uint8)


@register_preset(NOOP)
def load_noop(ctx: LoadContext) -> Engine:
    return NoopEngine(float(os.environ.get("REELBOT_NOOP_STEP_S", "0.05")))
