"""`reelbot line`: missing secrets and a non-HTTPS media origin are one clear line, secrets unprinted."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from reelbot.cli import app

SECRET = "very-secret-channel-value-123"


@pytest.fixture
def env(tmp_path: object, key_prefix: str) -> dict[str, str]:
    return {
        "REELBOT_DATA_DIR": str(tmp_path),
        "REELBOT_REDIS_PREFIX": key_prefix,
        "REELBOT_MEDIA_BASE_URL": "https://media.example.test",
        "REELBOT_LINE_CHANNEL_SECRET": "",
        "REELBOT_LINE_CHANNEL_ACCESS_TOKEN": "",
        "COLUMNS": "400",  # rich wraps long lines at the terminal width
    }


def run(env: dict[str, str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["line"], env=env)
    return result.exit_code, result.output


def test_missing_secret_is_one_line(env: dict[str, str]) -> None:
    code, output = run(env)
    assert code != 0
    assert "REELBOT_LINE_CHANNEL_SECRET" in output and "Traceback" not in output
    assert len(output.strip().splitlines()) == 1


def test_missing_token_names_it_and_never_prints_the_secret(env: dict[str, str]) -> None:
    code, output = run({**env, "REELBOT_LINE_CHANNEL_SECRET": SECRET})
    assert code != 0
    assert "REELBOT_LINE_CHANNEL_ACCESS_TOKEN" in output
    assert SECRET not in output


def test_plain_http_media_origin_is_refused(env: dict[str, str]) -> None:
    code, output = run(
        {
            **env,
            "REELBOT_LINE_CHANNEL_SECRET": SECRET,
            "REELBOT_LINE_CHANNEL_ACCESS_TOKEN": "token-value-abc",
            "REELBOT_MEDIA_BASE_URL": "http://127.0.0.1:8080",
        }
    )
    assert code != 0 and "HTTPS" in output and SECRET not in output and "token-value-abc" not in output


def test_invalid_line_setting_is_one_line(env: dict[str, str]) -> None:
    code, output = run(
        {
            **env,
            "REELBOT_LINE_CHANNEL_SECRET": SECRET,
            "REELBOT_LINE_CHANNEL_ACCESS_TOKEN": "token-value-abc",
            "REELBOT_LINE_LOADING_SECONDS": "7",
        }
    )
    assert code != 0 and "REELBOT_LINE_LOADING_SECONDS" in output
    assert len(output.strip().splitlines()) == 1
