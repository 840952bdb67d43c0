"""The preset registry: a name → which pipeline, which weights, which defaults and limits.

Importing this module must stay light (no torch, no diffusers): the bots read the registry
for autocomplete and validation. Each preset's ``load`` imports the heavy parts lazily and
returns an :class:`Engine`. Adding a preset is one decorated function in one file::

    @register_preset(Preset(name="my-preset", ...))
    def load_my_preset(ctx: LoadContext) -> Engine: ...
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from reelbot.domain.types import Camera, ReferenceRole, Variation

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image


@dataclass(frozen=True)
class RenderJob:
    """Everything an engine needs for one pass, already sized and validated."""

    prompt: str
    negative_prompt: str
    width: int
    height: int
    num_frames: int
    fps: int
    steps: int
    guidance: float
    seed: int
    references: Mapping[ReferenceRole, Image.Image] = field(default_factory=dict)
    # Extend: the parent's last frames (uint8 [F, H, W, 3]) the new segment continues from.
    context_frames: np.ndarray | None = None
    variation: Variation | None = None
    variation_salt: int = 0
    motion: float | None = None
    camera: Camera | None = None
    loop: bool = False


class StepCallback(Protocol):
    def __call__(self, step: int, total: int) -> bool:
        """Called after each denoising step; return False to interrupt (cancellation)."""
        ...


class Engine(Protocol):
    """A loaded preset: its pipelines on a device, kept warm between jobs."""

    def render(self, job: RenderJob, on_step: StepCallback) -> np.ndarray:
        """Return frames as uint8 [num_frames, height, width, 3]."""
        ...


@dataclass(frozen=True)
class LoadContext:
    device: str  # "cpu" or "cuda"
    dtype: str  # "float32" or "bfloat16"
    cache_dir: str | None = None


@dataclass(frozen=True)
class Preset:
    """A named recipe for the model side; see docs/presets.md for the real checkpoints."""

    name: str
    title: str
    group: str  # presets in one group may stand in for each other when routing by roles
    model_id: str | None  # hub id or local path; None for built-from-config presets
    roles: frozenset[ReferenceRole]  # reference roles this preset honours
    base_size: tuple[int, int]  # (long side, short side) in pixels for 9:16 / 16:9
    default_fps: int
    default_seconds: float
    max_seconds_per_pass: float
    default_steps: int
    default_guidance: float
    size_multiple: int = 16  # Wan: 16; LTX-Video: 32
    frame_step: int = 4  # frame counts are frame_step·k + 1
    needs_gpu: bool = False
    loop_native: bool = False  # honours first = last frame conditioning for loops
    # Roles a request MUST bring (an image-to-video-only checkpoint cannot start from text alone).
    required_roles: frozenset[ReferenceRole] = frozenset()
    # (role, needs): a role only usable together with another (Wan: last_frame needs first_frame).
    role_requires: tuple[tuple[ReferenceRole, ReferenceRole], ...] = ()
    notes: str = ""
    load: Callable[[LoadContext], Engine] | None = field(default=None, compare=False, repr=False)

    def supports(self, roles: set[ReferenceRole]) -> bool:
        """Whether this preset honours exactly these roles (an Extend counts as a first_frame)."""
        if not (roles <= self.roles and self.required_roles <= roles):
            return False
        return all(needs in roles for role, needs in self.role_requires if role in roles)


PRESETS: dict[str, Preset] = {}


def register_preset(preset: Preset) -> Callable[[Callable[[LoadContext], Any]], Callable[[LoadContext], Any]]:
    """Register ``preset`` with the decorated function as its loader."""

    def decorate(loader: Callable[[LoadContext], Any]) -> Callable[[LoadContext], Any]:
        if preset.name in PRESETS:
            raise ValueError(f"preset {preset.name!r} registered twice")
        PRESETS[preset.name] = replace(preset, load=loader)
        return loader

    return decorate
