"""Which way a preset fits a card: whole on the GPU, model offload, group offload, or not at all.

Pure arithmetic on :class:`~reelbot.domain.presets.spec.MemoryNeeds` (computed from parameter
counts, see docs/presets.md), so the service can route a request away from a preset the
workers' card cannot hold before anything is queued, and the worker can refuse at start-up.
"""

from __future__ import annotations

from typing import Literal

from reelbot.domain.presets.spec import PresetSpec

MemoryPlan = Literal["whole", "model_offload", "group_offload", "refuse"]
#: Share of the card a plan may fill (the CUDA context, allocator slack and the encoder need the rest).
USABLE_SHARE = 0.92
COMFORTABLE: tuple[MemoryPlan, ...] = ("whole", "model_offload")


def memory_plan(spec: PresetSpec, card_gb: float | None) -> MemoryPlan:
    """The cheapest way ``spec`` runs on a card of ``card_gb`` (None: unknown → ``whole``)."""
    needs = spec.memory
    if needs is None or card_gb is None:
        return "whole"
    usable = card_gb * USABLE_SHARE
    if needs.whole_gb <= usable:
        return "whole"
    if needs.model_offload_gb <= usable:
        return "model_offload"
    if needs.group_offload_gb <= usable:
        return "group_offload"
    return "refuse"


def fits_comfortably(spec: PresetSpec, card_gb: float | None) -> bool:
    """Whole or with model offload: the plans that cost seconds, not minutes."""
    return memory_plan(spec, card_gb) in COMFORTABLE
