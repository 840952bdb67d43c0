"""Fleet fixtures: the S3-compatible test server and one warm tiny engine per session."""

from __future__ import annotations

import pytest

from reelbot.domain.settings import Settings
from reelbot.generator.cache import EngineCache, detect_device
from tests.storage.s3server import s3_server  # noqa: F401 - the S3-compatible test server


@pytest.fixture(scope="session")
def tiny_cache() -> EngineCache:
    return EngineCache(detect_device(Settings(_env_file=None, device="cpu")))  # type: ignore[call-arg]
