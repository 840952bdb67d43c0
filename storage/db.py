"""Engine, migrations and transactions.

``make_engine`` tunes SQLite for several processes at once (bots, workers, the CLI share one
file): WAL so readers never block the writer, foreign keys on, a busy timeout instead of
"database is locked", and ``BEGIN IMMEDIATE`` so a transaction takes the write lock up front
— a deferred transaction that reads first and writes later can fail at once with
SQLITE_BUSY when another writer committed in between, whatever the busy timeout says.
pysqlite's own transaction handling is switched off for that (and so SAVEPOINTs work).

``migrate`` runs alembic ``upgrade head`` with the migrations shipped inside the package;
production code calls it, never ``create_all``.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from reelbot.domain.errors import ReelbotError

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 30_000
_migrate_lock = threading.Lock()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://...``)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            from pathlib import Path

            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        _tune_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite; the "begin" hook below issues BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; durable at checkpoints
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


_REVISION = re.compile(r"^(down_)?revision\b[^=]*=\s*['\"]?([\w-]+|None)['\"]?", re.MULTILINE)


def _revision_graph() -> tuple[set[str], set[str]]:
    """(every revision id, every id some migration revises), read from the shipped files."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in resources.files("reelbot.storage.migrations.versions").iterdir():
        if not path.name.endswith(".py") or path.name.startswith("__"):
            continue
        for down, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            (parents if down else revisions).add(value)
    return revisions, parents


def known_revisions() -> set[str]:
    """Every revision this build's migrations know (a database at another one is newer)."""
    return _revision_graph()[0]


def head_revision() -> str:
    """The newest migration's id, read from the shipped files (no alembic import: bot processes
    check the schema on every start and must stay lean)."""
    revisions, parents = _revision_graph()
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def check_revision(engine: Engine) -> str:
    """Refuse to run on a database this build's migrations have not reached; its revision.

    Long-running processes of a fleet do not migrate at start (a one-shot ``reelbot migrate``
    job does, before they roll out), so a pod started against an older schema must stop with
    one line instead of failing later on a missing column. A revision this build does not
    know is *newer* (a later build migrated; this pod is an old one still rolling out): it runs
    on, with a warning, because migrations keep the previous release working.
    """
    current, head = current_revision(engine), head_revision()
    if current == head:
        return head
    if current is not None and current not in known_revisions():
        log.warning("database is at revision %s, newer than this build's %s", current, head)
        return current
    raise ReelbotError("storage.schema_behind", current=current or "none", head=head)


def alembic_config(engine: Engine | None = None) -> Config:
    """An alembic Config pointing at the packaged migrations (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("reelbot.storage.migrations")))
    if engine is not None:
        # '%' would be read as interpolation by configparser.
        config.set_main_option(
            "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
        )
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (default: the newest). Safe to call every start: a
    database already at the head returns at once, without importing alembic."""
    if revision == "head" and current_revision(engine) == head_revision():
        return
    from alembic import command

    config = alembic_config(engine)
    with _migrate_lock, engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several processes may start at once; one migrates, the others wait and find it done.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7312023001)")
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    log.info("database schema at %s", revision, extra={"database": engine.url.render_as_string()})


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block ends and rolls back if it raises.

    ``expire_on_commit=False``: the objects stay readable after the block, so callers can
    return them (and use them from another thread via ``asyncio.to_thread``).
    """
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
