"""Loaded engines kept warm between jobs, and the device they run on.

Loading a real preset takes tens of seconds and many GB of GPU memory, so a worker loads
each preset once and keeps at most ``max_engines`` (least recently used goes first —
a 14B model and a 5B one rarely fit together). Thread-safe: a worker's render thread and
a prefetching thread may ask at once, and one preset is never loaded twice concurrently.
"""

from __future__ import annotations

import gc
import importlib.util
import logging
import sys
import threading
from collections import OrderedDict

from reelbot.domain.errors import ReelbotError
from reelbot.domain.presets import cuda_available, get_preset, memory_plan, presets_that_fit
from reelbot.domain.presets.licence import announce_licence
from reelbot.domain.settings import Settings
from reelbot.generator.presets import Engine, LoadContext, Preset, engine_loader

log = logging.getLogger(__name__)


def detect_device(settings: Settings) -> LoadContext:
    """cuda + bfloat16 when a GPU is there (or forced), else cpu + float32.

    Model weights are looked up in ``data_dir/models/<preset>`` first (see hub_presets),
    downloads go to the same folder.
    """
    use_cuda = settings.device == "cuda" or (settings.device == "auto" and cuda_available())
    cache_dir = str((settings.data_dir / "models").resolve())
    if use_cuda:
        card = settings.engine.gpu_memory_gb or _card_gb()
        return LoadContext(
            device="cuda", dtype="bfloat16", cache_dir=cache_dir, engine=settings.engine, card_gb=card
        )
    return LoadContext(device="cpu", dtype="float32", cache_dir=cache_dir, engine=settings.engine)


def _card_gb() -> float | None:
    """The GPU's memory in GB, asked of torch (a worker has it); None when it cannot tell."""
    try:
        import torch

        return float(torch.cuda.get_device_properties(0).total_memory) / 1e9
    except Exception:  # no driver / no device: the memory plan then assumes the preset fits
        return None


def check_fits(preset: Preset, card_gb: float | None) -> None:
    """Refuse a preset this card cannot hold even with group offloading: one clear line
    naming the presets that fit (``generator.card_too_small``)."""
    if memory_plan(preset, card_gb) != "refuse":
        return
    needed = preset.memory.group_offload_gb if preset.memory else 0.0
    raise ReelbotError(
        "generator.card_too_small",
        preset=preset.name,
        needed=f"{needed:.0f}",
        card=f"{card_gb or 0:.0f}",
        choices=", ".join(p.name for p in presets_that_fit(card_gb)) or "-",
    )


class EngineCache:
    """Preset name → loaded engine, LRU-bounded."""

    def __init__(self, context: LoadContext, max_engines: int = 2) -> None:
        if max_engines < 1:
            raise ValueError("max_engines must be at least 1")
        self.context = context
        self.max_engines = max_engines
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[str, threading.Lock] = {}

    def loaded(self) -> list[str]:
        """Names of the warm presets, least recently used first."""
        with self._lock:
            return list(self._engines)

    def get(self, preset_or_name: Preset | str) -> Engine:
        """The warm engine for a preset (or its name), loading it on first use.

        Raises InvalidRequest for an unknown preset, ReelbotError("generator.gpu_required")
        for a GPU preset on a CPU worker, ReelbotError("generator.load_failed") when the
        loader fails (missing weights, no network, out of memory).
        """
        preset = get_preset(preset_or_name) if isinstance(preset_or_name, str) else preset_or_name
        name = preset.name
        with self._lock:
            engine = self._engines.get(name)
            if engine is not None:
                self._engines.move_to_end(name)
                return engine
            load_lock = self._loading.setdefault(name, threading.Lock())
        with load_lock:
            with self._lock:  # another thread may have finished loading meanwhile
                engine = self._engines.get(name)
                if engine is not None:
                    self._engines.move_to_end(name)
                    return engine
            if preset.needs_gpu and self.context.device == "cpu":
                raise ReelbotError("generator.gpu_required", preset=name)
            check_fits(preset, self.context.card_gb)
            load = engine_loader(name)
            if load is None:
                raise ReelbotError("generator.load_failed", preset=name, error="no engine registered")
            self._make_room()
            announce_licence(preset, log)  # once per process: e.g. LTX-2's commercial-use terms
            log.info("loading preset %s on %s (%s)", name, self.context.device, self.context.dtype)
            try:
                engine = load(self.context)
            except ReelbotError:
                raise
            except Exception as exc:
                log.exception("loading preset %s failed", name)
                error = f"{type(exc).__name__}: {exc}"
                raise ReelbotError("generator.load_failed", preset=name, error=error) from exc
            with self._lock:
                self._engines[name] = engine
            return engine

    def _make_room(self) -> None:
        """Evict least-recently-used engines so one more fits, and give their memory back."""
        evicted = False
        with self._lock:
            while len(self._engines) >= self.max_engines:
                old, _ = self._engines.popitem(last=False)
                log.info("evicting preset %s", old)
                evicted = True
        if evicted:
            release_memory()

    def clear(self) -> None:
        with self._lock:
            self._engines.clear()
        release_memory()


def release_memory() -> None:
    """Collect garbage and return cached CUDA blocks (only if torch is already loaded)."""
    gc.collect()
    if "torch" in sys.modules and importlib.util.find_spec("torch") is not None:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
