"""What Vary, motion strength and the camera presets *mean* to a model.

Re-roll, Vary and Remix are service-level recipes (docs/control.md); this module holds the
generator side of the two knobs a model cannot read from a recipe by itself:

* **Vary** (``RenderJob.variation``): same seed, a small change. The change is a seeded
  Gaussian perturbation of the prompt embeddings, scaled to the embeddings' own standard
  deviation, plus (for "strong") a small guidance shift. Same seed + same variation gives the
  same clip again; "subtle" stays close to the parent, "strong" wanders further. Working on
  embeddings rather than on words keeps it language-independent (zh-TW prompts too) and
  keeps the composition that the seed fixed.
* **Motion and camera** (``RenderJob.motion`` 0–1, ``RenderJob.camera``): both Wan and
  LTX-Video were trained on captions that describe movement, so the portable mapping is a
  prompt suffix. Presets with frame conditioning also loosen or tighten it with motion
  (see :func:`conditioning_scale_for_motion` and :func:`cond_noise_for_motion`).

Torch is imported inside the functions: the bots import this module for its tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from reelbot.domain.types import Camera, Variation

if TYPE_CHECKING:
    import torch

# Mixed into the job seed so the perturbation noise is independent of the latent noise that
# the same seed draws (otherwise "vary" would correlate with the clip's own noise).
VARY_SALT = 0x5EED_7A41


@dataclass(frozen=True)
class VariationSpec:
    """How far a Vary moves: noise std relative to the embeddings' std, and a guidance shift."""

    embed_noise: float
    guidance_shift: float


VARIATIONS: dict[Variation, VariationSpec] = {
    Variation.SUBTLE: VariationSpec(embed_noise=0.05, guidance_shift=0.0),
    Variation.STRONG: VariationSpec(embed_noise=0.20, guidance_shift=0.5),
}

# Phrases the video models respond to (their training captions use this vocabulary).
CAMERA_PHRASES: dict[Camera, str] = {
    Camera.STATIC: "static camera, locked-off tripod shot",
    Camera.PAN_LEFT: "the camera pans slowly to the left",
    Camera.PAN_RIGHT: "the camera pans slowly to the right",
    Camera.ZOOM_IN: "the camera slowly zooms in",
    Camera.ZOOM_OUT: "the camera slowly zooms out",
    Camera.ORBIT: "the camera orbits around the subject",
}

# motion ∈ [0, 1] → a phrase; the bands are documented in docs/control.md.
MOTION_BANDS: tuple[tuple[float, str], ...] = (
    (0.2, "almost still, minimal movement"),
    (0.45, "gentle, slow movement"),
    (0.75, "natural movement"),
    (1.0, "fast, dynamic, energetic movement"),
)


def motion_phrase(motion: float) -> str:
    """The phrase for a motion strength in [0, 1] (values outside are clamped)."""
    level = min(1.0, max(0.0, motion))
    for upper, phrase in MOTION_BANDS:
        if level <= upper:
            return phrase
    return MOTION_BANDS[-1][1]


def control_prompt(prompt: str, camera: Camera | None, motion: float | None) -> str:
    """``prompt`` with the camera and motion phrases appended (unchanged when both are None)."""
    parts = [prompt.strip()] if prompt.strip() else []
    if camera is not None:
        parts.append(CAMERA_PHRASES[camera])
    if motion is not None:
        parts.append(motion_phrase(motion))
    return ", ".join(parts)


def vary_guidance(guidance: float, variation: Variation | None) -> float:
    """Guidance for a Vary; guidance ≤ 1 means classifier-free guidance is off and stays off."""
    if variation is None or guidance <= 1.0:
        return guidance
    return guidance + VARIATIONS[variation].guidance_shift


def vary_prompt_embeds(
    embeds: torch.Tensor, variation: Variation | None, seed: int, *, salt: int = 0
) -> torch.Tensor:
    """Add seeded noise of ``VARIATIONS[variation].embed_noise`` × std(embeds) to ``embeds``.

    Deterministic in (seed, salt): a Vary renders the same clip every time it is replayed.
    ``salt`` lets a caller vary a vary (e.g. the lineage depth) without changing the seed.
    """
    if variation is None:
        return embeds
    import torch

    spec = VARIATIONS[variation]
    generator = torch.Generator(device="cpu").manual_seed((seed ^ VARY_SALT) + salt)
    noise = torch.randn(embeds.shape, generator=generator, dtype=torch.float32)
    scale = spec.embed_noise * float(embeds.float().std())
    return (embeds.float() + scale * noise.to(embeds.device)).to(embeds.dtype)


def conditioning_scale_for_motion(motion: float | None) -> float:
    """Wan VACE ``conditioning_scale``: more motion → looser hold on the given frames (1.0 → 0.7)."""
    if motion is None:
        return 1.0
    return 1.0 - 0.3 * min(1.0, max(0.0, motion))


def cond_noise_for_motion(motion: float | None) -> float:
    """LTX-Video ``image_cond_noise_scale``: more motion → noisier keyframes (0.15 default, up to 0.35)."""
    if motion is None:
        return 0.15
    return 0.05 + 0.3 * min(1.0, max(0.0, motion))
