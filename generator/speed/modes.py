"""A speed mode applied to a warm engine for one render, and the report of what ran.

* quality — adapters off, no cache: the checkpoint's full schedule with CFG.
* balanced — the spec's caching hook (``transformer.enable_cache``) on for this render only.
* draft — the distilled LoRA, loaded once into the warm pipelines (``load_lora_weights``) and
  switched on with ``enable_lora`` + ``set_adapters`` / off with ``disable_lora``: switching
  modes never reloads the base model. Optional motion mitigation
  (``settings.engine.motion_mitigation``): the first ``motion_steps`` steps run with the adapter
  off and full guidance, then a step hook turns the adapter on and guidance to 1 for the
  distilled steps.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from reelbot.domain.presets import CacheSpec, ModeSpec, PresetSpec, memory_plan
from reelbot.domain.reports import RenderReport
from reelbot.domain.types import SpeedMode
from reelbot.generator.presets import LoadContext, RenderJob
from reelbot.generator.speed.callback import step_hooks
from reelbot.generator.speed.counter import PassCount, counting, transformers_of
from reelbot.generator.speed.lora import load_adapter


def engine_pipelines(engine: Any) -> list[Any]:
    """The diffusers pipelines an engine holds (``t2v`` / ``i2v`` / ``pipe``), each once."""
    found: dict[int, Any] = {}
    for name in ("t2v", "i2v", "pipe"):
        pipe = getattr(engine, name, None)
        if pipe is not None:
            found.setdefault(id(pipe), pipe)
    return list(found.values())


def cache_config(cache: CacheSpec, steps: int) -> Any:
    """The diffusers hook config for ``cache`` (imported lazily: torch)."""
    from diffusers.hooks import FirstBlockCacheConfig, MagCacheConfig

    if cache.kind == "first_block":
        return FirstBlockCacheConfig(threshold=cache.threshold)
    return MagCacheConfig(
        threshold=cache.threshold,
        retention_ratio=cache.retention_ratio,
        num_inference_steps=steps,
        mag_ratios=list(cache.mag_ratios),
    )


@dataclass
class Session:
    """One render under a mode; ``report`` is filled when the block ends."""

    preset: PresetSpec
    speed: SpeedMode
    job: RenderJob
    count: PassCount = field(default_factory=PassCount)
    report: RenderReport | None = None


class SpeedControl:
    """Per warm engine: its pipelines, the adapters loaded into them, the mode switching."""

    def __init__(self, engine: Any, preset: PresetSpec, ctx: LoadContext) -> None:
        self.pipes = engine_pipelines(engine)
        self.transformers = transformers_of(self.pipes)
        self.preset, self.ctx = preset, ctx
        tuning = getattr(self.pipes[0], "reelbot_tuning", None) if self.pipes else None
        self.attention_backend = tuning.attention_backend if tuning is not None else "native"
        self.memory_plan = tuning.memory_plan if tuning is not None else memory_plan(preset, ctx.card_gb)
        self._adapters: set[int] = set()  # ids of pipes holding the draft adapter
        self._lock = threading.RLock()

    def job_for(self, job: RenderJob, mitigate: bool) -> RenderJob:
        """The job as the engine runs it: with motion mitigation, the full-guidance steps first."""
        mode = self.preset.modes[job.speed]
        if job.speed is SpeedMode.DRAFT and mitigate and mode.motion_steps > 0:
            return replace(job, steps=mode.motion_steps + job.steps, guidance=mode.motion_guidance)
        return job

    def _adapters_on(self, mode: ModeSpec, on: bool) -> None:
        for pipe in self.pipes:
            if id(pipe) not in self._adapters:
                if not on:
                    continue
                assert mode.lora is not None
                # Wan 2.2 TI2V's two entry points share one transformer: the adapter the first
                # pipeline loaded is already in the second's (a second load would be refused).
                if mode.lora.adapter_name not in _adapter_names(pipe):
                    load_adapter(pipe, self.preset, mode.lora, self.ctx.cache_dir)
                self._adapters.add(id(pipe))
            if on:
                assert mode.lora is not None
                names = [
                    n
                    for n in (mode.lora.adapter_name, f"{mode.lora.adapter_name}_2")
                    if n in _adapter_names(pipe)
                ]
                # set_adapters picks the adapters and weights but does not undo disable_lora:
                # without enable_lora every draft after a quality render (or after the warm-up's
                # preload) would run the base model for the distilled schedule.
                pipe.enable_lora()
                pipe.set_adapters(names, [mode.lora.scale] * len(names))
            else:
                pipe.disable_lora()

    def preload(self) -> None:
        """Load the draft adapter into the warm pipelines now, left disabled, so the first draft
        job pays no LoRA load or download (the worker's warm-up calls it). A LoRA that cannot
        load raises its one clear error (``generator.lora_missing`` / ``lora_mismatch``)."""
        mode = self.preset.mode(SpeedMode.DRAFT)
        if mode is None or mode.lora is None:
            return
        with self._lock:
            self._adapters_on(mode, True)
            self._adapters_on(mode, False)

    @contextmanager
    def _cache_on(self, cache: CacheSpec | None, steps: int) -> Iterator[None]:
        if cache is None:
            yield
            return
        for transformer in self.transformers:
            transformer.enable_cache(cache_config(cache, steps))
        try:
            yield
        finally:
            for transformer in self.transformers:
                transformer.disable_cache()

    @contextmanager
    def session(self, job: RenderJob, *, mitigate: bool = False) -> Iterator[Session]:
        """Apply ``job.speed`` for one render, count its passes, then write the report."""
        mode = self.preset.modes[job.speed]
        session = Session(self.preset, job.speed, job)
        with self._lock, ExitStack() as stack:
            draft = job.speed is SpeedMode.DRAFT and mode.lora is not None
            staged = draft and mitigate and mode.motion_steps > 0
            self._adapters_on(mode, draft and not staged)
            if staged:
                stack.enter_context(step_hooks(self._switch_after(mode)))
            stack.enter_context(self._cache_on(mode.cache, job.steps))
            session.count = stack.enter_context(counting(self.transformers))
            peak = _reset_peak(self.ctx.device)
            started = time.perf_counter()
            yield session
            elapsed = time.perf_counter() - started
        session.report = RenderReport(
            preset=self.preset.name,
            mode=job.speed.value,
            steps=job.steps,
            passes=session.count.passes,
            passes_skipped=session.count.skipped,
            attention_backend=self.attention_backend,
            memory_plan=self.memory_plan,
            device=_device_name(self.ctx.device),
            peak_gpu_memory_mb=peak(),
            gpu_seconds=round(elapsed, 4),
            lora=mode.lora.weight_name if draft and mode.lora else None,
        )

    def _switch_after(self, mode: ModeSpec) -> Any:
        """Step hook: after the mitigation steps, adapter on and CFG off (guidance 1)."""

        def hook(pipe: Any, step: int) -> None:
            if step + 1 == mode.motion_steps:
                self._adapters_on(mode, True)
                pipe._guidance_scale = 1.0  # do_classifier_free_guidance reads it every step

        return hook


def _adapter_names(pipe: Any) -> set[str]:
    names: set[str] = set()
    for adapters in pipe.get_list_adapters().values():
        names.update(adapters)
    return names


def _reset_peak(device: str) -> Any:
    """Start measuring peak GPU memory; returns a function giving the peak in MB (None on CPU)."""
    if not device.startswith("cuda"):
        return lambda: None
    import torch

    torch.cuda.reset_peak_memory_stats()
    return lambda: round(torch.cuda.max_memory_allocated() / 2**20, 1)


def _device_name(device: str) -> str:
    if not device.startswith("cuda"):
        return device
    import torch

    return f"cuda:{torch.cuda.get_device_name()}"


_CONTROLS: weakref.WeakKeyDictionary[Any, SpeedControl] = weakref.WeakKeyDictionary()
_CONTROLS_LOCK = threading.Lock()


def control_for(engine: Any, preset: PresetSpec, ctx: LoadContext) -> SpeedControl:
    """The engine's speed control, made on first use and kept as long as the engine is warm."""
    with _CONTROLS_LOCK:
        control = _CONTROLS.get(engine)
        if control is None:
            control = _CONTROLS[engine] = SpeedControl(engine, preset, ctx)
        return control
