"""``reelbot estimates``: the refit table from the real SQLite file the CLI opens, in both
languages and as JSON."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from reelbot.cli import estimates
from reelbot.cli.lang import set_lang
from reelbot.domain.types import GenerationRequest, Origin, Platform, SpeedMode
from reelbot.storage import jobs as job_repo
from reelbot.storage import tasks as task_repo
from reelbot.storage.db import make_engine, migrate, session_scope
from tests.jobrecords import finish_job


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.chdir(tmp_path)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "REELBOT_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REELBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REELBOT_PRESET", "tiny")
    set_lang(None)
    app = typer.Typer()
    estimates.register(app)
    app.command("noop")(lambda: None)  # two commands: typer keeps `estimates` as a subcommand
    return app


def measured_jobs(data_dir: Path, seconds: list[float], speed: SpeedMode | None = None) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{data_dir / 'reelbot.db'}")
    migrate(engine)
    origin = Origin(platform=Platform.CLI, user_id="op")
    for value in seconds:
        request = GenerationRequest(prompt="a boat", origin=origin, preset="tiny", seed=1, speed=speed)
        with session_scope(engine) as session:
            job_id = job_repo.create_job(
                session=session, request=request, idempotency_key=uuid.uuid4().hex
            ).id
        finish_job(engine, job_id, gpu_seconds=value)
    engine.dispose()


def test_table_says_measured_or_profile(cli: typer.Typer, tmp_path: Path) -> None:
    measured_jobs(tmp_path / "data", [2.0, 3.0, 10.0])
    measured_jobs(tmp_path / "data", [1.5], speed=SpeedMode.DRAFT)
    result = CliRunner().invoke(cli, ["estimates", "--json"])
    assert result.exit_code == 0, result.output
    lines = list(map(json.loads, result.output.splitlines()))
    rows = {(r["preset"], r["mode"]): r for r in lines if "preset" in r}
    assert rows[("tiny", "quality")]["samples"] == 3
    assert rows[("tiny", "quality")]["median_s"] == 3.0 and rows[("tiny", "quality")]["source"] == "measured"
    assert rows[("tiny", "draft")] | {"scale": 1.0} == {
        "preset": "tiny", "mode": "draft", "samples": 1, "median_s": 1.5, "scale": 1.0, "source": "profile"
    }  # fmt: skip
    assert rows[("wan-2.1-t2v-1.3b", "quality")]["samples"] == 0  # every registered preset is listed

    text = CliRunner().invoke(cli, ["estimates"])
    assert text.exit_code == 0, text.output
    line = next(x for x in text.output.splitlines() if x.startswith("tiny ") and " quality " in x)
    assert line.split() == [
        "tiny",
        "quality",
        "3",
        "3.0",
        f"{rows[('tiny', 'quality')]['scale']:.2f}",
        "measured",
    ]

    zh = CliRunner().invoke(cli, ["estimates", "--min-samples", "4"], env={"LANG": "zh_TW.UTF-8"})
    assert zh.exit_code == 0, zh.output
    assert zh.output.startswith("模型") and "樣本少於 4 次時只用模型估算" in zh.output
    line = next(x for x in zh.output.splitlines() if x.startswith("tiny ") and " quality " in x)
    assert line.split()[-1] == "模型估算"  # three samples are too few now


def test_status_of_a_waiting_job_gives_lane_place_and_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key_prefix: str, redis_client: object
) -> None:
    from reelbot.cli import app
    from tests.conftest import REDIS_URL

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REELBOT_DATABASE_URL", raising=False)
    monkeypatch.setenv("REELBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REELBOT_PRESET", "tiny")
    monkeypatch.setenv("REELBOT_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("REELBOT_REDIS_PREFIX", key_prefix)
    queued = CliRunner().invoke(app, ["enqueue", "a paper boat"])
    assert queued.exit_code == 0, queued.output
    job_id = queued.stdout.strip().splitlines()[-1]
    status = CliRunner().invoke(app, ["status", job_id])
    assert status.exit_code == 0, status.output
    info = json.loads(status.stdout)
    # No worker has been seen: the place is known, the ETA is not (left out).
    assert (info["lane"], info["lane_position"], info["workers"]) == ("fast", 1, 0)
    assert "eta_s" not in info


def measured_tasks(data_dir: Path, kind: str, runs: list[tuple[float, float]]) -> None:
    """Done tasks as the worker leaves them: (run_s, seconds of output) each."""
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{data_dir / 'reelbot.db'}")
    migrate(engine)
    origin = Origin(platform=Platform.CLI, user_id="op")
    for run_s, seconds in runs:
        result = {"duration_s": seconds} if kind == "finish" else {"seconds": seconds}
        with session_scope(engine) as session:
            task, _ = task_repo.create_or_get_task(
                session=session, kind=kind, payload={}, origin=origin, idempotency_key=uuid.uuid4().hex
            )
            assert task_repo.mark_running(session=session, task_id=task.id, worker="w")
            assert task_repo.mark_done(session=session, task_id=task.id, result={**result, "run_s": run_s})
    engine.dispose()


def test_task_kinds_are_listed_measured_or_profile(cli: typer.Typer, tmp_path: Path) -> None:
    measured_tasks(tmp_path / "data", "finish", [(10.0, 2.0), (6.0, 1.0), (7.0, 1.0)])  # 5, 6, 7 s/s
    measured_tasks(tmp_path / "data", "music", [(20.0, 30.0)])
    result = CliRunner().invoke(cli, ["estimates", "--json"])
    assert result.exit_code == 0, result.output
    tasks = {r["task"]: r for r in map(json.loads, result.output.splitlines()) if "task" in r}
    assert tasks["finish"] == {
        "task": "finish", "unit": "output_s", "samples": 3, "median_s_per_unit": 6.0, "fixed_s": 0.0,
        "per_unit_s": 6.0, "scale": 1.25, "source": "measured",
    }  # fmt: skip
    assert tasks["music"]["samples"] == 1 and tasks["music"]["source"] == "profile"
    assert (tasks["music"]["fixed_s"], tasks["music"]["per_unit_s"]) == (5.0, 0.5)

    text = CliRunner().invoke(cli, ["estimates"])
    assert text.exit_code == 0, text.output
    line = next(x for x in text.output.splitlines() if x.startswith("finish "))
    cells = ["finish", "s", "of", "finished", "video", "3", "6.00", "0.0", "6.00", "1.25", "measured"]
    assert line.split() == cells
    zh = CliRunner().invoke(cli, ["estimates"], env={"LANG": "zh_TW.UTF-8"})
    assert zh.exit_code == 0, zh.output
    line = next(x for x in zh.output.splitlines() if x.startswith("music "))
    assert line.split() == ["music", "音樂秒數", "1", "0.67", "5.0", "0.50", "1.00", "模型估算"]
