"""A compiled engine (``engine.compile``) in every speed mode, on the real tiny Wan pipelines.

The worker compiles only on CUDA; here the same :func:`compile_blocks` runs with Dynamo's
``eager`` backend, which traces exactly as on the GPU (graph breaks, guards, recompiles) and
runs the traced ops unchanged, so the compiled engine must give the uncompiled one's frames.
Two failures this guards against, both seen before the fix: ``fullgraph=True`` raised on the
first balanced render (the cache hook's decision is a graph break), and the pass counter's
hook inside a compiled block was never called (every pass reported as skipped).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import numpy as np
import pytest
import torch
from torch._dynamo.utils import counters

from reelbot.domain.presets import PRESETS, get_preset
from reelbot.domain.settings import Settings
from reelbot.domain.types import SpeedMode
from reelbot.generator.cache import EngineCache
from reelbot.generator.presets import ENGINE_LOADERS, register_preset
from reelbot.generator.speed.counter import probe_block, transformers_of
from reelbot.generator.speed.modes import engine_pipelines
from reelbot.generator.speed.tuning import compile_blocks
from reelbot.generator.tiny import load_tiny
from reelbot.generator.worker.warmup import ColdStart, compiled, warm_up
from tests.generator.tiny_engines import render, tiny_cache, tiny_settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return tiny_settings(tmp_path_factory, "compiled")


@pytest.fixture(scope="module")
def eager(settings: Settings) -> EngineCache:
    return tiny_cache(settings)


def _compiled(settings: Settings, preset: str = "tiny") -> EngineCache:
    """The tiny engine compiled as ``tune`` compiles on CUDA, and marked so (``Tuning.compiled``),
    with Dynamo's caches emptied first: what it traces from here on is this engine's."""
    torch._dynamo.reset()
    cache = tiny_cache(settings)
    engine = cache.get(preset)
    for transformer in transformers_of(engine_pipelines(engine)):
        compile_blocks(transformer, backend="eager")
    for pipe in engine_pipelines(engine):
        pipe.reelbot_tuning = dataclasses.replace(pipe.reelbot_tuning, compiled=True)
    return cache


@pytest.fixture(scope="module")
def compiled_cache(settings: Settings) -> Iterator[EngineCache]:
    yield _compiled(settings)
    torch._dynamo.reset()


def test_every_block_but_the_probe_block_is_compiled(compiled_cache: EngineCache) -> None:
    for transformer in transformers_of(engine_pipelines(compiled_cache.get("tiny"))):
        kept = probe_block(transformer)
        assert kept is transformer.blocks[-1]
        assert kept._compiled_call_impl is None
        assert all(b._compiled_call_impl is not None for b in transformer.blocks if b is not kept)


@pytest.mark.parametrize(("speed", "steps"), [("quality", 4), ("balanced", 12), ("draft", None)])
def test_a_compiled_engine_renders_and_counts_every_mode_as_the_eager_one(
    speed: str, steps: int | None, settings: Settings, eager: EngineCache, compiled_cache: EngineCache
) -> None:
    mode = SpeedMode(speed)
    want = render(eager, settings, mode, steps)
    got = render(compiled_cache, settings, mode, steps)
    assert got.report is not None and want.report is not None
    assert (got.report.passes, got.report.passes_skipped) == (want.report.passes, want.report.passes_skipped)
    if mode is SpeedMode.BALANCED:
        assert 0 < got.report.passes_skipped < got.report.passes  # the cache really skipped some
    else:
        assert got.report.passes_skipped == 0
    np.testing.assert_allclose(got.frames.astype(np.float64), want.frames.astype(np.float64), atol=1)


def test_motion_mitigation_switches_the_adapter_on_mid_render_on_a_compiled_engine(
    settings: Settings, eager: EngineCache
) -> None:
    """Two full-guidance steps with the adapter off, then the distilled ones with it on: the
    step hook's switch reaches the compiled blocks (the frames are the eager engine's)."""
    tiny = get_preset("tiny")
    name = "test-compiled-motion"
    draft = dataclasses.replace(tiny.modes[SpeedMode.DRAFT], motion_steps=2, motion_guidance=5.0)
    register_preset(dataclasses.replace(tiny, name=name, group=name, extra_modes={SpeedMode.DRAFT: draft}))(
        load_tiny
    )
    engine = settings.engine.model_copy(update={"motion_mitigation": True})
    mitigated = settings.model_copy(update={"engine": engine})
    try:
        want = render(eager, mitigated, SpeedMode.DRAFT, preset=name)
        got = render(_compiled(settings, name), mitigated, SpeedMode.DRAFT, preset=name)
    finally:
        PRESETS.pop(name, None)
        ENGINE_LOADERS.pop(name, None)
        torch._dynamo.reset()
    assert got.report is not None and want.report is not None
    assert got.report.passes == 2 * 2 + 4 == want.report.passes  # two CFG steps, four distilled
    np.testing.assert_allclose(got.frames.astype(np.float64), want.frames.astype(np.float64), atol=1)


def test_warm_up_traces_the_graphs_of_every_mode(settings: Settings) -> None:
    """After the warm-up, the first quality and draft jobs of the default shape compile nothing."""
    cache = _compiled(settings)
    try:
        assert compiled(cache.get("tiny"))
        warm_up(settings, cache, ColdStart())
        traced = counters["stats"]["unique_graphs"]
        for speed in (SpeedMode.QUALITY, SpeedMode.DRAFT):
            render(cache, settings, speed, None)
        assert counters["stats"]["unique_graphs"] == traced > 0
    finally:
        torch._dynamo.reset()


def test_an_eager_engine_is_not_taken_for_a_compiled_one(eager: EngineCache) -> None:
    assert not compiled(eager.get("tiny"))
