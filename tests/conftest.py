"""Fixtures shared by every test: real Redis, a private data dir, settings.

Tests run against the real services on this machine. Each test gets its own Redis key
prefix and its own data directory, so tests (and several test runs at once) never see
each other's keys or files.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from reelbot.settings import Settings

REDIS_URL = os.environ.get("REELBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_URL = os.environ.get("REELBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def key_prefix() -> str:
    return f"reelbot-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def settings(tmp_path: Path, key_prefix: str) -> Settings:
    """Settings for one test: its own data dir, SQLite file, media dir and Redis prefix."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        redis_url=REDIS_URL,
        redis_prefix=key_prefix,
        preset="tiny",
        device="cpu",
        media_secret="test-secret-0123456789abcdef",  # type: ignore[arg-type]
    )


@pytest.fixture
async def redis_client(key_prefix: str) -> AsyncIterator[aioredis.Redis]:
    """A real Redis connection; the test's keys are deleted afterwards."""
    client = aioredis.from_url(REDIS_URL, decode_responses=False)
    try:
        yield client
    finally:
        async for key in client.scan_iter(match=f"{key_prefix}*", count=1000):
            await client.delete(key)
        await client.aclose()
