"""The speed-mode builders of the Wan family: balanced (a caching hook on the full schedule) and
draft (a step- and CFG-distilled LoRA, with its opt-in motion mitigation). The catalogue calls
them per preset; the figures are the published starting points, not measured here."""

from __future__ import annotations

from reelbot.domain.presets.spec import CacheSpec, LoraSource, ModeSpec

LIGHTX2V_21 = "lightx2v/Wan2.1-Distill-Loras"
LIGHTX2V_22 = "lightx2v/Wan2.2-Distill-Loras"


def wan_balanced(steps: int, guidance: float, threshold: float = 0.05) -> ModeSpec:
    """Full schedule + First-Block Cache (published ≈1.6× on Wan 2.1; threshold is the starting value)."""
    return ModeSpec(
        steps=steps,
        guidance=guidance,
        cache=CacheSpec(kind="first_block", threshold=threshold),
        relative_cost=0.65,
    )


#: Motion mitigation for the Wan distilled LoRAs (opt-in, ``REELBOT_ENGINE__MOTION_MITIGATION``):
#: full-guidance steps at high noise with the adapter off before the distilled ones — the two
#: undistilled high-noise steps users of the Lightning/lightx2v LoRAs run against slow motion
#: (a starting point from the field, not measured here).
WAN_MOTION_STEPS = 2


def distilled(
    lora: LoraSource, steps: int = 4, quality_passes: int = 60, *, motion_guidance: float | None = None
) -> ModeSpec:
    """A step- and CFG-distilled LoRA: ``steps`` steps, guidance 1 (one pass per step);
    ``motion_guidance`` (the checkpoint's own guidance) offers :data:`WAN_MOTION_STEPS` of motion
    mitigation first, when the operator turns it on."""
    motion = (
        {}
        if motion_guidance is None
        else {"motion_steps": WAN_MOTION_STEPS, "motion_guidance": motion_guidance}
    )
    return ModeSpec(
        steps=steps,
        guidance=1.0,
        fixed_steps=True,
        lora=lora,
        relative_cost=round(steps / quality_passes, 3),
        **motion,
    )


def a14b_draft(task: str, date: str, guidance: float) -> ModeSpec:
    """Wan 2.2 A14B's 4-step LoRA pair: high-noise expert (transformer) + low-noise (transformer_2);
    its motion mitigation runs the high-noise expert undistilled for the first steps."""
    return distilled(
        LoraSource(
            repo=LIGHTX2V_22,
            weight_name=f"wan2.2_{task}_A14b_high_noise_lora_rank64_lightx2v_4step_{date}.safetensors",
            weight_name_2=f"wan2.2_{task}_A14b_low_noise_lora_rank64_lightx2v_4step_{date}.safetensors",
            licence="Apache-2.0 (lightx2v)",
        ),
        quality_passes=80,
        motion_guidance=guidance,
    )
