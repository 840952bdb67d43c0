"""Preset specs as data, their registry, routing and render planning — torch- and numpy-free.

The bots, the service, quotas and validation read presets from here; the generator registers
an engine loader against each name (``reelbot.generator.presets.register_engine``). A new
preset is one :func:`register_spec` line (in :mod:`.catalog`, cost profile inside the spec)
plus one engine module.
"""

from reelbot.domain.presets import catalog as _catalog  # noqa: F401 - fills PRESETS
from reelbot.domain.presets.memory import MemoryPlan, fits_comfortably, memory_plan
from reelbot.domain.presets.registry import PRESETS, register_spec
from reelbot.domain.presets.routing import (
    GPU_DEFAULT_PRESET,
    TINY_PRESET,
    cuda_available,
    default_preset_name,
    get_preset,
    gpu_available,
    list_presets,
    presets_that_fit,
    role_refusal,
    route_board,
    route_preset,
    route_request,
)
from reelbot.domain.presets.sizing import (
    RenderPlan,
    check_extension,
    frame_count,
    frame_size,
    plan_render,
    resolve_speed,
    round_to_multiple,
    seconds_of,
    speed_refusal,
)
from reelbot.domain.presets.spec import (
    CacheSpec,
    CostProfile,
    LoraSource,
    MemoryNeeds,
    ModeSpec,
    PresetSpec,
    transformer_profile,
)

__all__ = [
    "GPU_DEFAULT_PRESET",
    "PRESETS",
    "TINY_PRESET",
    "CacheSpec",
    "CostProfile",
    "LoraSource",
    "MemoryNeeds",
    "MemoryPlan",
    "ModeSpec",
    "PresetSpec",
    "RenderPlan",
    "check_extension",
    "cuda_available",
    "default_preset_name",
    "fits_comfortably",
    "frame_count",
    "frame_size",
    "get_preset",
    "gpu_available",
    "list_presets",
    "memory_plan",
    "plan_render",
    "presets_that_fit",
    "register_spec",
    "resolve_speed",
    "role_refusal",
    "round_to_multiple",
    "route_board",
    "route_preset",
    "route_request",
    "seconds_of",
    "speed_refusal",
    "transformer_profile",
]
