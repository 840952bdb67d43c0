"""deploy/systemd/reelbot.service runs the CLI's real `serve` with options it really has."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

from typer.testing import CliRunner

from reelbot.cli import app

UNIT = Path(__file__).resolve().parents[2] / "deploy" / "systemd" / "reelbot.service"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read(UNIT)
    return parser


def test_unit_runs_serve_with_existing_options() -> None:
    service = unit()["Service"]
    argv = shlex.split(service["ExecStart"])
    assert argv[0].endswith("/.venv/bin/reelbot") and argv[1] == "serve"
    options = {arg.split("=", 1)[0] for arg in argv[2:] if arg.startswith("--")}
    help_text = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "200"}).output
    for option in options:
        assert option in help_text, f"reelbot serve has no {option}"
    assert argv[argv.index("--host") + 1] == "127.0.0.1"  # behind the proxy, not on every interface


def test_unit_restarts_and_lets_the_worker_finish() -> None:
    parsed = unit()
    service = parsed["Service"]
    assert service["Restart"] == "on-failure"
    assert service["KillSignal"] == "SIGTERM" and int(service["TimeoutStopSec"]) >= 60
    assert service["WorkingDirectory"] in service["ReadWritePaths"]
    assert parsed["Install"]["WantedBy"] == "multi-user.target"
    assert "redis" in parsed["Unit"]["After"]
