"""An engine under group offloading (the memory plan of a card its preset does not fit whole) in
every speed mode, on the real tiny Wan pipelines.

The worker offloads only on CUDA (``tuning._place``: leaf level, CUDA streams); here diffusers'
own ``enable_group_offload`` runs with the CPU as both devices and no streams, which installs
the same hooks on the same modules. What must hold beside them: the draft LoRA loads after the
offload hooks are in place (as the warm-up loads it), the cache hook skips passes, the counter
counts them, and the frames are the plain engine's.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from reelbot.domain.presets import get_preset
from reelbot.domain.settings import Settings
from reelbot.domain.types import SpeedMode
from reelbot.generator.cache import EngineCache
from reelbot.generator.speed.modes import control_for, engine_pipelines
from tests.generator.tiny_engines import render, tiny_cache, tiny_settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return tiny_settings(tmp_path_factory, "offloaded")


@pytest.fixture(scope="module")
def offloaded(settings: Settings) -> EngineCache:
    cache = tiny_cache(settings)
    engine = cache.get("tiny")
    cpu = torch.device("cpu")
    for pipe in engine_pipelines(engine):
        pipe.enable_group_offload(
            onload_device=cpu, offload_device=cpu, offload_type="leaf_level", use_stream=False
        )
    control_for(engine, get_preset("tiny"), cache.context).preload()  # after the hooks, as at warm-up
    return cache


#: Quality last again: the adapter is off after a draft.
MODES = [("quality", 4), ("balanced", 12), ("draft", None), ("quality", 4)]


@pytest.mark.parametrize(("speed", "steps"), MODES)
def test_an_offloaded_engine_renders_and_counts_every_mode_as_the_plain_one(
    speed: str, steps: int | None, settings: Settings, offloaded: EngineCache
) -> None:
    mode = SpeedMode(speed)
    want = render(tiny_cache(settings), settings, mode, steps)
    got = render(offloaded, settings, mode, steps)
    assert got.report is not None and want.report is not None
    assert (got.report.passes, got.report.passes_skipped) == (want.report.passes, want.report.passes_skipped)
    assert (got.report.passes_skipped > 0) is (mode is SpeedMode.BALANCED)
    assert np.array_equal(got.frames, want.frames)
