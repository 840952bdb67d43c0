"""The ``tiny`` preset: the real Wan pipeline classes, built offline from small configs.

Why it exists: tests and CPU-only machines must run the same code path as production
(tokenizer → UMT5 → WanTransformer3DModel → AutoencoderKLWan → scheduler, the step callback,
image conditioning) without downloading gigabytes. The weights are random but
*deterministic*: every component is built under a fixed torch seed, so two processes build
identical pipelines and the same job seed gives the same frames everywhere.

Torch, transformers and diffusers are imported inside the functions, never at module import:
the bots import the preset registry and have no torch installed.
"""

from __future__ import annotations

import logging
import threading
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reelbot.domain.types import ReferenceRole
from reelbot.generator.conditioning import pipeline_inputs
from reelbot.generator.control_engine import context_images, finish_loop, job_call_kwargs, varied_prompt
from reelbot.generator.motion import control_prompt, vary_guidance
from reelbot.generator.presets import (
    PRESETS,
    Engine,
    LoadContext,
    RenderJob,
    StepCallback,
    register_engine,
)
from reelbot.generator.speed.callback import step_callback
from reelbot.generator.tiny_parts import seeded_parts

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

TINY_WEIGHT_SEED = 20260101
# Prompts are cut to this many tokens; a word-level vocabulary of 64 makes longer prompts
# mostly [UNK] anyway, and a short sequence keeps cross-attention cheap on a CPU.
TINY_MAX_SEQUENCE_LENGTH = 64

# The tiny tokenizer's vocabulary: special tokens, then common prompt words. Everything else
# (other words, every CJK character) becomes [UNK], so any language tokenizes without error.
_SPECIAL = ["<pad>", "</s>", "<unk>"]
_WORDS = (  # noqa: SIM905 - a sentence of words reads better than 55 quoted strings
    "a an the of and in on at with to by from is are cat dog person man woman child bird fish car "
    "city street forest sea ocean beach mountain sky sun moon night day rain snow fire water light "
    "red blue green gold walking running flying dancing slow fast camera close up wide shot"
).split()
TINY_VOCAB: dict[str, int] = {token: i for i, token in enumerate(_SPECIAL + _WORDS[: 64 - len(_SPECIAL)])}


@dataclass
class TinyComponents:
    """The shared parts every tiny preset reuses (Wan T2V/I2V here; tiny VACE and LTX elsewhere)."""

    tokenizer: Any  # transformers.PreTrainedTokenizerFast
    text_encoder: Any  # transformers.UMT5EncoderModel
    vae: Any  # diffusers.AutoencoderKLWan
    scheduler: Any  # diffusers.FlowMatchEulerDiscreteScheduler

    def pipeline(self, pipeline_class: Any, **extra: Any) -> Any:
        """``pipeline_class`` over these four parts plus ``extra`` (its transformer, …), without
        progress bars: how every tiny Wan-family pipeline is put together."""
        pipe = pipeline_class(
            tokenizer=self.tokenizer,
            text_encoder=self.text_encoder,
            vae=self.vae,
            scheduler=self.scheduler,
            **extra,
        )
        pipe.set_progress_bar_config(disable=True)
        return pipe


def build_tiny_tokenizer() -> Any:
    """A word-level tokenizer built in memory (no files, no hub).

    The BERT normalizer puts spaces around CJK characters and lower-cases, so a zh-TW prompt
    becomes one [UNK] per character instead of one giant unknown word; ``</s>`` is appended
    like the real UMT5 tokenizer does.
    """
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.WordLevel(vocab=TINY_VOCAB, unk_token="<unk>"))  # noqa: S106
    core.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=True
    )
    core.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    core.post_processor = processors.TemplateProcessing(
        single="$A </s>", special_tokens=[("</s>", TINY_VOCAB["</s>"])]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=core,
        pad_token="<pad>",  # noqa: S106 - a token name, not a secret
        eos_token="</s>",  # noqa: S106
        unk_token="<unk>",  # noqa: S106
        model_max_length=TINY_MAX_SEQUENCE_LENGTH,
    )


#: The tiny Wan transformer (PLATFORMS.md), shared by the T2V/I2V, VACE and benchmark builders;
#: each adds its own ``in_channels`` (16 T2V, 36 I2V) and extras (VACE layers).
TINY_WAN_TRANSFORMER: dict[str, Any] = {
    "patch_size": (1, 2, 2),
    "num_attention_heads": 2,
    "attention_head_dim": 12,
    "out_channels": 16,
    "text_dim": 32,
    "freq_dim": 256,
    "ffn_dim": 32,
    "num_layers": 2,
    "cross_attn_norm": True,
    "qk_norm": "rms_norm_across_heads",
    "rope_max_seq_len": 32,
}


def tiny_text_encoder_config() -> dict[str, Any]:
    """Keyword arguments of the tiny (U)MT5 text encoder config, on the tiny vocabulary."""
    return {
        "vocab_size": len(TINY_VOCAB),
        "d_model": 32,
        "d_kv": 8,
        "d_ff": 64,
        "num_layers": 2,
        "num_heads": 4,
        "relative_attention_num_buckets": 8,
        "pad_token_id": TINY_VOCAB["<pad>"],
        "eos_token_id": TINY_VOCAB["</s>"],
        "decoder_start_token_id": TINY_VOCAB["<pad>"],
    }


