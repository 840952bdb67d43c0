"""Does the worker's preset fit the card it runs on? Asked once, before the worker starts.

A preset that cannot run on this card (even with the offloading the settings allow) would
fail every job it claims, minutes after start-up and one job at a time. So ``reelbot worker``
and ``reelbot serve`` ask here first and exit with one line naming the presets that *do* fit,
their modes and the memory plan each would run with.

The card is the one the settings state (``REELBOT_ENGINE__GPU_MEMORY_GB``: for tests, for a
CPU box that routes for GPU workers, or to leave room for another process), else what
``torch.cuda.mem_get_info`` reports (total, and free: memory another process holds is not
ours to plan with). The plans are :mod:`reelbot.domain.presets.memory`'s, computed from
parameter counts; the same arithmetic the service routes with.
"""

from __future__ import annotations

from dataclasses import dataclass

from reelbot.domain.errors import ReelbotError
from reelbot.domain.presets import PRESETS, PresetSpec, default_preset_name, get_preset, gpu_available
from reelbot.domain.presets.memory import USABLE_SHARE, MemoryPlan, memory_plan
from reelbot.domain.settings import Settings

#: ``settings.engine.offload`` → the one plan it forces (``auto``: the cheapest that fits).
FORCED: dict[str, MemoryPlan] = {"none": "whole", "model": "model_offload", "group": "group_offload"}
PLAN_WORDS: dict[MemoryPlan, str] = {
    "whole": "whole",
    "model_offload": "offload=model",
    "group_offload": "offload=group",
    "refuse": "refuse",
}


@dataclass(frozen=True)
class Card:
    """The GPU memory a worker may plan with, in GB."""

    total_gb: float
    free_gb: float | None = None  # None: not measured (stated by a setting)

    @property
    def plan_gb(self) -> float:
        """The card size the memory plans see: the whole card, or less when another process
        already holds so much that the free memory is below the plans' usable share."""
        if self.free_gb is None:
            return self.total_gb
        return min(self.total_gb, self.free_gb / USABLE_SHARE)

    @property
    def short_of_free(self) -> bool:
        """Whether the free memory, not the card's size, is what limits the plans."""
        return self.free_gb is not None and self.plan_gb < self.total_gb


def worker_card(settings: Settings) -> Card | None:
    """The stated card, else the CUDA device's (torch imported only when a GPU is there)."""
    if settings.engine.gpu_memory_gb is not None:
        return Card(total_gb=settings.engine.gpu_memory_gb)
    if not gpu_available(settings):
        return None
    try:
        import torch

        free, total = torch.cuda.mem_get_info()
    except Exception:  # no driver / no device after all: nothing to plan with
        return None
    return Card(total_gb=total / 1e9, free_gb=free / 1e9)


def plan_on(spec: PresetSpec, card_gb: float, offload: str = "auto") -> MemoryPlan:
    """The plan ``spec`` runs with on ``card_gb`` under the ``offload`` setting, or ``refuse``."""
    if spec.memory is None:
        return "whole"
    forced = FORCED.get(offload)
    if forced is None:
        return memory_plan(spec, card_gb)
    return forced if _needed_gb(spec, forced) <= card_gb * USABLE_SHARE else "refuse"


def _needed_gb(spec: PresetSpec, plan: MemoryPlan) -> float:
    needs = spec.memory
    if needs is None:
        return 0.0
    return {
        "whole": needs.whole_gb,
        "model_offload": needs.model_offload_gb,
        "group_offload": needs.group_offload_gb,
    }.get(plan, needs.group_offload_gb)


def fitting(card_gb: float, offload: str = "auto") -> list[tuple[PresetSpec, MemoryPlan]]:
    """Every GPU preset that runs on ``card_gb`` under ``offload``, with its plan."""
    found = [(spec, plan_on(spec, card_gb, offload)) for spec in PRESETS.values() if spec.needs_gpu]
    return [(spec, plan) for spec, plan in found if plan != "refuse"]


def describe_fitting(card_gb: float, offload: str = "auto") -> str:
    """``wan-2.1-t2v-1.3b (quality, balanced, draft; whole), …`` or ``-``."""
    parts = [
        f"{spec.name} ({', '.join(mode.value for mode in spec.modes)}; {PLAN_WORDS[plan]})"
        for spec, plan in fitting(card_gb, offload)
    ]
    return ", ".join(parts) or "-"


def check_worker_preset(settings: Settings, card: Card | None = None) -> MemoryPlan | None:
    """Refuse to start a worker whose preset does not fit its card (ReelbotError
    ``generator.preset_does_not_fit``); return the plan it will run with (None: no card known)."""
    card = card if card is not None else worker_card(settings)
    if card is None:
        return None
    spec = get_preset(default_preset_name(settings))
    offload = settings.engine.offload
    plan = plan_on(spec, card.plan_gb, offload)
    if plan != "refuse":
        return plan
    cheapest: MemoryPlan = FORCED.get(offload, "group_offload")
    raise ReelbotError(
        "generator.preset_does_not_fit_free" if card.short_of_free else "generator.preset_does_not_fit",
        preset=spec.name,
        card=f"{card.total_gb:.0f}",
        free=f"{card.free_gb or 0:.0f}",
        needed=f"{_needed_gb(spec, cheapest):.0f}",
        plan=PLAN_WORDS[cheapest],
        choices=describe_fitting(card.plan_gb, offload),
    )
