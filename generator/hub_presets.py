"""The real presets: published checkpoints loaded with ``from_pretrained`` (bf16 on CUDA).

Nothing here downloads at import or in tests: a loader runs only when a GPU worker first
needs the preset. Weights come from ``<cache_dir>/<preset name>`` when that folder exists
(an operator's pre-downloaded copy, no network needed), else from the hub id into
``cache_dir``. Each preset declares only the reference roles its checkpoint was trained
for — see docs/presets.md for the table and the reasons.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reelbot.domain.presets import role_refusal
from reelbot.domain.types import ReferenceRole
from reelbot.generator.conditioning import fitted_references
from reelbot.generator.control_engine import finish_loop, job_call_kwargs
from reelbot.generator.presets import (
    PRESETS,
    Engine,
    LoadContext,
    Preset,
    RenderJob,
    StepCallback,
    register_engine,
)
from reelbot.generator.speed.tuning import tune
from reelbot.generator.tiny import (
    context_first_frame,
    frames_to_uint8,
    run_wan,
    run_wan_batch,
)

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

FIRST = ReferenceRole.FIRST_FRAME
LAST = ReferenceRole.LAST_FRAME
WAN_MAX_SEQUENCE_LENGTH = 512


def weights_source(preset: Preset, ctx: LoadContext) -> str:
    """A local copy ``<cache_dir>/<preset name>`` when present, else the hub id."""
    if ctx.cache_dir:
        local = Path(ctx.cache_dir) / preset.name
        if (local / "model_index.json").is_file():
            return str(local)
    if preset.model_id is None:
        raise ValueError(f"preset {preset.name} has no model id")
    return preset.model_id


def torch_dtype(ctx: LoadContext) -> Any:
    import torch

    return torch.bfloat16 if ctx.dtype == "bfloat16" else torch.float32


def load_pretrained(pipeline_class: Any, preset: Preset, ctx: LoadContext, **components: Any) -> Any:
    """``pipeline_class.from_pretrained`` the way every published preset loads: weights from
    :func:`weights_source` in the context's dtype (``components`` replace parts of the checkpoint),
    placed and tuned by the memory plan (:func:`tune`), no progress bars (they fill worker logs)."""
    pipe = pipeline_class.from_pretrained(
        weights_source(preset, ctx), dtype=torch_dtype(ctx), cache_dir=ctx.cache_dir, **components
    )
    # Placement (whole / offload by the memory plan), attention backend, TF32, compile, tiling.
    pipe.reelbot_tuning = tune([pipe], preset, ctx)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def wan_vae(preset: Preset, ctx: LoadContext) -> Any:
    """The checkpoint's Wan VAE in float32 whatever the context's dtype: every Wan-family loader
    (T2V, I2V, VACE) passes it as ``vae=`` (diffusers' own examples do this: bf16 decoding
    bands colours; the pipelines cast latents to the VAE's dtype and back)."""
    import torch
    from diffusers import AutoencoderKLWan

    return AutoencoderKLWan.from_pretrained(
        weights_source(preset, ctx), subfolder="vae", dtype=torch.float32, cache_dir=ctx.cache_dir
    )


def clip_image_encoder(preset: Preset, ctx: LoadContext) -> Any:
    """Wan 2.1 I2V / FLF2V's CLIP image encoder in float32 whatever the context's dtype, as
    diffusers' ``WanImageToVideoPipeline`` example loads it (the original Wan code runs it in
    fp16): it runs once a clip, a cost nothing beside one transformer pass, and its penultimate
    hidden states condition every step, where bf16 would keep 8 bits of each."""
    import torch
    from transformers import CLIPVisionModel

    return CLIPVisionModel.from_pretrained(
        weights_source(preset, ctx), subfolder="image_encoder", dtype=torch.float32, cache_dir=ctx.cache_dir
    )


def load_wan_pipelines(
    preset: Preset, ctx: LoadContext, *, t2v: bool, i2v: bool, expand: bool, clip: bool = False
) -> tuple[Any, Any]:
    """Load WanPipeline and/or WanImageToVideoPipeline from one checkpoint, sharing components,
    with the float32 VAE of :func:`wan_vae` (and ``clip``: the float32 image encoder of
    :func:`clip_image_encoder`; Wan 2.2's checkpoints have none)."""
    from diffusers import WanImageToVideoPipeline, WanPipeline

    components = {"vae": wan_vae(preset, ctx)}
    if clip:
        components["image_encoder"] = clip_image_encoder(preset, ctx)
    first = load_pretrained(WanPipeline if t2v else WanImageToVideoPipeline, preset, ctx, **components)
    if not (t2v and i2v):
        return (first, None) if t2v else (None, first)
    return first, image_entry(first, expand=expand)


def image_entry(first: Any, *, expand: bool) -> Any:
    """Wan 2.2 TI2V: one checkpoint, two entry points. The image pipeline reuses every module of
    the loaded text pipeline ``first`` (and its tuning); ``expand_timesteps`` makes it condition
    through the first latent frame (no CLIP encoder). The GPU bench builds its TI2V engine so too."""
    from diffusers import WanImageToVideoPipeline

    second: Any = WanImageToVideoPipeline(
        tokenizer=first.tokenizer,
        text_encoder=first.text_encoder,
        vae=first.vae,
        scheduler=first.scheduler,
        transformer=first.transformer,
        image_encoder=None,
        image_processor=None,
        expand_timesteps=expand,
    )
    second.set_progress_bar_config(disable=True)
    second.reelbot_tuning = first.reelbot_tuning
    return second


def refuse_untrained_roles(preset: Preset | None, job: RenderJob) -> None:
    """Refuse references the checkpoint was not trained for, or lacks, with routing's message.

    Routing sends such a request elsewhere, but a job can reach the engine without it (a bench,
    a direct call). Without this check the pipeline takes ``last_image`` from any Wan I2V
    checkpoint: Wan 2.2 I2V A14B then renders it silently untrained, and Wan 2.1 I2V 480P fails
    deep inside the transformer (two CLIP embeddings for one video: a tensor-size RuntimeError).
    A text-only job on an image-only checkpoint, or an Extend on a text-only one, gets the same
    translated refusal instead of an engine-internal error. An Extend counts as a first frame,
    a loop's start image on a loop-native checkpoint as its end frame too (FLF2V pins it there).
    """
    if preset is None:
        return
    roles = set(job.references)
    if job.context_frames is not None:
        roles.add(FIRST)
    if not preset.supports(roles, loop=job.loop):
        raise role_refusal(preset, roles)


class HubWanEngine:
    """A loaded Wan checkpoint: text-to-video and/or image-to-video entry points."""

    def __init__(
        self, t2v: Any, i2v: Any, device: str, *, end_frames: bool = False, preset: Preset | None = None
    ) -> None:
        self.t2v, self.i2v, self.device = t2v, i2v, device
        self.end_frames = end_frames  # the checkpoint honours last_image (FLF2V): loops are native
        self.preset = preset  # its roles are the references this checkpoint may take
        self._lock = threading.Lock()

    def render(self, job: RenderJob, on_step: StepCallback) -> np.ndarray:
        refuse_untrained_roles(self.preset, job)
        frames, native_loop = run_wan(
            self.t2v,
            self.i2v,
            job,
            on_step,
            max_sequence_length=WAN_MAX_SEQUENCE_LENGTH,
            pin_loop_end=self.end_frames,
            lock=self._lock,
        )
        return finish_loop(frames_to_uint8(frames), job, native=native_loop)

    def render_batch(self, jobs: list[RenderJob], on_step: StepCallback) -> list[np.ndarray]:
        """Compatible text-to-video jobs in one pipeline call (``run_wan_batch``); a checkpoint
        without a text-to-video pipeline (I2V only) cannot batch."""
        if self.t2v is None:
            raise ValueError("this checkpoint renders from a first frame: no text-to-video batch")
        batch = run_wan_batch(
            self.t2v, jobs, on_step, max_sequence_length=WAN_MAX_SEQUENCE_LENGTH, lock=self._lock
        )
        return [frames_to_uint8(frames) for frames in batch]


class LtxConditionEngine:
    """LTX-Video through LTXConditionPipeline: keyframes at frame 0 / the last frame, or a
    video condition (the parent's last frames) for an extension."""

    max_sequence_length = 256  # LTX-Video's T5 default (LTXConditionPipeline's own)

    def __init__(self, pipe: Any, device: str) -> None:
        self.pipe, self.device = pipe, device
        self._lock = threading.Lock()

    def conditions(self, job: RenderJob) -> list[Any]:
        from diffusers.pipelines.ltx.pipeline_ltx_condition import LTXVideoCondition
        from PIL import Image

        fitted = fitted_references(job.references, job.width, job.height)
        conditions: list[Any] = []
        if job.context_frames is not None and len(job.context_frames) > 0:
            video = [Image.fromarray(frame).convert("RGB") for frame in job.context_frames]
            conditions.append(LTXVideoCondition(video=video, frame_index=0))
        elif FIRST in fitted:
            conditions.append(LTXVideoCondition(image=fitted[FIRST], frame_index=0))
        if LAST in fitted:
            conditions.append(LTXVideoCondition(image=fitted[LAST], frame_index=job.num_frames - 1))
        return conditions

    def render(self, job: RenderJob, on_step: StepCallback) -> np.ndarray:
        call = job_call_kwargs(job, on_step, job.guidance, "np", self.max_sequence_length)
        conditions = self.conditions(job)
        with self._lock:
            result = self.pipe(
                conditions=conditions or None,
                prompt=job.prompt,
                negative_prompt=job.negative_prompt or None,
                frame_rate=job.fps,
                **call,
            )
        return frames_to_uint8(result.frames[0])


# --- Wan 2.1 T2V 1.3B: text only; the preset a single consumer GPU can serve. ---------------

WAN21_T2V = PRESETS["wan-2.1-t2v-1.3b"]  # the spec: reelbot.domain.presets.catalog


@register_engine("wan-2.1-t2v-1.3b")
def load_wan21_t2v(ctx: LoadContext) -> Engine:
    t2v, _ = load_wan_pipelines(WAN21_T2V, ctx, t2v=True, i2v=False, expand=False)
    return HubWanEngine(t2v, None, ctx.device, preset=WAN21_T2V)


# --- Wan 2.1 I2V 14B 480p: first frame (CLIP image encoder + latent conditioning). -----------

WAN21_I2V = PRESETS["wan-2.1-i2v-14b-480p"]  # the spec: reelbot.domain.presets.catalog


@register_engine("wan-2.1-i2v-14b-480p")
def load_wan21_i2v(ctx: LoadContext) -> Engine:
    _, i2v = load_wan_pipelines(WAN21_I2V, ctx, t2v=False, i2v=True, expand=False, clip=True)
    return HubWanEngine(None, i2v, ctx.device, preset=WAN21_I2V)


# --- Wan 2.1 FLF2V 14B 720p: first + last frame. ---------------------------------------------

WAN21_FLF2V = PRESETS["wan-2.1-flf2v-14b-720p"]  # the spec: reelbot.domain.presets.catalog


@register_engine("wan-2.1-flf2v-14b-720p")
def load_wan21_flf2v(ctx: LoadContext) -> Engine:
    _, i2v = load_wan_pipelines(WAN21_FLF2V, ctx, t2v=False, i2v=True, expand=False, clip=True)
    return HubWanEngine(None, i2v, ctx.device, end_frames=True, preset=WAN21_FLF2V)


# --- Wan 2.2 TI2V 5B: text or first frame, 720p at 24 fps; IGNORES last_image. --------------

WAN22_TI2V = PRESETS["wan-2.2-ti2v-5b"]  # the spec: reelbot.domain.presets.catalog


@register_engine("wan-2.2-ti2v-5b")
def load_wan22_ti2v(ctx: LoadContext) -> Engine:
    t2v, i2v = load_wan_pipelines(WAN22_TI2V, ctx, t2v=True, i2v=True, expand=True)
    return HubWanEngine(t2v, i2v, ctx.device, preset=WAN22_TI2V)


# --- Wan 2.2 A14B: two experts (transformer: high noise, transformer_2: low noise). ---------
# The checkpoint's model_index carries transformer_2 and boundary_ratio (0.875 T2V, 0.9 I2V);
# draft loads the high-noise LoRA into transformer and the low-noise one into transformer_2.


WAN22_T2V_A14B = PRESETS["wan-2.2-t2v-a14b"]  # the spec: reelbot.domain.presets.catalog
WAN22_I2V_A14B = PRESETS["wan-2.2-i2v-a14b"]


@register_engine("wan-2.2-t2v-a14b")
def load_wan22_t2v_a14b(ctx: LoadContext) -> Engine:
    t2v, _ = load_wan_pipelines(WAN22_T2V_A14B, ctx, t2v=True, i2v=False, expand=False)
    return HubWanEngine(t2v, None, ctx.device, preset=WAN22_T2V_A14B)


@register_engine("wan-2.2-i2v-a14b")
def load_wan22_i2v_a14b(ctx: LoadContext) -> Engine:
    _, i2v = load_wan_pipelines(WAN22_I2V_A14B, ctx, t2v=False, i2v=True, expand=False)
    return HubWanEngine(None, i2v, ctx.device, preset=WAN22_I2V_A14B)


# --- LTX-Video 0.9.5: fast, keyframes anywhere (first and/or last), video extension. ---------

LTX_VIDEO = PRESETS["ltx-video"]  # the spec: reelbot.domain.presets.catalog


@register_engine("ltx-video")
def load_ltx_video(ctx: LoadContext) -> Engine:
    from diffusers import LTXConditionPipeline

    pipe = load_pretrained(LTXConditionPipeline, LTX_VIDEO, ctx)
    # The control engine adds Vary / motion / camera / native loops on top of the same
    # keyframe placement (imported here: tiny_ltx imports this module).
    from reelbot.generator.tiny_ltx import ControlLtxEngine

    return ControlLtxEngine(pipe, ctx.device)


__all__ = ["HubWanEngine", "LtxConditionEngine", "context_first_frame", "weights_source"]