def build_tiny_components(seed: int = TINY_WEIGHT_SEED) -> TinyComponents:
    """Tokenizer, UMT5 text encoder, Wan VAE and scheduler with deterministic random weights.

    Public so the control presets (tiny VACE, tiny LTX) share exactly these parts.
    """
    from diffusers import AutoencoderKLWan, FlowMatchEulerDiscreteScheduler
    from transformers import UMT5Config, UMT5EncoderModel

    with seeded_parts(seed, 0) as seeded:
        text_encoder = seeded(lambda: UMT5EncoderModel(UMT5Config(**tiny_text_encoder_config())))
        vae = seeded(
            AutoencoderKLWan,
            base_dim=3,
            z_dim=16,
            dim_mult=[1, 1, 1, 1],
            num_res_blocks=1,
            temperal_downsample=[False, True, True],
        )
    return TinyComponents(
        tokenizer=build_tiny_tokenizer(),
        text_encoder=text_encoder,
        vae=vae,
        scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0),
    )


def build_tiny_transformer(in_channels: int, seed: int) -> Any:
    """A 2-layer WanTransformer3DModel; 16 input channels for T2V, 36 (noise+mask+image) for I2V."""
    from diffusers import WanTransformer3DModel

    with seeded_parts(seed, 0) as seeded:
        return seeded(WanTransformer3DModel, **TINY_WAN_TRANSFORMER, in_channels=in_channels)


def build_tiny_pipelines(seed: int = TINY_WEIGHT_SEED) -> tuple[Any, Any]:
    """(WanPipeline, WanImageToVideoPipeline) sharing one text encoder, tokenizer, VAE, scheduler."""
    from diffusers import WanImageToVideoPipeline, WanPipeline

    parts = build_tiny_components(seed)
    t2v = parts.pipeline(WanPipeline, transformer=build_tiny_transformer(16, seed + 2))
    # Wan 2.2 style image conditioning without a CLIP image encoder: the first (and last)
    # frame enter as VAE latents through the 20 extra input channels (4 mask + 16 latent).
    i2v = parts.pipeline(
        WanImageToVideoPipeline,
        image_processor=None,
        image_encoder=None,
        transformer=build_tiny_transformer(36, seed + 3),
    )
    return t2v, i2v


def context_first_frame(job: RenderJob) -> Any:
    """For an extension: the parent's last context frame becomes the new segment's first frame."""
    last = context_images(job, limit=1)
    return last[0] if last else None


def wan_image_inputs(job: RenderJob, *, pin_loop_end: bool) -> tuple[dict[str, Any], bool]:
    """The I2V keyword arguments for ``job`` and whether its loop is made natively.

    An Extend's last context frame is the first frame. A loop with a start image and no end
    image pins the start image at the end too (``last_image``) when the checkpoint honours
    end frames (``pin_loop_end``); the duplicate end frame is dropped afterwards.
    """
    inputs = pipeline_inputs(job.references, job.width, job.height)
    extension_frame = context_first_frame(job)
    if extension_frame is not None:
        first = pipeline_inputs({ReferenceRole.FIRST_FRAME: extension_frame}, job.width, job.height)
        inputs = {**inputs, **first}
    if "last_image" in inputs and "image" not in inputs:
        # Both Wan I2V checkpoints need a start image; a lone end frame is refused by routing
        # (Preset.role_requires), so reaching here is a programming error, not a user error.
        raise ValueError("a last_frame reference needs a first_frame (or extension context) too")
    native_loop = job.loop and pin_loop_end and "image" in inputs and "last_image" not in inputs
    if native_loop:
        inputs["last_image"] = inputs["image"]
    return inputs, native_loop


def wan_text_inputs(
    pipe: Any, job: RenderJob, prompt: str, guidance: float, max_sequence_length: int
) -> dict[str, Any]:
    """The prompt keywords of one Wan call: the texts, or for a Vary their embeddings with the
    job's seeded noise added (a Vary nudges the meaning, not the words)."""
    if job.variation is None:
        return {"prompt": prompt, "negative_prompt": job.negative_prompt or None}
    embeds, negative = varied_prompt(pipe, job, prompt, guidance, max_sequence_length)
    return {"prompt_embeds": embeds, "negative_prompt_embeds": negative}


