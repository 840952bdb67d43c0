"""End-to-end fixtures: the real service (Redis + database + media store) and a warm tiny engine."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from reelbot.generator.cache import EngineCache, detect_device
from reelbot.service import ReelbotService
from reelbot.settings import Settings


@pytest.fixture(scope="session")
def tiny_cache() -> EngineCache:
    """One warm tiny engine for the whole session, as a long-running worker keeps it."""
    return EngineCache(detect_device(Settings(_env_file=None, device="cpu")))  # type: ignore[call-arg]


@pytest.fixture
async def service(settings: Settings) -> AsyncIterator[ReelbotService]:
    svc = await ReelbotService.open(settings)
    try:
        yield svc
    finally:
        await svc.close()
