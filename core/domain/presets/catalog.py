"""Every shipped preset as data: one entry each, cost profile beside it.

The families share their defaults through small builders (:func:`tiny_spec`, :func:`wan_spec`;
the Wan speed modes come from :mod:`.wan_modes`), so an entry states only what sets its preset
apart; every entry is still one ``register_spec``.

The checkpoints, LoRAs and why each preset claims only the roles it was trained for are in
docs/presets.md. Memory figures are *computed from parameter counts* (bf16 weights, fp32 VAE,
activations estimated for one pass at the base size) — not measured; ``MemoryNeeds.measured``
says so. Mode figures (cache thresholds, distilled step counts) are the published starting
points; bench/gpu_bench.py measures them where a GPU is available.
"""

from __future__ import annotations

from typing import Any

from reelbot.domain.presets.registry import register_spec
from reelbot.domain.presets.spec import (
    CacheSpec,
    CostProfile,
    LoraSource,
    MemoryNeeds,
    ModeSpec,
    PresetSpec,
    transformer_profile,
)
from reelbot.domain.presets.wan_modes import LIGHTX2V_21, a14b_draft, distilled, wan_balanced
from reelbot.domain.types import ReferenceRole, SpeedMode

FIRST = ReferenceRole.FIRST_FRAME
LAST = ReferenceRole.LAST_FRAME
LAST_NEEDS_FIRST = ((LAST, FIRST),)
QUALITY, BALANCED, DRAFT = SpeedMode.QUALITY, SpeedMode.BALANCED, SpeedMode.DRAFT

UMT5_XXL_GB = 11.4  # 5.68 B parameters, bf16 (every Wan checkpoint)
CLIP_H_GB = 2.5  # Wan 2.1 I2V/FLF2V image encoder, 0.63 B in fp32 (hub_presets.clip_image_encoder)
WAN21_VAE_GB = 0.5  # 0.13 B fp32
WAN22_VAE_GB = 2.8  # 0.70 B fp32 (the ×16 VAE: 48 channels, a wider decoder)

# Tiny random-weight presets run on a CPU in tests; fitted to PLATFORMS.md's timings
# (64×64×17: 0.16 s, 256×256×17: 2.0 s, 256×256×33: 4.5 s at 4 steps).
TINY_COST = CostProfile(
    overhead_s=0.05, per_token_step_s=0.0, per_token2_step_s=0.0, per_pixel_frame_s=2.0e-6
)
# First-Block Cache on the tiny 2-layer model: a threshold at which a 30-step CPU run skips some passes.
TINY_BALANCED = ModeSpec(
    steps=4, guidance=5.0, cache=CacheSpec(kind="first_block", threshold=0.05), relative_cost=0.6
)


def tiny_spec(name: str, title: str, group: str, **fields: Any) -> PresetSpec:
    """A tiny random-weight preset: built from configs (no model id), 8 fps, one second, the tiny
    cost profile; ``fields`` are the rest of its :class:`PresetSpec`."""
    return register_spec(
        PresetSpec(
            name=name,
            title=title,
            group=group,
            model_id=None,
            licence="reelbot's own (random weights)",
            default_fps=8,
            default_seconds=1.0,
            cost=TINY_COST,
            **fields,
        )
    )


def wan_memory(transformer_gb: float, activations_gb: float, *, clip: bool = False) -> MemoryNeeds:
    """A Wan checkpoint's memory: UMT5-XXL (+ the CLIP image encoder of Wan 2.1 I2V/FLF2V) and
    the Wan 2.1 VAE beside its transformer."""
    te = UMT5_XXL_GB + CLIP_H_GB if clip else UMT5_XXL_GB
    return MemoryNeeds(
        transformer_gb=transformer_gb, text_encoder_gb=te, vae_gb=WAN21_VAE_GB, activations_gb=activations_gb
    )


