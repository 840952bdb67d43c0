"""The tiny control engines, built once per test session (building one takes seconds)."""

from __future__ import annotations

import pytest

from reelbot.generator.presets import LoadContext
from reelbot.generator.tiny_ltx import ControlLtxEngine, load_tiny_ltx
from reelbot.generator.tiny_vace import VaceEngine, load_tiny_vace

CPU = LoadContext(device="cpu", dtype="float32")


@pytest.fixture(scope="session")
def vace() -> VaceEngine:
    engine = load_tiny_vace(CPU)
    assert isinstance(engine, VaceEngine)
    return engine


@pytest.fixture(scope="session")
def ltx() -> ControlLtxEngine:
    engine = load_tiny_ltx(CPU)
    assert isinstance(engine, ControlLtxEngine)
    return engine
