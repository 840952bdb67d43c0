"""Wan VACE presets (all four reference roles): ``tiny-vace``, built offline from tiny configs,
and ``wan-2.1-vace-1.3b``, the published 1.3B checkpoint (GPU), which share one engine.

Why VACE: one Wan model that takes *reference images* (keep this character, this look)
and *frames pinned by a mask* (first frame, last frame, both, the parent's last frames for an
Extend, the same frame at both ends for a loop). So it honours every :class:`ReferenceRole`
at once, which the plain Wan T2V/I2V checkpoints cannot.

How roles become inputs (:func:`vace_inputs`, documented in docs/control.md):

* ``first_frame`` → ``video[0]`` with ``mask[0] = 0`` (keep); ``last_frame`` → ``video[F−1]``,
  ``mask[F−1] = 0``; every other frame is grey (VACE's "empty", 0 in [-1, 1]) with mask 255
  (generate).
* Extend → the context frames at ``video[0:k]`` with mask 0 (they replace ``first_frame``).
* ``subject``, ``style`` → ``reference_images`` (subject first). VACE does not distinguish
  the two; the prompt says what to take from each.
* no image → no ``video``/``mask``/``reference_images`` (plain text-to-video).

The tokenizer, UMT5 text encoder, VAE and scheduler are the ``tiny`` preset's own
(:func:`reelbot.generator.tiny.build_tiny_components`), so the two tiny presets share
their text understanding and latent space.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reelbot.domain.types import ReferenceRole
from reelbot.generator.conditioning import fitted_references
from reelbot.generator.control_engine import context_images, finish_loop, job_call_kwargs, varied_prompt
from reelbot.generator.motion import conditioning_scale_for_motion, control_prompt, vary_guidance
from reelbot.generator.presets import (
    PRESETS,
    Engine,
    LoadContext,
    RenderJob,
    StepCallback,
    register_engine,
)
from reelbot.generator.tiny_parts import seeded_parts, weight_seed

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

FIRST = ReferenceRole.FIRST_FRAME
LAST = ReferenceRole.LAST_FRAME
# Reference-image roles, in the order they are handed to the pipeline.
REFERENCE_ROLES: tuple[ReferenceRole, ...] = (ReferenceRole.SUBJECT, ReferenceRole.STYLE)
GREY = (128, 128, 128)  # VACE's neutral frame: 0 after the [-1, 1] normalisation
KEEP, GENERATE = 0, 255  # mask values (L mode)
TINY_VACE_SEED_OFFSET = 10  # the transformer's weights differ from the tiny T2V/I2V ones


@dataclass(frozen=True)
class VaceInputs:
    """What :class:`WanVACEPipeline` receives for one job, and which frames are pinned."""

    video: list[Image.Image] | None = None
    mask: list[Image.Image] | None = None
    reference_images: list[Image.Image] | None = None
    pinned: dict[int, str] = field(default_factory=dict)  # frame index → why ("first_frame", …)
    native_loop: bool = False

    def kwargs(self) -> dict[str, Any]:
        """Only the inputs that are set (VACE treats a missing video as all-generate)."""
        out: dict[str, Any] = {}
        if self.video is not None:
            out["video"], out["mask"] = self.video, self.mask
        if self.reference_images:
            out["reference_images"] = self.reference_images
        return out


def vace_inputs(job: RenderJob) -> VaceInputs:
    """Map the job's references, Extend context and loop flag to VACE inputs (see module doc)."""
    from PIL import Image

    fitted = fitted_references(job.references, job.width, job.height)
    last_index = job.num_frames - 1
    pinned: dict[int, tuple[str, Image.Image]] = {}
    context = context_images(job, limit=last_index)
    if context:
        for index, image in enumerate(context):
            pinned[index] = ("context", fitted_references({FIRST: image}, job.width, job.height)[FIRST])
    elif FIRST in fitted:
        pinned[0] = (FIRST.value, fitted[FIRST])
    if LAST in fitted:
        pinned[last_index] = (LAST.value, fitted[LAST])
    native_loop = job.loop and 0 in pinned and last_index not in pinned
    if native_loop:
        pinned[last_index] = ("loop", pinned[0][1])
    references = [fitted[role] for role in REFERENCE_ROLES if role in fitted] or None
    if not pinned:
        return VaceInputs(reference_images=references)
    grey = Image.new("RGB", (job.width, job.height), GREY)
    keep = Image.new("L", (job.width, job.height), KEEP)
    generate = Image.new("L", (job.width, job.height), GENERATE)
    video = [pinned[i][1] if i in pinned else grey for i in range(job.num_frames)]
    mask = [keep if i in pinned else generate for i in range(job.num_frames)]
    return VaceInputs(
        video=video,
        mask=mask,
        reference_images=references,
        pinned={i: why for i, (why, _image) in sorted(pinned.items())},
        native_loop=native_loop,
    )


