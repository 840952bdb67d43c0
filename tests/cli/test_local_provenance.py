"""Clips made by `reelbot generate` carry the worker's provenance, and `reelbot verify` gives one
verdict: the real tiny pipeline, ffmpeg and c2pa-python with a throw-away certificate."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from reelbot.app.safety.devcert import generate_dev_certificate
from reelbot.cli import app
from reelbot.cli.lang import set_lang
from reelbot.generator.provenance import verify_clip


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("REELBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REELBOT_PRESET", "tiny")
    for name in (
        "LANG",
        "LC_ALL",
        "LC_MESSAGES",
        "REELBOT_PROVENANCE__CERT_FILE",
        "REELBOT_PROVENANCE__KEY_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    set_lang(None)
    return tmp_path


def generate(out: Path) -> str:
    result = CliRunner().invoke(
        app, ["generate", "a paper boat", "--seconds", "1", "--seed", "5", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_generate_signs_like_the_worker(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key = generate_dev_certificate(workdir / "pki")
    monkeypatch.setenv("REELBOT_PROVENANCE__CERT_FILE", str(cert))
    monkeypatch.setenv("REELBOT_PROVENANCE__KEY_FILE", str(key))
    out = workdir / "signed.mp4"
    assert "signed:" in generate(out)
    report = verify_clip(out)
    assert report.ok and report.ai_label and report.ai_generated_assertion and report.moov_before_mdat
    verified = CliRunner().invoke(app, ["verify", str(out)])
    assert verified.exit_code == 0, verified.output
    first, summary, details = verified.output.splitlines()[:3]
    assert first.startswith("✓") and "valid content credentials" in first
    assert "AI-generated label yes" in summary and "C2PA manifest valid" in summary
    assert "AI-generated assertion in the credentials: yes" in details


def test_unsigned_clip_gets_one_consistent_verdict(workdir: Path) -> None:
    out = workdir / "plain.mp4"
    assert "not signed" in generate(out) and "REELBOT_PROVENANCE__CERT_FILE" in generate(out)
    verified = CliRunner().invoke(app, ["verify", str(out)])
    assert verified.exit_code == 1
    first, summary, details = verified.output.splitlines()[:3]
    assert first.startswith("!") and "metadata only" in first and "REELBOT_PROVENANCE__KEY_FILE" in first
    assert "AI-generated label yes" in summary and "C2PA manifest missing" in summary
    # no "assertion: no" beside "label yes": there is no manifest to hold an assertion
    assert "no C2PA manifest" in details and "credentials: no;" not in details
    zh = CliRunner().invoke(app, ["--lang", "zh-TW", "verify", str(out)])
    assert zh.output.splitlines()[0].startswith("!") and "只在中繼資料裡標示為 AI 生成" in zh.output
    set_lang(None)


def test_storyboard_shots_and_draft_are_signed(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key = generate_dev_certificate(workdir / "pki")
    monkeypatch.setenv("REELBOT_PROVENANCE__CERT_FILE", str(cert))
    monkeypatch.setenv("REELBOT_PROVENANCE__KEY_FILE", str(key))
    board = workdir / "board.toml"
    board.write_text(
        'steps = 2\nfps = 8\n[[shots]]\nprompt = "a cat"\nseconds = 0.5\n'
        '[[shots]]\nprompt = "a dog"\nseconds = 0.5\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["storyboard", str(board), "--out", str(workdir / "out")])
    assert result.exit_code == 0, result.output
    assert "signed:" in result.output
    clips = sorted((workdir / "out").rglob("*.mp4"))
    assert len(clips) >= 3  # two shots and the draft
    for clip in clips:
        report = verify_clip(clip)
        assert report.ok, (clip.name, report.problems)
