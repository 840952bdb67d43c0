"""`reelbot storyboard FILE`: a draft on disk and its path on stdout; bad input is one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from reelbot.cli import app
from reelbot.generator.encode import probe


@pytest.fixture
def env(tmp_path: Path, key_prefix: str) -> dict[str, str]:
    return {
        "REELBOT_DATA_DIR": str(tmp_path / "data"),
        "REELBOT_REDIS_PREFIX": key_prefix,
        "REELBOT_PRESET": "tiny",
        "REELBOT_DEVICE": "cpu",
        "REELBOT_MEDIA_SECRET": "test-secret-0123456789abcdef",
        "COLUMNS": "400",
    }


def test_storyboard_command_writes_a_draft(tmp_path: Path, env: dict[str, str]) -> None:
    board = tmp_path / "board.toml"
    board.write_text('steps = 2\nfps = 8\n[[shots]]\nprompt = "a cat"\nseconds = 0.5\n', encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["storyboard", str(board), "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    draft = Path(result.stdout.strip().splitlines()[-1])
    assert draft == out / "draft.mp4"
    assert probe(draft).num_frames == 5
    assert (out / "contact_sheet.jpg").is_file()


def test_storyboard_command_refuses_clearly(tmp_path: Path, env: dict[str, str]) -> None:
    board = tmp_path / "board.yaml"
    board.write_text("shots:\n- {prompt: a, seconds: 0}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["storyboard", str(board)], env=env)
    assert result.exit_code == 1
    assert "Shot 1" in result.output and "Traceback" not in result.output
    missing = CliRunner().invoke(app, ["storyboard", str(tmp_path / "none.yaml")], env=env)
    assert missing.exit_code == 1 and "can't find the storyboard" in missing.output
