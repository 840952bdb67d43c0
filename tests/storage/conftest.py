"""Storage fixtures: every repository test runs against SQLite (a tmp file) AND PostgreSQL.

PostgreSQL gets a database of its own per test session (``reelbot_test_<random>``), created
on the server at ``REELBOT_TEST_POSTGRES_URL`` and dropped afterwards, so parallel runs by
several engineers never share tables.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from reelbot.domain import GenerationRequest, Origin, Platform
from reelbot.storage.db import make_engine, migrate, session_scope

# `-m "not postgres"` runs without the PostgreSQL server.
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
# Same variable and default as tests/conftest.py (not importable under --import-mode=importlib).
POSTGRES_URL = os.environ.get(
    "REELBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


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
    server = PostgresServer(POSTGRES_URL)
    try:
        yield server
    finally:
        server.drop_all()


@pytest.fixture(scope="session")
def fresh_database_url(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Callable[[str], str]:
    """``fresh_database_url(backend)`` → the URL of a new, empty database."""

    def make(backend: str) -> str:
        if backend == "sqlite":
            path: Path = tmp_path_factory.mktemp("db") / "reelbot.db"
            return f"sqlite:///{path}"
        server: PostgresServer = request.getfixturevalue("postgres_server")
        return server.new_database_url()

    return make


@pytest.fixture(scope="session", params=BACKENDS)
def engine(request: pytest.FixtureRequest, fresh_database_url: Callable[[str], str]) -> Iterator[Engine]:
    """A migrated database per backend, shared by the tests of a session (they use fresh
    UUIDs and keys, so they never see each other's rows)."""
    eng = make_engine(fresh_database_url(request.param))
    migrate(eng)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed at the end of the test (like production code)."""
    with session_scope(engine) as s:
        yield s


@pytest.fixture
def make_request() -> Callable[..., GenerationRequest]:
    """``make_request(prompt=..., user_id=..., **fields)`` → a GenerationRequest from a
    fresh Discord user in a fresh guild (unless told otherwise)."""

    def make(prompt: str = "a cat surfing at sunset", **fields: object) -> GenerationRequest:
        origin = Origin(
            platform=Platform(str(fields.pop("platform", "discord"))),
            user_id=str(fields.pop("user_id", uuid.uuid4().hex)),
            channel_id=str(fields.pop("channel_id", "chan-1")),
            guild_id=str(fields.pop("guild_id", uuid.uuid4().hex)),
            message_id=str(fields.pop("message_id", uuid.uuid4().hex)),
            display_name="Mei",
            locale="zh-TW",
            interaction_token="interaction-token-secret",
        )
        fields.setdefault("preset", "tiny")
        fields.setdefault("seed", 42)
        return GenerationRequest(prompt=prompt, origin=origin, **fields)  # type: ignore[arg-type]

    return make
