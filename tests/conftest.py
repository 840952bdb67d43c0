"""Fixtures shared by every test: real Redis, a private data dir, settings.

Tests run against the real services on this machine. Each test gets its own Redis key
prefix and its own data directory, so tests (and several test runs at once) never see
each other's keys or files.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from reelbot.cli.wiring import wire
from reelbot.domain.settings import Settings

wire()  # the composition root's ports, as `reelbot …` wires them at start

REDIS_URL = os.environ.get("REELBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_URL = os.environ.get(
    "REELBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


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


class PostgresServer:
    """Creates and drops throwaway databases on the test server."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
        self.created: list[str] = []

    def new_database_url(self) -> str:
        name = f"reelbot_test_{uuid.uuid4().hex[:16]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """PostgreSQL at REELBOT_TEST_POSTGRES_URL; every database made here is dropped at the end."""
    server = PostgresServer(POSTGRES_URL)
    try:
        yield server
    finally:
        server.drop_all()


@pytest.fixture(scope="session")
def fresh_database_url(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Callable[[str], str]:
    """``fresh_database_url("sqlite" | "postgres")`` → the URL of a new, empty database."""

    def make(backend: str) -> str:
        if backend == "sqlite":
            path: Path = tmp_path_factory.mktemp("db") / "reelbot.db"
            return f"sqlite:///{path}"
        server: PostgresServer = request.getfixturevalue("postgres_server")
        return server.new_database_url()

    return make
