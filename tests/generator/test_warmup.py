"""Which workers warm up first, and how the cold-start phases are counted.

The warm-up itself (a real `reelbot worker` process: /readyz 503 while warming, 200 after,
the metric with every phase, the queued job rendered only after) is
tests/fleet/test_worker_warmup.py; an in-process load here would cost as much again.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any

from reelbot.app.service import ReelbotService
from reelbot.cli.wiring import worker_for
from reelbot.domain.presets import PRESETS, LoraSource, get_preset
from reelbot.domain.settings import Settings
from reelbot.domain.types import SpeedMode
from reelbot.generator.presets import ENGINE_LOADERS, register_preset
from reelbot.generator.tiny import load_tiny
from reelbot.generator.worker import warmup
from reelbot.generator.worker.warmup import ColdStart, process_started_monotonic


def test_process_start_comes_before_anything_this_process_imported() -> None:
    started = process_started_monotonic()
    assert started <= warmup._IMPORTED_AT <= time.monotonic()


def test_durations_are_each_phase_minus_the_previous_one() -> None:
    cold = ColdStart(
        preset="tiny", started=0.0, marks={"imports": 2.0, "weights": 3.5, "warmup": 4.0, "ready": 4.25}
    )
    assert cold.durations() == {"imports": 2.0, "weights": 1.5, "warmup": 0.5, "ready": 0.25}
    assert cold.summary() == (
        "ready 4.25 s after process start (imports 2.00 s, weights 1.50 s, warmup 0.50 s, ready 0.25 s; "
        "preset tiny)"
    )


async def test_long_running_workers_warm_first_and_burst_workers_do_not(settings: Settings) -> None:
    service = await ReelbotService.open(settings)
    try:
        long_running = worker_for(service, name="long")
        assert long_running.warm_first and long_running.warming
        try:
            await long_running.readiness()
        except RuntimeError as exc:
            assert "warming up" in str(exc)
        else:
            raise AssertionError("a worker that has not warmed up reported ready")
        burst = worker_for(service, name="burst", burst=True)
        assert not burst.warm_first
        await burst.readiness()  # ready: its first job is its warm-up
        off = settings.model_copy(update={"engine": settings.engine.model_copy(update={"warm_up": False})})
        service.settings = off
        assert not worker_for(service, name="off").warm_first  # REELBOT_ENGINE__WARM_UP=false
    finally:
        await service.close()


def test_warm_up_loads_the_draft_lora_with_the_engine(settings: Settings, caplog: Any) -> None:
    """The draft adapter is in the warm pipelines before the first claim (disabled: the warm-up's
    own render is quality); a LoRA that cannot load is one warning, not a worker that fails."""
    from reelbot.generator.cache import EngineCache
    from reelbot.generator.presets import LoadContext
    from reelbot.generator.speed.modes import engine_pipelines

    models = settings.data_dir / "models"
    cache = EngineCache(LoadContext(device="cpu", dtype="float32", cache_dir=str(models)))
    warmup.warm_up(settings, cache, ColdStart())
    (pipe, *others) = engine_pipelines(cache.get("tiny"))
    assert all(p.get_list_adapters() == {"transformer": ["draft"]} for p in (pipe, *others))
    assert (models / "loras" / "tiny" / "tiny_draft_lora.safetensors").is_file()

    draft = get_preset("tiny").modes[SpeedMode.DRAFT]
    broken = dataclasses.replace(
        draft, lora=LoraSource(repo=None, weight_name="gone.safetensors", licence="t")
    )
    name = "test-warmup-no-lora"
    register_preset(
        dataclasses.replace(get_preset("tiny"), name=name, group=name, extra_modes={SpeedMode.DRAFT: broken})
    )(load_tiny)
    try:
        with caplog.at_level(logging.WARNING, logger="reelbot.generator.worker.warmup"):
            warmup.warm_up(settings.model_copy(update={"preset": name}), cache, cold := ColdStart())
    finally:
        PRESETS.pop(name, None)
        ENGINE_LOADERS.pop(name, None)
    assert "warmup" in cold.marks and "gone.safetensors" in caplog.text
