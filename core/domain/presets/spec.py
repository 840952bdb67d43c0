"""What a preset *is*, as plain data: no torch, no numpy, nothing the bots cannot import.

A :class:`PresetSpec` names a checkpoint and its limits (roles, sizes, fps, steps), the speed
modes it offers (:class:`ModeSpec`), what it needs in GPU memory (:class:`MemoryNeeds`) and
what a clip costs (:class:`CostProfile`). The generator registers an *engine loader* against
the same name (``reelbot.generator.presets.register_engine``); the spec itself never knows
how it is loaded, so routing, validation, quotas and autocomplete run anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from reelbot.domain.types import ReferenceRole, SpeedMode

H100_BF16_EFFECTIVE = 0.4 * 790e12  # FLOP/s: 40 % of the measured dense bf16 peak
GB = 1e9


@dataclass(frozen=True)
class CostProfile:
    """Seconds of GPU time per clip as a function of its size. All coefficients ≥ 0.

    ``steps`` in :meth:`seconds` counts *transformer passes* (a CFG step is two), so one
    profile prices every speed mode: quality's 2·steps, draft's 1·steps.
    """

    overhead_s: float  # text encoding, scheduler set-up, encode to mp4
    per_token_step_s: float  # × tokens × passes (weights)
    per_token2_step_s: float  # × tokens² × passes (attention)
    per_pixel_frame_s: float  # × width × height × frames (VAE decode)

    def seconds(self, *, tokens: int, steps: int, pixel_frames: int) -> float:
        return (
            self.overhead_s
            + steps * (self.per_token_step_s * tokens + self.per_token2_step_s * tokens * tokens)
            + self.per_pixel_frame_s * pixel_frames
        )


def transformer_profile(
    params: float, layers: int, width: int, *, decode_s_per_mpf: float = 0.15, overhead_s: float = 3.0
) -> CostProfile:
    """A per-pass profile from a diffusion transformer's size: ``2·P·T`` FLOPs for the weights
    plus ``4·L·D·T²`` for attention, at :data:`H100_BF16_EFFECTIVE` (``decode_s_per_mpf``:
    VAE seconds per megapixel-frame)."""
    return CostProfile(
        overhead_s=overhead_s,
        per_token_step_s=2 * params / H100_BF16_EFFECTIVE,
        per_token2_step_s=4 * layers * width / H100_BF16_EFFECTIVE,
        per_pixel_frame_s=decode_s_per_mpf / 1e6,
    )


@dataclass(frozen=True, kw_only=True)
class LoraSource:
    """Distilled weights as a LoRA: a hub repo + file, or built in-process (``repo=None``, tiny).

    An operator's local copy at ``<models>/loras/<preset>/<weight_name>`` wins over the hub.
    """

    repo: str | None
    weight_name: str
    licence: str
    weight_name_2: str | None = None  # Wan 2.2 A14B: the low-noise expert's LoRA (transformer_2)
    adapter_name: str = "draft"
    scale: float = 1.0


#: Whole-pass caches only: they answer a transformer pass from the cache without running its
#: remaining blocks, which the pass counter sees (``passes_skipped``). diffusers' PAB and
#: TaylorSeer approximate attention *inside* blocks — invisible to that count, so a report would
#: claim nothing was skipped — and PAB needs the pipeline's timestep callback: not offered.
CacheKind = Literal["first_block", "mag"]


@dataclass(frozen=True, kw_only=True)
class CacheSpec:
    """A diffusers caching hook (``diffusers.hooks``) and its per-model tuning."""

    kind: CacheKind
    threshold: float = 0.05  # first_block: relative change of block 0's output that forces a full pass
    mag_ratios: tuple[float, ...] = ()  # mag: the model's calibrated magnitude ratios (one per step)
    retention_ratio: float = 0.2  # mag: the first fraction of steps is always run in full


@dataclass(frozen=True, kw_only=True)
class ModeSpec:
    """One speed mode of one preset."""

    steps: int
    guidance: float
    fixed_steps: bool = False  # distilled weights are trained for ``steps``: a request cannot change it
    lora: LoraSource | None = None
    cache: CacheSpec | None = None
    # Motion mitigation (distilled modes): this many full-guidance steps with the adapter off
    # at high noise, before the distilled steps. 0 = off (documented per preset in docs/presets.md).
    motion_steps: int = 0
    motion_guidance: float = 5.0
    relative_cost: float = 1.0  # expected GPU time against quality (docs; the estimate computes its own)

    def passes(self, steps: int, guidance: float, *, mitigate: bool = False) -> int:
        """Transformer passes this mode runs at most (before a cache skips any); with
        ``mitigate`` (``settings.engine.motion_mitigation``) its full-guidance steps come first."""
        per_step = 2 if guidance > 1.0 else 1
        motion = self.motion_steps * (2 if self.motion_guidance > 1.0 else 1) if mitigate else 0
        return motion + max(0, steps) * per_step


@dataclass(frozen=True, kw_only=True)
class MemoryNeeds:
    """GPU memory in GB, computed from parameter counts (bf16 weights, fp32 VAE) unless measured."""

    transformer_gb: float  # all experts together (Wan 2.2 A14B: two)
    text_encoder_gb: float
    vae_gb: float
    activations_gb: float  # peak working memory of one pass at the base size
    largest_module_gb: float | None = None  # default: the transformer (one expert for A14B)
    measured: bool = False

    @property
    def whole_gb(self) -> float:
        return self.transformer_gb + self.text_encoder_gb + self.vae_gb + self.activations_gb

    @property
    def model_offload_gb(self) -> float:
        """Model CPU offload keeps one module on the GPU at a time."""
        largest = self.largest_module_gb or self.transformer_gb
        return max(largest, self.text_encoder_gb, self.vae_gb) + self.activations_gb

    @property
    def group_offload_gb(self) -> float:
        """Group offloading streams blocks: working memory plus a small resident share."""
        return self.activations_gb + 0.1 * (self.largest_module_gb or self.transformer_gb) + self.vae_gb


@dataclass(frozen=True, kw_only=True)
class PresetSpec:
    """A named recipe for the model side; see docs/presets.md for the real checkpoints."""

    name: str
    title: str
    group: str  # presets in one group may stand in for each other when routing by roles
    model_id: str | None  # hub id or local path; None for built-from-config presets
    licence: str = "Apache-2.0"
    roles: frozenset[ReferenceRole]  # reference roles this preset honours
    base_size: tuple[int, int]  # (long side, short side) in pixels for 9:16 / 16:9
    default_fps: int
    default_seconds: float
    max_seconds_per_pass: float
    default_steps: int
    default_guidance: float
    cost: CostProfile  # what a clip costs, per transformer pass: never a silent fallback
    size_multiple: int = 16  # Wan: 16; LTX-Video: 32
    frame_step: int = 4  # frame counts are frame_step·k + 1
    needs_gpu: bool = False
    loop_native: bool = False  # honours first = last frame conditioning for loops
    # Roles a request MUST bring (an image-to-video-only checkpoint cannot start from text alone).
    required_roles: frozenset[ReferenceRole] = frozenset()
    # (role, needs): a role only usable together with another (Wan: last_frame needs first_frame).
    role_requires: tuple[tuple[ReferenceRole, ReferenceRole], ...] = ()
    # Speed modes beyond quality (quality is always the default steps/guidance with CFG).
    extra_modes: Mapping[SpeedMode, ModeSpec] = field(default_factory=dict)
    memory: MemoryNeeds | None = None  # None: tiny CPU presets, no plan needed
    notes: str = ""
    # The model returns a soundtrack with the frames (LTX-2): the clip is muxed with AAC audio.
    produces_audio: bool = False
    # Terms the operator must see once when the preset is enabled (worker start, doctor, presets):
    # a key of core/domain/presets/texts.py's catalogue, "" when the licence needs no notice.
    licence_notice: str = ""

    def supports(self, roles: set[ReferenceRole], *, loop: bool = False) -> bool:
        """Whether this preset honours exactly these roles (an Extend counts as a first_frame).
        A ``loop`` with a start image on a ``loop_native`` preset pins that image as the end frame
        too, so there it brings the last_frame (Wan 2.1 FLF2V, which needs both, loops from one)."""
        first, last = ReferenceRole.FIRST_FRAME, ReferenceRole.LAST_FRAME
        if loop and self.loop_native and first in roles and last in self.roles:
            roles = roles | {last}
        if not (roles <= self.roles and self.required_roles <= roles):
            return False
        return all(needs in roles for role, needs in self.role_requires if role in roles)

    @property
    def modes(self) -> dict[SpeedMode, ModeSpec]:
        """Every mode this preset offers, quality first."""
        quality = ModeSpec(steps=self.default_steps, guidance=self.default_guidance)
        return {SpeedMode.QUALITY: quality, **dict(self.extra_modes)}

    def mode(self, speed: SpeedMode) -> ModeSpec | None:
        return self.modes.get(speed)
