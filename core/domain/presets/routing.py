"""Routing: which preset renders a request, and on which device the presets can run.

Routing never drops a reference silently. A request gets the preset it asked for (or the
configured default) when that preset honours all its reference roles; otherwise another
preset of the same group that does; otherwise a refusal naming the presets that would.
When the workers' card size is known (``settings.engine.gpu_memory_gb``), a preset that fits
the card comfortably (whole, or with model offload — :mod:`.memory`) is preferred, across
groups if its own group has none (on a 24 GB card a first-frame request goes to Wan 2.2
TI2V 5B or VACE 1.3B, not to a 14B model streamed block by block).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.presets.memory import fits_comfortably, memory_plan
from reelbot.domain.presets.registry import PRESETS
from reelbot.domain.presets.spec import PresetSpec
from reelbot.domain.types import ReferenceRole

if TYPE_CHECKING:
    from reelbot.domain.settings import Settings
    from reelbot.domain.types import GenerationRequest

log = logging.getLogger(__name__)

TINY_PRESET = "tiny"
GPU_DEFAULT_PRESET = "wan-2.1-t2v-1.3b"


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


def get_preset(name: str) -> PresetSpec:
    """The preset called ``name``, or InvalidRequest("request.preset_unknown")."""
    try:
        return PRESETS[name]
    except KeyError:
        raise InvalidRequest(
            "request.preset_unknown", value=name, choices=", ".join(sorted(PRESETS))
        ) from None


def list_presets(gpu_available: bool) -> list[PresetSpec]:
    """Presets this machine can run, for autocomplete: GPU presets only when a GPU is there."""
    return [preset for preset in PRESETS.values() if gpu_available or not preset.needs_gpu]


def presets_that_fit(card_gb: float | None, roles: set[ReferenceRole] | None = None) -> list[PresetSpec]:
    """GPU presets that fit ``card_gb`` comfortably (and honour ``roles`` when given)."""
    return [
        p
        for p in PRESETS.values()
        if p.needs_gpu and fits_comfortably(p, card_gb) and (roles is None or p.supports(roles))
    ]


def _refused_role(preset: PresetSpec, roles: set[ReferenceRole]) -> tuple[str, ReferenceRole | None]:
    """The message key and role of a refusal: a role the preset cannot use, or one it needs
    but lacks (a lone last frame needs a first frame; an image-only checkpoint needs one)."""
    for role in sorted(roles - preset.roles):
        return "request.preset_role_unsupported", role
    for role, needs in preset.role_requires:
        if role in roles and needs not in roles:
            return "request.preset_role_missing", needs
    for role in sorted(preset.required_roles - roles):
        return "request.preset_role_missing", role
    return "request.preset_role_unsupported", None


def _too_big(preset: PresetSpec, card_gb: float | None, roles: set[ReferenceRole]) -> InvalidRequest:
    fitting = [p.name for p in presets_that_fit(card_gb, roles)]
    return InvalidRequest(
        "request.preset_too_big",
        preset=preset.name,
        card=f"{card_gb or 0:.0f}",
        choices=", ".join(fitting) or "-",
    )


def _stand_in(
    preset: PresetSpec, roles: set[ReferenceRole], card_gb: float | None, takes: Callable[[PresetSpec], bool]
) -> PresetSpec | None:
    """Another preset that ``takes`` the request (its ``roles``, or a board's every shot): same
    group first, fitting the card first, fewest roles beyond ``roles``."""
    same_group = [p for p in PRESETS.values() if p.group == preset.group and takes(p)]
    comfortable = [p for p in same_group if fits_comfortably(p, card_gb)]
    if not comfortable and card_gb is not None:
        comfortable = [p for p in presets_that_fit(card_gb) if p.needs_gpu == preset.needs_gpu and takes(p)]
    runnable = comfortable or [p for p in same_group if memory_plan(p, card_gb) != "refuse"]
    if not runnable:
        return None
    return min(runnable, key=lambda p: len(p.roles - roles))


def route_preset(
    requested: str | None, roles: set[ReferenceRole], settings: Settings, *, loop: bool = False
) -> PresetSpec:
    """The preset that renders a request with these reference ``roles`` (``loop``: the
    request's; see :meth:`PresetSpec.supports`).

    For an Extend, pass ``roles | {FIRST_FRAME}``: the parent's last frame is the new
    segment's first frame. A preset asked for by name is kept when it honours the roles
    and can run on the card at all; the default one is kept only when it fits comfortably.
    """
    card_gb = settings.engine.gpu_memory_gb
    preset = get_preset(requested or default_preset_name(settings))
    if preset.supports(roles, loop=loop):
        plan = memory_plan(preset, card_gb)
        if plan != "refuse" and (requested is not None or plan in ("whole", "model_offload")):
            return preset
    chosen = _stand_in(preset, roles, card_gb, lambda p: p.supports(roles, loop=loop))
    if chosen is not None:
        log.info(
            "preset %s: roles %s on %s GB; routed to %s", preset.name, sorted(roles), card_gb, chosen.name
        )
        return chosen
    if preset.supports(roles, loop=loop):
        raise _too_big(preset, card_gb, roles)
    raise role_refusal(preset, roles)


def route_request(
    request: GenerationRequest, settings: Settings, extra_roles: Collection[ReferenceRole] = ()
) -> PresetSpec:
    """:func:`route_preset` for a request: its preset, its roles (an Extend's first frame
    included) plus ``extra_roles`` (images sent beside it, not yet stored), its loop."""
    return route_preset(request.preset, request.roles() | set(extra_roles), settings, loop=request.loop)


def route_board(
    requested: str | None, shot_roles: Sequence[set[ReferenceRole]], settings: Settings
) -> PresetSpec:
    """One preset for every shot of a storyboard (one size, fps and look for the whole Short).

    :func:`route_preset` for all the roles the shots use, kept when it also takes each shot's
    own roles. It may not: Wan 2.1 FLF2V needs both frames in every shot, an image-only
    checkpoint an image in every shot. Then another preset that takes every shot, chosen by
    routing's own stand-in rule, so no shot is queued that its engine would refuse; else the
    first shot it cannot take is refused before anything is queued.
    """
    used: set[ReferenceRole] = set().union(*shot_roles)
    preset = route_preset(requested, used, settings)
    refused = [roles for roles in shot_roles if not preset.supports(roles)]
    if not refused:
        return preset
    chosen = _stand_in(
        preset, used, settings.engine.gpu_memory_gb, lambda p: all(p.supports(roles) for roles in shot_roles)
    )
    if chosen is None:
        raise role_refusal(preset, refused[0])
    log.info("board on %s: a shot's roles need another preset; routed to %s", preset.name, chosen.name)
    return chosen


def role_refusal(preset: PresetSpec, roles: set[ReferenceRole]) -> InvalidRequest:
    """Why ``preset`` cannot take ``roles`` (the role it cannot use, or the one it needs) and
    which presets can: routing's answer, and an engine's for a job that reached it without routing."""
    key, role = _refused_role(preset, roles)
    capable = [p.name for p in PRESETS.values() if p.supports(roles)]
    return InvalidRequest(
        key,
        preset=preset.name,
        role=role.value if role is not None else "",
        choices=", ".join(capable) or "-",
    )
