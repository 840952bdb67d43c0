"""The generator's preset catalogue: every engine module imported, so each spec has its loader.

The specs, routing and sizing live in :mod:`reelbot.domain.presets` (torch-free); this module
re-exports them for the generator's own callers and imports the engine modules (still no
torch at import: each loader imports the heavy parts lazily).
"""

from __future__ import annotations

from reelbot.domain.presets import (
    GPU_DEFAULT_PRESET,
    PRESETS,
    TINY_PRESET,
    cuda_available,
    default_preset_name,
    get_preset,
    gpu_available,
    list_presets,
    route_preset,
)
from reelbot.generator import hub_presets as _hub_presets  # noqa: F401 - registers engines
from reelbot.generator import tiny as _tiny  # noqa: F401 - registers "tiny"
from reelbot.generator import tiny_ltx as _tiny_ltx  # noqa: F401 - registers "tiny-ltx", "ltx-video"
from reelbot.generator import tiny_ltx2 as _tiny_ltx2  # noqa: F401 - registers "tiny-ltx2", "ltx-2"
from reelbot.generator import tiny_vace as _tiny_vace  # noqa: F401 - registers the VACE engines
from reelbot.generator.presets import Preset

__all__ = [
    "GPU_DEFAULT_PRESET",
    "PRESETS",
    "TINY_PRESET",
    "Preset",
    "cuda_available",
    "default_preset_name",
    "get_preset",
    "gpu_available",
    "list_presets",
    "route_preset",
]
