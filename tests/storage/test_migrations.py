"""The alembic migrations create exactly the schema the models describe, on both backends."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, inspect
from sqlmodel import SQLModel

import reelbot.storage.models as models
from reelbot.storage.db import make_engine, migrate

EXPECTED_TABLES = {
    "user",
    "job",
    "clip",
    "asset",
    "job_reference",
    "community",
    "moderation_event",
    "community_gallery",
    "community_departure",
    "gallery_link",
    "task",
    "alembic_version",
}


def _diff(engine_url: str, metadata: MetaData) -> list[object]:
    engine = make_engine(engine_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_migrate_creates_schema_matching_models(
    backend: str, fresh_database_url: Callable[[str], str]
) -> None:
    url = fresh_database_url(backend)
    engine = make_engine(url)
    try:
        migrate(engine)
        migrate(engine)  # a second start finds the schema current and changes nothing
        inspector = inspect(engine)
        assert set(inspector.get_table_names()) == EXPECTED_TABLES
        with engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == "0006"
        assert {uc["name"] for uc in inspector.get_unique_constraints("job")} == {"uq_job_idempotency_key"}
        assert {ix["name"] for ix in inspector.get_indexes("job")} >= {
            "ix_job_user_id_state",
            "ix_job_platform_guild_id_created_at",
        }
    finally:
        engine.dispose()
    assert _diff(url, SQLModel.metadata) == []


def test_compare_detects_a_drifted_model(fresh_database_url: Callable[[str], str]) -> None:
    """The no-diff assertion above can fail: a column the migration lacks is reported."""
    url = fresh_database_url("sqlite")
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    drifted = MetaData(naming_convention=SQLModel.metadata.naming_convention)
    for table in SQLModel.metadata.tables.values():
        copy = table.to_metadata(drifted)
        if table.name == "clip":
            copy.append_column(Column("rating", Integer, nullable=True))
    diff = _diff(url, drifted)
    assert [(d[0], d[3].name) for d in diff if isinstance(d, tuple)] == [("add_column", "rating")]


def test_models_module_lists_every_table() -> None:
    assert {t.__tablename__ for t in models.TABLES} == EXPECTED_TABLES - {"alembic_version"}


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_0006_fills_task_charges_from_what_rows_already_hold(
    backend: str, fresh_database_url: Callable[[str], str]
) -> None:
    """A done task stored before 0006 keeps its measured seconds in its result and its community
    in its origin: the upgrade copies both into the new columns, so the quota windows charge it."""
    import json
    import uuid
    from datetime import UTC, datetime

    from sqlalchemy import text

    engine = make_engine(fresh_database_url(backend))
    try:
        migrate(engine, "0005")
        rows = {
            uuid.uuid4(): ("done", {"guild_id": "g1"}, {"run_s": 12.5, "duration_s": 2.0}),
            uuid.uuid4(): ("failed", {"guild_id": None}, None),
        }
        with engine.begin() as conn:
            for task_id, (state, origin, result) in rows.items():
                conn.execute(
                    text(
                        "INSERT INTO task (id, kind, state, idempotency_key, lane, platform, user_key,"
                        " origin_json, payload_json, result_json, attempts, created_at) VALUES (:id,"
                        " 'finish', :state, :key, 'fast', 'discord', 'discord:alice', :origin, '{}',"
                        " :result, 1, :at)"
                    ),
                    {
                        "id": task_id if backend == "postgres" else task_id.hex,
                        "state": state,
                        "key": task_id.hex,
                        "origin": json.dumps({"platform": "discord", "user_id": "alice", **origin}),
                        "result": json.dumps(result) if result is not None else None,
                        "at": datetime.now(UTC),
                    },
                )
        migrate(engine)
        with engine.connect() as conn:
            found = conn.execute(text("SELECT state, guild_id, estimate_s, run_s FROM task ORDER BY state"))
            assert [tuple(row) for row in found] == [("done", "g1", None, 12.5), ("failed", None, None, None)]
    finally:
        engine.dispose()
