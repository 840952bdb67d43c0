"""Processes that do not migrate refuse a database behind this build with one line; ``reelbot
migrate`` moves it; a revision newer than the build (an old pod during a rollout) runs on.

Real SQLite and PostgreSQL databases, real alembic migrations; the CLI runs as a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from reelbot.app.service import ReelbotService
from reelbot.cli.doctor import schema_finding
from reelbot.domain.errors import ReelbotError
from reelbot.domain.settings import Settings
from reelbot.storage.db import check_revision, current_revision, head_revision, make_engine, migrate

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
OLDEST = "0001"


def behind_line(current: str) -> str:
    return f"database is at revision {current}, this build needs {head_revision()}: run `reelbot migrate`"


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_process_that_does_not_migrate_refuses_an_older_schema(
    backend: str, fresh_database_url: Callable[[str], str], settings: Settings
) -> None:
    url = fresh_database_url(backend)
    engine = make_engine(url)
    try:
        with pytest.raises(ReelbotError) as never:
            check_revision(engine)
        assert never.value.render("en") == behind_line("none")
        migrate(engine, OLDEST)
        with pytest.raises(ReelbotError) as behind:
            check_revision(engine)
        assert behind.value.key == "storage.schema_behind"
        assert behind.value.render("en") == behind_line(OLDEST)
        assert "reelbot migrate" in behind.value.render("zh-TW") and "資料庫" in behind.value.render("zh-TW")

        at_url = settings.model_copy(update={"database_url": url})
        with pytest.raises(ReelbotError, match="schema_behind"):
            await ReelbotService.open(at_url, migrate=False)
        assert current_revision(engine) == OLDEST  # refused, and nothing was changed

        service = await ReelbotService.open(at_url)  # one box: migrates for itself
        await service.close()
        assert current_revision(engine) == check_revision(engine) == head_revision()
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_newer_revision_than_this_build_runs_on(
    backend: str, fresh_database_url: Callable[[str], str]
) -> None:
    """A later build migrated first (the pre-upgrade Job); this build's pods still rolling out
    keep working on it (migrations keep the previous release working)."""
    engine = make_engine(fresh_database_url(backend))
    try:
        migrate(engine)
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999_later_build'"))
        assert check_revision(engine) == "9999_later_build"
    finally:
        engine.dispose()


def reelbot(
    args: list[str], data_dir: Path, database_url: str, key_prefix: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REELBOT_")}
    env.update(
        REELBOT_DATA_DIR=str(data_dir),
        REELBOT_DATABASE_URL=database_url,
        REELBOT_REDIS_PREFIX=key_prefix,
        REELBOT_PRESET="tiny",
        REELBOT_DEVICE="cpu",
        REELBOT_ENGINE__WARM_UP="false",
        REELBOT_LOG_LEVEL="WARNING",
        LANG="C",
        COLUMNS="400",  # rich wraps stderr at 80 columns when it is not a terminal
    )
    return subprocess.run(
        [sys.executable, "-m", "reelbot.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_worker_refuses_then_migrate_moves_the_schema(
    tmp_path: Path, fresh_database_url: Callable[[str], str], key_prefix: str
) -> None:
    url = fresh_database_url("sqlite")
    engine = make_engine(url)
    migrate(engine, OLDEST)
    engine.dispose()

    refused = reelbot(["worker", "--burst", "--health-port", "0"], tmp_path, url, key_prefix)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [f"error: {behind_line(OLDEST)}"], refused.stderr
    media = reelbot(["media", "--host", "127.0.0.1", "--port", "0"], tmp_path, url, key_prefix)
    assert media.returncode == 1 and media.stderr.strip().splitlines() == [f"error: {behind_line(OLDEST)}"]
    checked = reelbot(["migrate", "--check"], tmp_path, url, key_prefix)
    assert checked.returncode == 1 and behind_line(OLDEST) in checked.stderr
    doctor = reelbot(["doctor"], tmp_path, url, key_prefix)
    (line,) = [line for line in doctor.stdout.splitlines() if line[2:].startswith("database")]
    assert line.startswith("!") and f"revision {OLDEST}, this build needs {head_revision()}" in line, line

    migrated = reelbot(["migrate"], tmp_path, url, key_prefix)
    assert migrated.returncode == 0, migrated.stderr
    assert f"migrated from revision {OLDEST} to {head_revision()}" in migrated.stdout
    again = reelbot(["migrate", "--check"], tmp_path, url, key_prefix)
    assert again.returncode == 0 and f"is at revision {head_revision()}" in again.stdout

    served = reelbot(["worker", "--burst", "--health-port", "0"], tmp_path, url, key_prefix)
    assert served.returncode == 0, served.stderr


def test_doctor_reads_the_schema_revision() -> None:
    fields = {"where": "db", "dialect": "sqlite"}
    assert schema_finding(head_revision(), fields).status == "ok"
    assert schema_finding(None, fields).key == "doctor.database_schema_none"  # a fresh machine: fine
    assert schema_finding(OLDEST, fields).status == "warn"
    assert schema_finding("9999_later_build", fields).key == "doctor.database_schema_newer"
