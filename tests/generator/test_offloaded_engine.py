"""An engine under group offloading or model CPU offload (the memory plans of a card its preset
does not fit whole) in every speed mode, on the real tiny Wan pipelines.

The worker offloads only on CUDA (``tuning._place``: model offload on the first pipeline, or
group offload at leaf level with CUDA streams); here diffusers' own ``enable_group_offload`` /
``enable_model_cpu_offload`` run with the CPU as the execution device (no streams), which
installs the same hooks on the same modules. What must hold beside them: the draft LoRA loads
after the offload hooks are in place (as the warm-up loads it; diffusers takes model offload's
hooks off for the load and puts them back), the cache hook skips passes, the counter counts
them, and the frames are the plain engine's.
"""

from __future__ import annotations

import functools
from typing import Any

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


def group_offload(pipes: list[Any]) -> None:
    cpu = torch.device("cpu")
    for pipe in pipes:
        pipe.enable_group_offload(
            onload_device=cpu, offload_device=cpu, offload_type="leaf_level", use_stream=False
        )


def model_offload(pipes: list[Any]) -> None:
    """As ``tuning._place`` does it, on the first pipeline. A LoRA load re-enables model offload
    with no device (diffusers' default: the accelerator, which a CUDA worker has); the CPU is
    bound as that device here, or the re-enable would refuse for want of an accelerator."""
    for pipe in pipes:
        pipe.enable_model_cpu_offload = functools.partial(pipe.enable_model_cpu_offload, device="cpu")
    pipes[0].enable_model_cpu_offload()
    assert pipes[0]._all_hooks  # one hook per offloaded module


@pytest.fixture(scope="module", params=[group_offload, model_offload], ids=["group", "model"])
def offloaded(request: pytest.FixtureRequest, settings: Settings) -> EngineCache:
    cache = tiny_cache(settings)
    engine = cache.get("tiny")
    request.param(engine_pipelines(engine))
    control_for(engine, get_preset("tiny"), cache.context).preload()  # after the hooks, as at warm-up
    transformer = engine_pipelines(engine)[0].transformer
    if request.param is model_offload:  # the LoRA load took the hooks off: they are back
        assert transformer._hf_hook is not None
    else:
        assert any(hasattr(m, "_diffusers_hook") for m in transformer.modules())
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
