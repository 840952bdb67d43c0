"""End-to-end fixtures: the real service (Redis + database + media store) and a warm tiny engine."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from reelbot.app.service import ReelbotService
from reelbot.domain.settings import Settings
from reelbot.generator.cache import EngineCache, detect_device


@pytest.fixture(scope="session")
def tiny_cache() -> EngineCache:
    """One warm tiny engine for the whole session, as a long-running worker keeps it."""
    return EngineCache(detect_device(Settings(_env_file=None, device="cpu")))  # type: ignore[call-arg]


@pytest.fixture
async def service(settings: Settings) -> AsyncIterator[ReelbotService]:
    """The real service on the test's SQLite file."""
    svc = await ReelbotService.open(settings)
    try:
        yield svc
    finally:
        await svc.close()


@pytest.fixture
async def batching(settings: Settings) -> AsyncIterator[ReelbotService]:
    """The real service with batching on (up to 3 compatible jobs in one pipeline call)."""
    engine = settings.engine.model_copy(update={"batch_size": 3})
    svc = await ReelbotService.open(settings.model_copy(update={"engine": engine}))
    try:
        yield svc
    finally:
        await svc.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def service_any_db(
    request: pytest.FixtureRequest, settings: Settings, fresh_database_url: Callable[[str], str]
) -> AsyncIterator[ReelbotService]:
    """The real service on SQLite, then on a fresh PostgreSQL database."""
    settings = settings.model_copy(update={"database_url": fresh_database_url(request.param)})
    svc = await ReelbotService.open(settings)
    assert svc.db.url.get_backend_name() == {"sqlite": "sqlite", "postgres": "postgresql"}[request.param]
    try:
        yield svc
    finally:
        await svc.close()