class VaceEngine:
    """A loaded WanVACEPipeline with the control knobs (Vary, motion, camera, loop) applied."""

    def __init__(self, pipe: Any, device: str, *, max_sequence_length: int) -> None:
        self.pipe, self.device = pipe, device
        self.max_sequence_length = max_sequence_length
        self._lock = threading.Lock()  # one pipeline object is not safe across threads

    def _run(self, job: RenderJob, inputs: VaceInputs, on_step: StepCallback | None, output_type: str) -> Any:
        import torch

        guidance = vary_guidance(job.guidance, job.variation)
        prompt = control_prompt(job.prompt, job.camera, job.motion)
        with self._lock, torch.no_grad():
            prompt_embeds, negative_embeds = varied_prompt(
                self.pipe, job, prompt, guidance, self.max_sequence_length
            )
            result = self.pipe(
                prompt_embeds=prompt_embeds,
                negative_prompt_embeds=negative_embeds,
                conditioning_scale=conditioning_scale_for_motion(job.motion),
                **job_call_kwargs(job, on_step, guidance, output_type, self.max_sequence_length),
                **inputs.kwargs(),
            )
        return result.frames

    def render(self, job: RenderJob, on_step: StepCallback) -> np.ndarray:
        from reelbot.generator.tiny import frames_to_uint8

        inputs = vace_inputs(job)
        frames = frames_to_uint8(self._run(job, inputs, on_step, "np")[0])
        return finish_loop(frames, job, native=inputs.native_loop)

    def render_latents(self, job: RenderJob) -> Any:
        """Final latents ``[1, 16, T, H/8, W/8]`` (one extra leading latent frame per reference
        image): how tests see that an input reached the model, which the tiny VAE would hide."""
        return self._run(job, vace_inputs(job), None, "latent")


def build_tiny_vace_pipeline(seed: int | None = None) -> Any:
    """WanVACEPipeline over the tiny parts; the transformer follows PLATFORMS.md (vace_layers=[0],
    vace_in_channels = 2·z_dim + 8² = 96)."""
    from diffusers import WanVACEPipeline, WanVACETransformer3DModel

    from reelbot.generator.tiny import TINY_WAN_TRANSFORMER, build_tiny_components

    parts = build_tiny_components(weight_seed(seed, 0))
    with seeded_parts(seed, TINY_VACE_SEED_OFFSET) as seeded:
        transformer = seeded(
            WanVACETransformer3DModel,
            **TINY_WAN_TRANSFORMER,
            in_channels=16,
            vace_layers=[0],
            vace_in_channels=96,
        )
    return parts.pipeline(WanVACEPipeline, transformer=transformer)


TINY_VACE = PRESETS["tiny-vace"]  # the spec: reelbot.domain.presets.catalog


@register_engine("tiny-vace")
def load_tiny_vace(ctx: LoadContext) -> Engine:
    """Build the tiny VACE engine (about a second on a CPU)."""
    from reelbot.generator.tiny import TINY_MAX_SEQUENCE_LENGTH

    pipe = build_tiny_vace_pipeline()
    if ctx.device != "cpu":
        pipe.to(ctx.device)
    return VaceEngine(pipe, ctx.device, max_sequence_length=TINY_MAX_SEQUENCE_LENGTH)


# --- The published checkpoint: same engine, real weights (GPU only). ------------------------
# In group "wan": a subject/style (or lone last frame) request to another Wan preset routes here.

WAN21_VACE = PRESETS["wan-2.1-vace-1.3b"]  # the spec: reelbot.domain.presets.catalog


@register_engine("wan-2.1-vace-1.3b")
def load_wan21_vace(ctx: LoadContext) -> Engine:
    """Load the checkpoint (``<cache_dir>/wan-2.1-vace-1.3b`` when present, else the hub id)."""
    from diffusers import WanVACEPipeline

    from reelbot.generator.hub_presets import WAN_MAX_SEQUENCE_LENGTH, load_pretrained, wan_vae

    # The VAE stays float32 as in the other Wan loaders (it was bf16 here on a GPU).
    pipe = load_pretrained(WanVACEPipeline, WAN21_VACE, ctx, vae=wan_vae(WAN21_VACE, ctx))
    return VaceEngine(pipe, ctx.device, max_sequence_length=WAN_MAX_SEQUENCE_LENGTH)
