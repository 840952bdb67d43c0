"""A batched render gives each job the clip it would get alone (``worker.batch.render_batch``),
on the real tiny Wan pipeline, in quality and in draft (the LoRA switched on for the call).

The queue side of batching (claims, companions, hand-back) is tests/e2e/test_batching.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, SpeedMode
from reelbot.generator.cache import EngineCache
from reelbot.generator.worker.batch import render_batch
from tests.generator.tiny_engines import ORIGIN, render, tiny_cache, tiny_settings

pytestmark = pytest.mark.slow
PROMPTS = (("a red paper boat", 1), ("a lighthouse at night", 2))


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return tiny_settings(tmp_path_factory, "batch")


@pytest.fixture(scope="module")
def cache(settings: Settings) -> EngineCache:
    return tiny_cache(settings)


@pytest.mark.parametrize("speed", ["quality", "draft"])
def test_each_job_of_a_batch_gets_the_clip_it_would_get_alone(
    speed: str, settings: Settings, cache: EngineCache
) -> None:
    mode = SpeedMode(speed)
    requests = [
        GenerationRequest(prompt=p, seed=s, speed=mode, preset="tiny", origin=ORIGIN) for p, s in PROMPTS
    ]
    batched = render_batch(requests, settings, cache, lambda _s, _t: True)
    alone = [render(cache, settings, mode, prompt=p, seed=s) for p, s in PROMPTS]
    for one, solo in zip(batched, alone, strict=True):
        # Batched matmuls may round differently: one 8-bit level at most, nowhere more.
        np.testing.assert_allclose(one.rendered.frames.astype(int), solo.frames.astype(int), atol=1)
        assert one.rendered.report is not None and solo.report is not None
        assert one.rendered.report.passes == solo.report.passes  # each call carries both jobs
    assert not np.array_equal(batched[0].rendered.frames, batched[1].rendered.frames)