def wan_spec(
    name: str,
    title: str,
    model_id: str,
    *,
    steps: int = 30,
    guidance: float = 5.0,
    draft: ModeSpec | None = None,
    **fields: Any,
) -> PresetSpec:
    """A Wan checkpoint on a GPU: 832×480 at 16 fps, three-second clips, five seconds a pass (81
    frames, what Wan was trained on), the balanced mode on its own schedule, and ``draft`` when a
    distilled LoRA exists; ``fields`` are the rest of its :class:`PresetSpec`."""
    modes = {BALANCED: wan_balanced(steps, guidance)} | ({DRAFT: draft} if draft else {})
    fields = {"group": "wan", "roles": frozenset(), "base_size": (832, 480), "default_fps": 16} | fields
    return register_spec(
        PresetSpec(
            name=name,
            title=title,
            model_id=model_id,
            default_seconds=3.0,
            max_seconds_per_pass=5.0,
            default_steps=steps,
            default_guidance=guidance,
            needs_gpu=True,
            extra_modes=modes,
            **fields,
        )
    )


A14B_MEMORY = MemoryNeeds(
    transformer_gb=57.2,
    largest_module_gb=28.6,
    text_encoder_gb=UMT5_XXL_GB,
    vae_gb=WAN21_VAE_GB,
    activations_gb=4.0,
)

# --- Tiny presets: random weights, a CPU, tests. ----------------------------------------------
tiny_spec(
    "tiny",
    "Tiny (random weights, CPU test preset)",
    "tiny",
    roles=frozenset({FIRST, LAST}),
    base_size=(256, 144),
    max_seconds_per_pass=5.0,
    default_steps=4,
    default_guidance=5.0,
    needs_gpu=False,
    loop_native=True,
    role_requires=LAST_NEEDS_FIRST,
    extra_modes={
        BALANCED: TINY_BALANCED,
        # A random rank-4 LoRA built in-process and saved to <models>/loras/tiny/ (like the
        # tiny weights themselves): exercises the real load_lora_weights path offline.
        DRAFT: distilled(
            LoraSource(repo=None, weight_name="tiny_draft_lora.safetensors", licence="own"), 4, 8
        ),
    },
    notes="Real Wan pipeline classes with tiny random weights: for tests and CPU-only machines.",
)
tiny_spec(
    "tiny-vace",
    "Tiny VACE (references + keyframes, random weights)",
    "tiny",
    roles=frozenset(ReferenceRole),
    base_size=(256, 144),
    max_seconds_per_pass=5.0,
    default_steps=4,
    default_guidance=5.0,
    loop_native=True,
    notes="WanVACEPipeline: subject/style → reference_images; first/last frame pinned by mask.",
)
tiny_spec(
    "tiny-ltx",
    "Tiny LTX-Video (keyframes, random weights)",
    "tiny-ltx",
    roles=frozenset({FIRST, LAST}),
    base_size=(128, 64),
    max_seconds_per_pass=3.0,
    default_steps=3,
    default_guidance=3.0,
    size_multiple=32,
    frame_step=8,
    loop_native=True,
    notes="LTXConditionPipeline: first/last frame as LTXVideoCondition keyframes; Extend as a video one.",
)
tiny_spec(
    "tiny-ltx2",
    "Tiny LTX-2 (video + audio, keyframes, random weights)",
    "tiny-ltx2",
    roles=frozenset({FIRST, LAST}),
    base_size=(64, 32),  # the tiny VAE compresses 2×: 32×64 is already 512 tokens a frame
    max_seconds_per_pass=2.0,
    default_steps=2,
    default_guidance=3.0,
    size_multiple=32,  # as the real LTX-2, so sizing is exercised the same way
    frame_step=8,
    produces_audio=True,
    notes="LTX2ConditionPipeline: joint video + audio (vocoder); LTX2VideoCondition keyframes.",
)

