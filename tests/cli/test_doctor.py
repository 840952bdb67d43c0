"""``reelbot doctor`` against the real Redis, SQLite and ffmpeg of this machine.

Each case changes one thing in the environment and expects the line that names it, the exit
code that says whether something required is missing, and no secret in the output.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from reelbot.cli import doctor
from reelbot.cli.lang import set_lang

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.not-a-real-token-but-secret-xyz"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    """A fresh app with only ``doctor``, run in an empty folder (no .env) with its own data dir."""
    monkeypatch.chdir(tmp_path)
    for name in (
        "LC_ALL",
        "LC_MESSAGES",
        "LANG",
        "REELBOT_DISCORD_TOKEN",
        "REELBOT_LINE_CHANNEL_SECRET",
        "REELBOT_LINE_CHANNEL_ACCESS_TOKEN",
        "REELBOT_REDIS_URL",
        "REELBOT_DATABASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REELBOT_DATA_DIR", str(tmp_path / "data"))
    set_lang(None)
    app = typer.Typer()
    doctor.register(app)
    app.command("noop")(lambda: None)  # two commands: typer keeps `doctor` as a subcommand
    return app


def run(app: typer.Typer, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["doctor", *args])
    return result.exit_code, result.output


def lines_of(output: str, check: str) -> list[str]:
    return [line for line in output.splitlines() if line[2:].startswith(check)]


def test_no_chat_platform_is_missing(cli: typer.Typer) -> None:
    code, out = run(cli)
    assert code == 1, out
    (ffmpeg,) = lines_of(out, "ffmpeg")
    assert ffmpeg.startswith("✓")
    (database,) = lines_of(out, "database")
    assert database.startswith("✓") and "sqlite" in database
    assert any(line.startswith("✗") and "REELBOT_DISCORD_TOKEN" in line for line in lines_of(out, "chat"))
    assert len(lines_of(out, "redis")) == 1
    assert "required thing(s) missing" in out.splitlines()[-1]


def test_token_is_present_but_never_printed(cli: typer.Typer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REELBOT_DISCORD_TOKEN", TOKEN)
    _code, out = run(cli)
    assert any(line.startswith("✓") and "discord" in line for line in lines_of(out, "chat")), out
    assert TOKEN not in out and "secret-xyz" not in out
    assert not any(line.startswith("✗") for line in lines_of(out, "chat"))


def test_unreachable_redis_is_named(cli: typer.Typer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REELBOT_DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("REELBOT_REDIS_URL", "redis://:hunter2-password@127.0.0.1:1/0")
    code, out = run(cli)
    assert code == 1
    (redis,) = lines_of(out, "redis")
    assert redis.startswith("✗") and "127.0.0.1:1" in redis, redis
    assert "hunter2" not in out


def test_redis_persistence_is_read_from_the_server(cli: typer.Typer, monkeypatch: pytest.MonkeyPatch) -> None:
    import redis

    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    appendonly = client.config_get("appendonly")["appendonly"]
    save = client.config_get("save")["save"]
    (line,) = lines_of(run(cli)[1], "redis")
    if appendonly == "yes":
        assert line.startswith("✓") and "appendonly yes" in line
    elif save.strip():
        assert line.startswith("!") and "appendonly yes" in line
    else:
        assert line.startswith("✗") and "keeps nothing" in line


def test_line_needs_public_https(cli: typer.Typer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REELBOT_LINE_CHANNEL_SECRET", "0123456789abcdef0123456789abcdef")
    monkeypatch.setenv("REELBOT_LINE_CHANNEL_ACCESS_TOKEN", "line-access-token-value-" + "x" * 20)
    monkeypatch.setenv("REELBOT_MEDIA_BASE_URL", "http://192.168.1.20:8080")
    code, out = run(cli)
    assert code == 1
    (https,) = lines_of(out, "https")
    assert https.startswith("✗") and "HTTPS" in https
    assert "line-access-token-value" not in out and "0123456789abcdef" not in out
    monkeypatch.setenv("REELBOT_MEDIA_BASE_URL", "https://10.0.0.5")
    (https,) = lines_of(run(cli)[1], "https")
    assert https.startswith("✗") and "10.0.0.5" in https
    monkeypatch.setenv("REELBOT_MEDIA_BASE_URL", "https://clips.example.tw")
    (https,) = lines_of(run(cli)[1], "https")
    assert https.startswith("✓")


def test_zh_tw_from_lang_and_from_the_option(cli: typer.Typer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "zh_TW.UTF-8")
    _code, out = run(cli)
    assert "沒有設定任何聊天平台" in out and "缺少" in out.splitlines()[-1]
    monkeypatch.setenv("LANG", "C")
    _code, out = run(cli, "--lang", "zh-TW")
    assert "沒有設定任何聊天平台" in out
    set_lang(None)
    _code, out = run(cli)
    assert "no chat platform configured" in out
