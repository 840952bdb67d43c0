"""What a clip costs in GPU-seconds: the estimate before queueing and its calibration.

Kept apart from the quota windows (:mod:`reelbot.app.safety.quotas`) because the estimate
is pure arithmetic on a preset spec and a render plan — the worker's estimates, the fleet
simulator and the gate all need it without the SQL of the windows. A diffusion
transformer's step costs ``2·P·T`` (weights) plus ``4·L·D·T²`` (attention) FLOPs per pass
for ``T`` latent tokens, twice with classifier-free guidance; the VAE decode scales with
output pixels × frames. :class:`CostProfile` holds those coefficients in seconds and
:func:`fit_profile` re-fits them from measured jobs (``Job.gpu_seconds``) by least squares.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reelbot.domain.presets import CostProfile, PresetSpec, plan_render, route_request
from reelbot.domain.types import GenerationRequest

if TYPE_CHECKING:
    from reelbot.domain.settings import Settings


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
    preset = route_request(request, settings)
    plan = plan_render(
        request, preset, settings.limits, seed=request.seed or 0, default_speed=settings.engine.speed
    )
    passes = preset.modes[plan.speed].passes(
        plan.steps, plan.guidance, mitigate=settings.engine.motion_mitigation
    )
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
