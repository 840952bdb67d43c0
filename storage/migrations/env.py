"""Alembic environment: used both by ``reelbot.storage.db.migrate`` (which hands over a
connection) and by developers running ``alembic -c storage/alembic.ini revision
--autogenerate`` (which connects to ``REELBOT_DATABASE_URL`` / the default SQLite file)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import reelbot.storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from reelbot.storage.db import make_engine

config = context.config
if config.config_file_name is not None:  # developers' alembic.ini; migrate() has none
    from logging.config import fileConfig

    fileConfig(config.config_file_name, disable_existing_loggers=False)
target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        from reelbot.domain.settings import load_settings

        url = load_settings().resolved_database_url
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
