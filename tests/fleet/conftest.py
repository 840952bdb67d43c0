"""Fleet fixtures: the S3-compatible test server, Redis behind Sentinel, one warm tiny engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reelbot.domain.settings import Settings
from reelbot.generator.cache import EngineCache, detect_device
from tests.fleet.redis_nodes import RedisNodes
from tests.storage.s3server import s3_server  # noqa: F401 - the S3-compatible test server


@pytest.fixture(scope="session")
def tiny_cache() -> EngineCache:
    return EngineCache(detect_device(Settings(_env_file=None, device="cpu")))  # type: ignore[call-arg]


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[RedisNodes]:
    """A primary, a replica and a Sentinel, each a real redis-server process."""
    cluster = RedisNodes(tmp_path / "redis")
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
