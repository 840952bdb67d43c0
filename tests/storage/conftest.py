"""Storage fixtures: every repository test runs against SQLite (a tmp file) AND PostgreSQL.

PostgreSQL databases come from ``fresh_database_url`` (tests/conftest.py): one of its own
per test session, dropped afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from reelbot.domain.types import GenerationRequest, Origin, Platform
from reelbot.storage.db import make_engine, migrate, session_scope
from tests.storage.s3server import s3_server  # noqa: F401 - the S3-compatible test server

# `-m "not postgres"` runs without the PostgreSQL server.
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


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