# --- Wan 2.1 / 2.2 (the T2V 1.3B is the preset a single consumer GPU can serve). -------------
wan_spec(
    "wan-2.1-t2v-1.3b",
    "Wan 2.1 text-to-video 1.3B (480p)",
    "Wan-AI/Wan2.1-T2V-1.3B-Diffusers",
    cost=transformer_profile(1.3e9, 30, 1536),
    # CausVid (bidirectional, step-distilled) LoRA for the 1.3B model; 6 steps, CFG 1.
    draft=distilled(
        LoraSource(
            repo="Kijai/WanVideo_comfy",
            weight_name="Wan21_CausVid_bidirect2_T2V_1_3B_lora_rank32.safetensors",
            licence="see model card (CausVid: non-commercial terms reported; not verified offline)",
        ),
        steps=6,
        motion_guidance=5.0,
    ),
    memory=wan_memory(2.8, 4.0),
    notes="WanPipeline. Text only: image requests route to the Wan image-to-video presets.",
)
wan_spec(
    "wan-2.1-i2v-14b-480p",
    "Wan 2.1 image-to-video 14B (480p, first frame)",
    "Wan-AI/Wan2.1-I2V-14B-480P-Diffusers",
    roles=frozenset({FIRST}),
    required_roles=frozenset({FIRST}),
    cost=transformer_profile(14e9, 40, 5120),
    draft=distilled(
        LoraSource(
            repo=LIGHTX2V_21,
            weight_name="wan2.1_i2v_lora_rank64_lightx2v_4step.safetensors",
            licence="Apache-2.0 (lightx2v)",
        ),
        motion_guidance=5.0,
    ),
    memory=wan_memory(28.6, 4.0, clip=True),
    notes="WanImageToVideoPipeline with `image`. Not trained for an end frame: last_frame is refused.",
)
wan_spec(
    "wan-2.1-flf2v-14b-720p",
    "Wan 2.1 first-last-frame 14B (720p)",
    "Wan-AI/Wan2.1-FLF2V-14B-720P-diffusers",
    guidance=5.5,
    roles=frozenset({FIRST, LAST}),
    # Both, always: its image embedder adds positions over two frames' CLIP tokens (514), so a
    # first frame alone fails inside the transformer; routing sends one to a first-frame preset.
    required_roles=frozenset({FIRST, LAST}),
    base_size=(1280, 720),
    cost=transformer_profile(14e9, 40, 5120),
    loop_native=True,
    memory=wan_memory(28.6, 9.0, clip=True),
    notes="WanImageToVideoPipeline with `image` and `last_image`, both required.",
)
wan_spec(
    "wan-2.2-ti2v-5b",
    "Wan 2.2 text/image-to-video 5B (720p, 24 fps)",
    "Wan-AI/Wan2.2-TI2V-5B-Diffusers",
    steps=40,
    group="wan-2.2",
    roles=frozenset({FIRST}),  # the pipeline accepts last_image but this model ignores it
    base_size=(1280, 704),
    default_fps=24,  # 121 frames a pass
    cost=transformer_profile(5e9, 30, 3072),
    # Wan 2.2 TI2V 5B Turbo (4 steps, CFG 1) as a LoRA; both entry points share its transformer.
    draft=distilled(
        LoraSource(
            repo="Kijai/WanVideo_comfy",
            weight_name="LoRAs/Wan22-Turbo/Wan22_TI2V_5B_Turbo_lora_rank_64_fp16.safetensors",
            licence="see model card (the Turbo page names none; base Apache-2.0; not verified offline)",
        ),
        quality_passes=80,
        motion_guidance=5.0,
    ),
    size_multiple=32,  # VAE ×16 spatial compression × patch 2
    memory=MemoryNeeds(
        transformer_gb=10.0, text_encoder_gb=UMT5_XXL_GB, vae_gb=WAN22_VAE_GB, activations_gb=10.0
    ),
    notes="WanPipeline for text, WanImageToVideoPipeline(expand_timesteps=True) for a first frame.",
)
wan_spec(
    "wan-2.2-t2v-a14b",
    "Wan 2.2 text-to-video A14B (two experts, 480p)",
    "Wan-AI/Wan2.2-T2V-A14B-Diffusers",
    steps=40,
    guidance=4.0,
    draft=a14b_draft("t2v", "1217", 4.0),
    group="wan-2.2-a14b",
    cost=transformer_profile(14e9, 40, 5120),  # one expert runs per step
    memory=A14B_MEMORY,
    notes="WanPipeline with transformer_2 and boundary_ratio 0.875 (high-noise expert first).",
)
wan_spec(
    "wan-2.2-i2v-a14b",
    "Wan 2.2 image-to-video A14B (two experts, 480p, first frame)",
    "Wan-AI/Wan2.2-I2V-A14B-Diffusers",
    steps=40,
    guidance=3.5,
    draft=a14b_draft("i2v", "1022", 3.5),
    group="wan-2.2-a14b",
    roles=frozenset({FIRST}),
    required_roles=frozenset({FIRST}),
    cost=transformer_profile(14e9, 40, 5120),
    memory=A14B_MEMORY,
    notes="WanImageToVideoPipeline with transformer_2 and boundary_ratio 0.9; no CLIP encoder.",
)

