"""The ``tiny-ltx`` preset: LTX-Video's condition pipeline built offline from tiny configs.

LTX-Video pins *keyframes at any frame index* (``LTXVideoCondition``): ``first_frame`` at
index 0, ``last_frame`` at index F−1, the parent's last frames as a video condition at 0 for
an Extend, and the first frame at both ends for a loop. It has no reference-image input, so
``subject``/``style`` are not claimed (routing sends those to VACE).

The conditions themselves come from :class:`reelbot.generator.hub_presets.LtxConditionEngine`
(the real ``ltx-video`` preset), so tiny and real LTX pin frames identically; this module
adds the control knobs (Vary, motion, camera, loop) in :class:`ControlLtxEngine`, which the
real preset can use unchanged.

Kept deliberately small: LTX uses patch size 1, so tokens grow with every pixel (256×448×17
took 61–97 s on 2 CPU cores); tests render 64×64.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reelbot.domain.types import ReferenceRole
from reelbot.generator.control_engine import finish_loop, job_call_kwargs, varied_prompt
from reelbot.generator.hub_presets import LtxConditionEngine
from reelbot.generator.motion import cond_noise_for_motion, control_prompt, vary_guidance
from reelbot.generator.presets import (
    Engine,
    LoadContext,
    RenderJob,
    StepCallback,
    register_engine,
)
from reelbot.generator.tiny_parts import patch1, seeded_parts, tiny_engine, tiny_ltx_vae, tiny_pipeline

if TYPE_CHECKING:
    import numpy as np

FIRST = ReferenceRole.FIRST_FRAME
LAST = ReferenceRole.LAST_FRAME
TINY_LTX_SEED_OFFSET = 20
TINY_LTX_MAX_SEQUENCE_LENGTH = 64


def loop_conditions(job: RenderJob, conditions: list[Any]) -> tuple[list[Any], bool]:
    """Add the loop keyframe (the first frame again at F−1) when the job can loop natively.

    Native only with a single first-frame image and no last frame; returns (conditions, native).
    """
    from diffusers.pipelines.ltx.pipeline_ltx_condition import LTXVideoCondition

    if not job.loop or LAST in job.references:
        return conditions, False
    anchors = [c for c in conditions if c.frame_index == 0 and c.image is not None]
    if not anchors:
        return conditions, False
    loop_key = LTXVideoCondition(image=anchors[0].image, frame_index=job.num_frames - 1)
    return [*conditions, loop_key], True


class ControlLtxEngine(LtxConditionEngine):
    """LTXConditionPipeline with Vary (prompt-embedding noise), motion (keyframe noise),
    camera (prompt suffix) and native loops."""

    def planned_conditions(self, job: RenderJob) -> tuple[list[Any], bool]:
        """The LTXVideoCondition list the pipeline receives, and whether the loop is native."""
        return loop_conditions(job, self.conditions(job))

    def _run(
        self, job: RenderJob, conditions: list[Any], on_step: StepCallback | None, output_type: str
    ) -> Any:
        import torch

        guidance = vary_guidance(job.guidance, job.variation)
        prompt = control_prompt(job.prompt, job.camera, job.motion)
        with self._lock, torch.no_grad():
            embeds, mask, negative, negative_mask = varied_prompt(
                self.pipe, job, prompt, guidance, self.max_sequence_length
            )
            result = self.pipe(
                conditions=conditions or None,
                prompt_embeds=embeds,
                prompt_attention_mask=mask,
                negative_prompt_embeds=negative,
                negative_prompt_attention_mask=negative_mask,
                frame_rate=job.fps,
                image_cond_noise_scale=cond_noise_for_motion(job.motion),
                **job_call_kwargs(job, on_step, guidance, output_type, self.max_sequence_length),
            )
        return result.frames

    def render(self, job: RenderJob, on_step: StepCallback) -> np.ndarray:
        from reelbot.generator.tiny import frames_to_uint8

        conditions, native = self.planned_conditions(job)
        frames = frames_to_uint8(self._run(job, conditions, on_step, "np")[0])
        return finish_loop(frames, job, native=native)

    def render_latents(self, job: RenderJob) -> Any:
        """Final latents ``[1, 8, T, H/4, W/4]`` (tests: did a keyframe reach the model?)."""
        conditions, _native = self.planned_conditions(job)
        return self._run(job, conditions, None, "latent")


def build_tiny_ltx_pipeline(seed: int | None = None) -> Any:
    """LTXConditionPipeline from the PLATFORMS.md tiny configs; the tokenizer is the tiny preset's."""
    from diffusers import AutoencoderKLLTXVideo, LTXConditionPipeline, LTXVideoTransformer3DModel
    from transformers import T5Config, T5EncoderModel

    from reelbot.generator.tiny import tiny_text_encoder_config

    with seeded_parts(seed, TINY_LTX_SEED_OFFSET) as seeded:
        text_encoder = seeded(lambda: T5EncoderModel(T5Config(**tiny_text_encoder_config())))
        vae = seeded(AutoencoderKLLTXVideo, **tiny_ltx_vae(8, (True, True, False, False), encoder_layers=5))
        transformer = seeded(
            LTXVideoTransformer3DModel,
            **patch1(8),
            num_attention_heads=4,
            attention_head_dim=8,
            cross_attention_dim=32,
            num_layers=1,
            caption_channels=32,
        )
    return tiny_pipeline(LTXConditionPipeline, vae=vae, text_encoder=text_encoder, transformer=transformer)


@register_engine("tiny-ltx")
def load_tiny_ltx(ctx: LoadContext) -> Engine:
    """Build the tiny LTX engine."""
    return tiny_engine(ctx, build_tiny_ltx_pipeline(), ControlLtxEngine, TINY_LTX_MAX_SEQUENCE_LENGTH)