def run_wan(
    t2v: Any,
    i2v: Any,
    job: RenderJob,
    on_step: StepCallback | None,
    *,
    max_sequence_length: int = 512,
    output_type: str = "np",
    pin_loop_end: bool = True,
    lock: threading.Lock | None = None,
) -> tuple[Any, bool]:
    """Run one Wan pass: T2V without images, I2V with a first frame (and optional last frame).

    Shared by the tiny and the hub Wan engines; returns (frames or latents, native loop).
    The control knobs come from :mod:`reelbot.generator.motion` so every engine reads them
    alike: camera and motion become prompt phrases, a Vary shifts guidance and adds seeded
    noise to the prompt embeddings. ``on_step`` returning False interrupts the pipeline and
    raises ``ReelbotError("job.interrupted")`` before the VAE decode is spent.
    """
    inputs, native_loop = wan_image_inputs(job, pin_loop_end=pin_loop_end)
    pipe = i2v if "image" in inputs else t2v
    if pipe is None:
        raise ValueError("this Wan checkpoint needs a first_frame image (route with Preset.required_roles)")
    prompt = control_prompt(job.prompt, job.camera, job.motion)
    guidance = vary_guidance(job.guidance, job.variation)
    call = job_call_kwargs(job, on_step, guidance, output_type, max_sequence_length)
    with lock if lock is not None else nullcontext():
        result = pipe(**wan_text_inputs(pipe, job, prompt, guidance, max_sequence_length), **call, **inputs)
    return result.frames[0], native_loop


def run_wan_batch(
    t2v: Any,
    jobs: list[RenderJob],
    on_step: StepCallback | None,
    *,
    max_sequence_length: int = 512,
    lock: threading.Lock | None = None,
) -> list[Any]:
    """Several text-to-video jobs in ONE pipeline call: a list of prompts (each with its own
    camera/motion phrases and negative prompt) and one generator per item, so each job keeps its
    seed — diffusers draws item ``i``'s starting noise from ``generator[i]`` exactly as a call of
    its own would. The jobs must share size, frames, steps and guidance (see
    :func:`reelbot.generator.worker.batch.batch_key`); no images, no Vary, no loop."""
    import torch

    first = jobs[0]
    if any(
        (j.width, j.height, j.num_frames, j.steps, j.guidance)
        != (first.width, first.height, first.num_frames, first.steps, first.guidance)
        for j in jobs
    ):
        raise ValueError("a batch needs one size, frame count, step count and guidance")
    if any(j.references or j.context_frames is not None or j.variation or j.loop for j in jobs):
        raise ValueError("a batch takes text-to-video jobs without images, Vary or loop")
    with lock if lock is not None else nullcontext():
        result = t2v(
            prompt=[control_prompt(j.prompt, j.camera, j.motion) for j in jobs],
            negative_prompt=[j.negative_prompt or "" for j in jobs],
            height=first.height,
            width=first.width,
            num_frames=first.num_frames,
            num_inference_steps=first.steps,
            guidance_scale=first.guidance,
            generator=[torch.Generator(device="cpu").manual_seed(j.seed) for j in jobs],
            output_type="np",
            callback_on_step_end=step_callback(on_step, first.steps),
            max_sequence_length=max_sequence_length,
        )
    return list(result.frames)


def frames_to_uint8(frames: Any) -> np.ndarray:
    """Pipeline float frames in [0, 1] → uint8 [F, H, W, 3]."""
    import numpy as np

    array = np.asarray(frames, dtype=np.float32)
    return np.clip(np.rint(array * 255.0), 0, 255).astype(np.uint8)


class TinyWanEngine:
    """The loaded tiny preset: both pipelines on the CPU (or GPU), kept warm by the cache."""

    def __init__(self, ctx: LoadContext, seed: int = TINY_WEIGHT_SEED) -> None:
        self.t2v, self.i2v = build_tiny_pipelines(seed)
        self.device = ctx.device
        from reelbot.generator.speed.tuning import tune

        self.t2v.reelbot_tuning = self.i2v.reelbot_tuning = tune([self.t2v, self.i2v], PRESETS["tiny"], ctx)
        # One diffusers pipeline object is not safe to call from two threads at once.
        self._lock = threading.Lock()

    def render(self, job: RenderJob, on_step: StepCallback) -> np.ndarray:
        frames, native_loop = run_wan(
            self.t2v, self.i2v, job, on_step, max_sequence_length=TINY_MAX_SEQUENCE_LENGTH, lock=self._lock
        )
        return finish_loop(frames_to_uint8(frames), job, native=native_loop)

    def render_batch(self, jobs: list[RenderJob], on_step: StepCallback) -> list[np.ndarray]:
        """Compatible text-to-video jobs in one pipeline call (:func:`run_wan_batch`)."""
        batch = run_wan_batch(
            self.t2v, jobs, on_step, max_sequence_length=TINY_MAX_SEQUENCE_LENGTH, lock=self._lock
        )
        return [frames_to_uint8(frames) for frames in batch]

    def render_latents(self, job: RenderJob) -> Any:
        """The final latents instead of frames: how tests see that conditioning reached the model
        (the tiny random VAE nearly erases input differences in decoded pixels)."""
        latents, _native = run_wan(
            self.t2v,
            self.i2v,
            job,
            None,
            max_sequence_length=TINY_MAX_SEQUENCE_LENGTH,
            output_type="latent",
            lock=self._lock,
        )
        return latents


@register_engine("tiny")
def load_tiny(ctx: LoadContext) -> Engine:
    """Build the tiny engine (about a second on a CPU)."""
    return TinyWanEngine(ctx)
