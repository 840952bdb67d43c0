"""The generator's side of a preset: the engine that renders it, registered against its spec.

The spec (name, roles, sizes, modes, memory, cost) is data in :mod:`reelbot.domain.presets`,
readable without torch. Here each spec name gets an *engine loader*: a function that imports
the heavy parts lazily and returns an :class:`Engine`. Adding a preset is one spec line in
``core/domain/presets/catalog.py`` plus one engine module, named in :data:`ENGINE_MODULES`::

    @register_engine("my-preset")
    def load_my_preset(ctx: LoadContext) -> Engine: ...
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from reelbot.domain.presets import PRESETS, PresetSpec, register_spec
from reelbot.domain.types import Camera, ReferenceRole, SpeedMode, Variation

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

    from reelbot.domain.presets.sizing import RenderPlan
    from reelbot.domain.settings import EngineSettings
    from reelbot.domain.types import GenerationRequest

#: The generator's name for a spec (kept: engines and tests say ``Preset``).
Preset = PresetSpec


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
    speed: SpeedMode = SpeedMode.QUALITY


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
    engine: EngineSettings | None = None  # tuning switches (None: defaults, all off on CPU)
    card_gb: float | None = None  # the GPU's memory, for the memory plan (None on CPU)


EngineLoader = Callable[[LoadContext], Any]
ENGINE_LOADERS: dict[str, EngineLoader] = {}

#: The modules that register the shipped engines (each imports torch only inside its loaders).
#: A new engine module is one line here; they are imported the first time a loader is asked for,
#: so importing this module costs nothing and no caller needs a side-effect import.
ENGINE_MODULES = (
    "reelbot.generator.hub_presets",
    "reelbot.generator.tiny",
    "reelbot.generator.tiny_ltx",
    "reelbot.generator.tiny_ltx2",
    "reelbot.generator.tiny_vace",
)


def register_engine(name: str) -> Callable[[EngineLoader], EngineLoader]:
    """Register the decorated function as the engine loader of the spec called ``name``."""

    def decorate(loader: EngineLoader) -> EngineLoader:
        if name in ENGINE_LOADERS:
            raise ValueError(f"engine for preset {name!r} registered twice")
        ENGINE_LOADERS[name] = loader
        return loader

    return decorate


def register_preset(spec: PresetSpec) -> Callable[[EngineLoader], EngineLoader]:
    """A spec that lives beside its engine (tests, benchmarks): register both at once."""
    register_spec(spec)
    return register_engine(spec.name)


def load_engine_modules() -> None:
    """Import every module of :data:`ENGINE_MODULES` (again: a no-op), so each shipped spec has its loader."""
    for module in ENGINE_MODULES:
        importlib.import_module(module)


def engine_loader(name: str) -> EngineLoader | None:
    """The loader registered for ``name`` (None: a spec without an engine in this process)."""
    if name not in ENGINE_LOADERS:
        load_engine_modules()
    return ENGINE_LOADERS.get(name)


def render_job(
    request: GenerationRequest,
    plan: RenderPlan,
    references: Mapping[ReferenceRole, Image.Image] | None = None,
    *,
    context_frames: np.ndarray | None = None,
) -> RenderJob:
    """The engine's input for one pass: the request's texts and creative knobs, the plan's numbers
    (:func:`reelbot.domain.presets.plan_render`).

    ``references`` are the decoded images by role (the engine fits them with
    :mod:`reelbot.generator.conditioning`); ``context_frames`` are the parent's last frames
    for an Extend.
    """
    return RenderJob(
        prompt=request.prompt,
        negative_prompt=request.negative_prompt,
        width=plan.width,
        height=plan.height,
        num_frames=plan.num_frames,
        fps=plan.fps,
        steps=plan.steps,
        guidance=plan.guidance,
        seed=plan.seed,
        references=dict(references or {}),
        context_frames=context_frames,
        variation=request.variation,
        variation_salt=request.variation_salt,
        motion=request.motion,
        camera=request.camera,
        loop=request.loop,
        speed=plan.speed,
    )


__all__ = [
    "ENGINE_LOADERS",
    "ENGINE_MODULES",
    "PRESETS",
    "Engine",
    "EngineLoader",
    "LoadContext",
    "Preset",
    "RenderJob",
    "StepCallback",
    "engine_loader",
    "load_engine_modules",
    "register_engine",
    "register_preset",
    "render_job",
]
