"""Tiny presets with a draft LoRA of a given source, registered for one test and removed after.

The mode-mark tests need presets whose draft adapter is missing, torn, made for another model
or named by a bad repo id; each is the ``tiny`` preset with only its draft LoRA changed.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Mapping

from reelbot.domain.presets import PRESETS, LoraSource, ModeSpec, get_preset
from reelbot.domain.types import SpeedMode
from reelbot.generator.presets import ENGINE_LOADERS, register_preset
from reelbot.generator.tiny import load_tiny


def local_lora(weight_name: str) -> LoraSource:
    """A draft LoRA read from the models folder only (no hub repo)."""
    return LoraSource(repo=None, weight_name=weight_name, licence="test")


@contextlib.contextmanager
def tiny_draft_presets(loras: Mapping[str, LoraSource]) -> Iterator[None]:
    """Register a tiny preset per name in ``loras``, its draft (4 fixed steps, guidance 1)
    loading that LoRA; unregister them all on the way out."""
    tiny = get_preset("tiny")
    for name, lora in loras.items():
        draft = ModeSpec(steps=4, guidance=1.0, fixed_steps=True, lora=lora)
        register_preset(
            dataclasses.replace(tiny, name=name, group=name, extra_modes={SpeedMode.DRAFT: draft})
        )(load_tiny)
    try:
        yield
    finally:
        for name in loras:
            PRESETS.pop(name, None)
            ENGINE_LOADERS.pop(name, None)
