"""The tiny Wan engine set up the way the engine-variant tests need it (compiled, offloaded,
batched): CPU settings with their own data folder, a cache over its models folder, one render
of a speed mode. Each test compares a variant's engine against a plain one built here."""

from __future__ import annotations

import pytest

from reelbot.domain.settings import Settings, load_settings
from reelbot.domain.types import GenerationRequest, Origin, Platform, SpeedMode
from reelbot.generator.cache import EngineCache
from reelbot.generator.presets import LoadContext
from reelbot.generator.runner import Rendered, render_request

ORIGIN = Origin(platform=Platform.CLI, user_id="engines")


def tiny_settings(tmp_path_factory: pytest.TempPathFactory, name: str) -> Settings:
    """CPU, the tiny preset, a data folder of its own (its models/ holds the tiny weights)."""
    data = tmp_path_factory.mktemp(name)
    return load_settings(_env_file=None, device="cpu", preset="tiny", data_dir=data)


def tiny_cache(settings: Settings) -> EngineCache:
    """A new engine cache over ``settings``' models folder: its engines load on first use."""
    models = settings.data_dir / "models"
    return EngineCache(LoadContext(device="cpu", dtype="float32", cache_dir=str(models)))


def render(
    cache: EngineCache,
    settings: Settings,
    speed: SpeedMode,
    steps: int | None = None,
    *,
    prompt: str = "a cat walking",
    seed: int = 7,
    preset: str = "tiny",
    guidance: float | None = None,
) -> Rendered:
    """One clip through the worker's render path (``render_request``) in ``speed``."""
    request = GenerationRequest(
        prompt=prompt, seed=seed, steps=steps, guidance=guidance, speed=speed, preset=preset, origin=ORIGIN
    )
    return render_request(request, {}, settings=settings, cache=cache, on_step=lambda _s, _t: True)