register_spec(
    PresetSpec(
        name="ltx-video",
        title="LTX-Video 0.9.5 (keyframes, 24 fps)",
        group="ltx",
        model_id="Lightricks/LTX-Video-0.9.5",
        licence="LTX-Video open weights licence (see model card)",
        roles=frozenset({FIRST, LAST}),
        base_size=(960, 544),  # ≈16:9 and ÷32 (768×512 is 3:2)
        default_fps=24,
        default_seconds=3.0,
        max_seconds_per_pass=5.0,  # 121 frames; the model handles up to 257
        default_steps=40,
        default_guidance=3.0,
        cost=transformer_profile(2e9, 28, 2048, decode_s_per_mpf=0.05),
        size_multiple=32,
        frame_step=8,
        needs_gpu=True,
        loop_native=True,
        memory=MemoryNeeds(transformer_gb=3.8, text_encoder_gb=9.5, vae_gb=0.9, activations_gb=5.0),
        notes="LTXConditionPipeline: LTXVideoCondition(image, frame_index 0 / last), video for Extend.",
    )
)

wan_spec(
    "wan-2.1-vace-1.3b",
    "Wan 2.1 VACE 1.3B (references + keyframes, 480p)",
    "Wan-AI/Wan2.1-VACE-1.3B-diffusers",
    # group "wan": a subject/style (or lone last frame) request to a Wan preset routes here
    roles=frozenset(ReferenceRole),
    cost=transformer_profile(1.5e9, 30, 1536),
    size_multiple=16,
    frame_step=4,
    loop_native=True,
    memory=wan_memory(3.6, 4.0),
    notes="WanVACEPipeline: subject/style → reference_images; first/last frame pinned by mask.",
)

# --- LTX-2: joint video + audio (one 19B transformer, Gemma 3 12B text encoder, a vocoder). ---
# One checkpoint serves the whole family through LTX2ConditionPipeline: text-to-video (no
# condition), first frame (index 0), first + last frame (index 0 and −1). Weights under the
# LTX-2 Community License (docs/presets.md): the operator sees the notice once at enable time.
register_spec(
    PresetSpec(
        name="ltx-2",
        title="LTX-2 (video with sound, keyframes, 24 fps)",
        group="ltx-2",
        model_id="Lightricks/LTX-2",
        licence="LTX-2 Community License (commercial use above a revenue threshold needs a licence)",
        licence_notice="preset.licence.ltx2",
        roles=frozenset({FIRST, LAST}),
        base_size=(960, 544),  # ≈16:9 and ÷32, as ltx-video
        default_fps=24,
        default_seconds=4.0,
        max_seconds_per_pass=5.0,  # 121 frames at 24 fps, the pipeline's default length
        default_steps=40,
        default_guidance=4.0,
        # 19 B parameters (14 B video + 5 B audio streams), 48 blocks of width 4096.
        cost=transformer_profile(19e9, 48, 4096, decode_s_per_mpf=0.05, overhead_s=5.0),
        size_multiple=32,
        frame_step=8,
        needs_gpu=True,
        loop_native=True,
        produces_audio=True,
        # bf16: transformer 19 B → 38 GB; Gemma 3 12B → 24 GB; video VAE + audio VAE + vocoder ≈ 1.5 GB.
        memory=MemoryNeeds(transformer_gb=38.0, text_encoder_gb=24.4, vae_gb=1.5, activations_gb=8.0),
        notes="LTX2ConditionPipeline: LTX2VideoCondition(frames, index 0 / −1); audio from the vocoder.",
    )
)
