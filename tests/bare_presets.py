"""A bare preset for tests that bind their own engine: no model, no roles, one 64×32 frame size.

The cache and worker-failure tests register engines that count loads or fail on purpose;
they need a preset around that engine and nothing else of the catalogue's.
"""

from __future__ import annotations

from reelbot.domain.presets import CostProfile
from reelbot.generator.presets import Preset


def bare_preset(name: str, *, title: str | None = None, steps: int = 1, needs_gpu: bool = False) -> Preset:
    """A text-to-video preset named ``name``: 1 s at 8 fps, ``steps`` steps, guidance 1, free."""
    return Preset(
        name=name,
        title=title or name,
        group="test",
        model_id=None,
        roles=frozenset(),
        base_size=(64, 32),
        default_fps=8,
        default_seconds=1.0,
        max_seconds_per_pass=2.0,
        default_steps=steps,
        default_guidance=1.0,
        needs_gpu=needs_gpu,
        cost=CostProfile(0.0, 0.0, 0.0, 0.0),
    )
