"""EngineCache: load once, keep warm, LRU eviction, thread-safe, clear errors."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pytest

from reelbot.domain.errors import InvalidRequest, ReelbotError
from reelbot.domain.settings import Settings
from reelbot.generator.cache import EngineCache, detect_device
from reelbot.generator.presets import ENGINE_LOADERS, LoadContext, Preset, RenderJob, StepCallback
from tests.bare_presets import bare_preset

CPU = LoadContext(device="cpu", dtype="float32")


class CountingEngine:
    def __init__(self, name: str) -> None:
        self.name = name

    def render(self, job: RenderJob, on_step: StepCallback) -> np.ndarray:
        return np.zeros((job.num_frames, job.height, job.width, 3), np.uint8)


def make_preset(
    name: str, loads: list[str], *, needs_gpu: bool = False, fail: bool = False, delay: float = 0.0
) -> Preset:
    def load(ctx: LoadContext) -> Any:
        loads.append(name)
        time.sleep(delay)  # widen the window for concurrent callers
        if fail:
            raise OSError("weights not found at /models/x")
        return CountingEngine(name)

    ENGINE_LOADERS[name] = load  # the engine registry is a plain dict: each test binds its own loader
    return bare_preset(name, needs_gpu=needs_gpu)


def test_loads_once_and_keeps_warm() -> None:
    loads: list[str] = []
    cache = EngineCache(CPU)
    a = make_preset("a", loads)
    first = cache.get(a)
    assert cache.get(a) is first
    assert loads == ["a"]


def test_lru_eviction() -> None:
    loads: list[str] = []
    cache = EngineCache(CPU, max_engines=2)
    a, b, c = (make_preset(n, loads) for n in "abc")
    cache.get(a)
    cache.get(b)
    cache.get(a)  # a is now the most recent
    cache.get(c)  # evicts b
    assert cache.loaded() == ["a", "c"]
    cache.get(b)
    assert loads == ["a", "b", "c", "b"]
    assert cache.loaded() == ["c", "b"]


def test_concurrent_callers_share_one_load() -> None:
    loads: list[str] = []
    cache = EngineCache(CPU)
    slow = make_preset("slow", loads, delay=0.2)
    got: list[Any] = []
    threads = [threading.Thread(target=lambda: got.append(cache.get(slow))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert loads == ["slow"]
    assert len(got) == 4 and all(engine is got[0] for engine in got)


def test_load_errors_are_clear() -> None:
    cache = EngineCache(CPU)
    with pytest.raises(ReelbotError) as info:
        cache.get(make_preset("broken", [], fail=True))
    assert info.value.key == "generator.load_failed"
    assert "weights not found" in info.value.render("en")
    assert cache.loaded() == []


def test_gpu_preset_on_a_cpu_worker() -> None:
    loads: list[str] = []
    with pytest.raises(ReelbotError) as info:
        EngineCache(CPU).get(make_preset("big", loads, needs_gpu=True))
    assert info.value.key == "generator.gpu_required"
    assert loads == []
    with pytest.raises(ReelbotError) as hub:
        EngineCache(CPU).get("wan-2.1-t2v-1.3b")  # real preset: refused before any download
    assert hub.value.key == "generator.gpu_required"


def test_unknown_name() -> None:
    with pytest.raises(InvalidRequest):
        EngineCache(CPU).get("nope")


def test_detect_device(settings: Settings) -> None:
    ctx = detect_device(settings)  # fixture: device="cpu"
    assert (ctx.device, ctx.dtype) == ("cpu", "float32")
    assert ctx.cache_dir is not None and ctx.cache_dir.endswith("models")
    forced = detect_device(settings.model_copy(update={"device": "cuda"}))
    assert (forced.device, forced.dtype) == ("cuda", "bfloat16")
