"""The filled preset registry and the routing rule: which preset renders a request.

Importing this module imports every preset module (so :data:`PRESETS` is complete) but
no torch: the bots use it for autocomplete and validation.

Routing never drops a reference silently. A request gets the preset it asked for (or the
configured default) when that preset honours all its reference roles; otherwise another
preset of the same group that does; otherwise a refusal naming the presets that would.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
from pathlib import Path

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.settings import Settings
from reelbot.domain.types import ReferenceRole
from reelbot.generator import hub_presets as _hub_presets  # noqa: F401 - registers presets
from reelbot.generator import messages as _messages  # noqa: F401 - registers message keys
from reelbot.generator import tiny as _tiny  # noqa: F401 - registers "tiny"
from reelbot.generator.presets import PRESETS, Preset

log = logging.getLogger(__name__)

TINY_PRESET = "tiny"
GPU_DEFAULT_PRESET = "wan-2.1-t2v-1.3b"
# Optional modules owned by other engineers (control presets); absent ones are skipped.
OPTIONAL_PRESET_MODULES = ("reelbot.generator.tiny_vace", "reelbot.generator.tiny_ltx")

for _module in OPTIONAL_PRESET_MODULES:
    if importlib.util.find_spec(_module) is not None:
        importlib.import_module(_module)


def cuda_available() -> bool:
    """Whether a CUDA GPU is usable; asks torch only when torch is already imported.

    The bot image has no torch: there the NVIDIA driver's /proc entry (or a visible device
    node) is the best evidence, and importing torch just to ask would cost seconds and GBs.
    """
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return False
    torch = sys.modules.get("torch")
    if torch is not None:  # already loaded (a worker): ask it
        return bool(torch.cuda.is_available())
    # Not loaded (a bot, or a worker before its first job): never import torch just to ask —
    # a bot process must stay torch-free (seconds of import, GBs of memory).
    return Path("/proc/driver/nvidia/version").exists() or Path("/dev/nvidia0").exists()


def gpu_available(settings: Settings) -> bool:
    """The settings' device choice resolved: ``cpu`` → no, ``cuda`` → yes, ``auto`` → detect."""
    if settings.device == "cpu":
        return False
    if settings.device == "cuda":
        return True
    return cuda_available()


def default_preset_name(settings: Settings) -> str:
    """The configured preset; ``auto`` means tiny without a GPU and Wan 2.1 1.3B with one."""
    if settings.preset != "auto":
        return settings.preset
    return GPU_DEFAULT_PRESET if gpu_available(settings) else TINY_PRESET


def get_preset(name: str) -> Preset:
    """The preset called ``name``, or InvalidRequest("request.preset_unknown")."""
    try:
        return PRESETS[name]
    except KeyError:
        raise InvalidRequest(
            "request.preset_unknown", value=name, choices=", ".join(sorted(PRESETS))
        ) from None


def list_presets(gpu_available: bool) -> list[Preset]:
    """Presets this machine can run, for autocomplete: GPU presets only when a GPU is there."""
    return [preset for preset in PRESETS.values() if gpu_available or not preset.needs_gpu]


def _missing_role(preset: Preset, roles: set[ReferenceRole]) -> ReferenceRole | None:
    """The role to name in a refusal: one the preset cannot use, or one it needs but lacks."""
    for role in sorted(roles - preset.roles):
        return role
    for role, needs in preset.role_requires:
        if role in roles and needs not in roles:
            return role
    for role in sorted(preset.required_roles - roles):
        return role
    return None


def route_preset(requested: str | None, roles: set[ReferenceRole], settings: Settings) -> Preset:
    """The preset that renders a request with these reference ``roles``.

    For an Extend, pass ``roles | {FIRST_FRAME}``: the parent's last frame is the new
    segment's first frame. Candidates in the same group are tried in registration order,
    preferring those that claim the fewest extra roles (the smallest model that can).
    """
    preset = get_preset(requested or default_preset_name(settings))
    if preset.supports(roles):
        return preset
    same_group = [p for p in PRESETS.values() if p.group == preset.group and p.supports(roles)]
    if same_group:
        chosen = min(same_group, key=lambda p: len(p.roles - roles))
        log.info("preset %s cannot use roles %s; routed to %s", preset.name, sorted(roles), chosen.name)
        return chosen
    role = _missing_role(preset, roles)
    capable = [p.name for p in PRESETS.values() if p.supports(roles)]
    raise InvalidRequest(
        "request.preset_role_unsupported",
        preset=preset.name,
        role=role.value if role is not None else "",
        choices=", ".join(capable) or "-",
    )
