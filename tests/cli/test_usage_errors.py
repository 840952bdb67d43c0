"""A command line typed wrong answers in the terminal's language: one catalogue line naming what
is wrong and what is allowed, where help is, exit code 2 — not Typer's English panel."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reelbot.cli import app
from reelbot.cli.lang import set_lang

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def english_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("LANG", "C")
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    yield
    set_lang(None)  # --lang sets the process's CLI language; the next test starts from the default


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stderr


CASES = [
    # (argv after the command name, what the English line says, what the zh-TW line must name)
    (["generate", "x", "--speed", "fast"], "--speed takes one of: quality, balanced, draft.", "quality"),
    (["generate", "x", "--steps", "500"], "--steps takes a number from 1 to 200.", "1 到 200"),
    (["enqueue", "x", "--seed", "-5"], "--seed takes a number from 0 to 4294967295.", "4294967295"),
    (["generate", "x", "--seconds", "soon"], "--seconds takes a number.", "--seconds"),
    (["generate", "x", "--aspect", "3:1"], "--aspect takes one of: 9:16, 1:1, 16:9.", "9:16"),
    (["generate"], "`reelbot generate` needs PROMPT.", "PROMPT"),
    (["generate", "x", "--nope"], "`reelbot generate` has no option --nope", "--nope"),
    (["generate", "x", "--out"], "--out needs a value after it.", "--out"),
    (["generate", "x", "--json=yes"], "--json is a switch: it takes no value.", "--json"),
    (["generate", "a", "red", "boat"], "put a prompt or caption of several words in quotes", "引號"),
    (["no-such-command"], "`reelbot` takes one of its commands: generate, storyboard,", "generate"),
]


@pytest.mark.parametrize(("argv", "english", "named"), CASES)
def test_a_usage_error_is_one_line_and_a_hint_in_english(argv: list[str], english: str, named: str) -> None:
    code, stderr = run(*argv)
    assert code == 2
    error, hint = stderr.strip().splitlines()
    assert error.startswith("error: ") and english in error
    command = "reelbot" if argv[0] == "no-such-command" else f"reelbot {argv[0]}"
    assert hint == f"Try `{command} --help`."
    assert "Invalid value" not in stderr and "╭" not in stderr  # not Typer's panel


@pytest.mark.parametrize(("argv", "english", "named"), CASES)
def test_a_taiwanese_terminal_gets_it_in_zh_tw(
    argv: list[str], english: str, named: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "zh_TW.UTF-8")
    code, stderr = run(*argv)
    assert code == 2
    error, hint = stderr.strip().splitlines()
    assert error.startswith("錯誤：") and named in error and CJK.search(error.removeprefix("錯誤："))
    assert hint.startswith("輸入 `reelbot") and hint.endswith("--help` 看用法。")
    assert english not in stderr and "Usage" not in stderr and "Try " not in stderr


def test_lang_beats_the_environment_for_the_subcommand_typed_after_it() -> None:
    code, stderr = run("--lang", "zh-TW", "generate", "x", "--speed", "turbo")
    assert code == 2 and stderr.startswith("錯誤：--speed 只能是：quality, balanced, draft。")


def test_a_nested_group_names_its_own_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REELBOT_DISCORD_TOKEN", raising=False)
    code, stderr = run("media-store", "nope")
    assert code == 2 and "`reelbot media-store` takes one of its commands: migrate." in stderr
    assert "Try `reelbot media-store --help`." in stderr


def test_bare_reelbot_still_prints_the_help() -> None:
    result = CliRunner().invoke(app, [])
    assert "generate" in result.output and "error" not in result.output.lower()


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_a_bad_image_or_role_before_the_command_runs_is_one_line_not_a_traceback(
    lang: str, tmp_path: Path
) -> None:
    image = tmp_path / "ref.png"
    image.write_bytes(b"\x89PNG not really")
    for argv, needle in (
        (["enqueue", "x", "--image", str(image), "--role", "hero"], "hero"),
        (["enqueue", "x", "--image", str(tmp_path / "gone.png")], "gone.png"),
        (["generate", "x", "--role", "subject"], "--role"),
    ):
        code, stderr = run("--lang", lang, *argv)
        assert code == 1, stderr
        assert len(stderr.strip().splitlines()) == 1 and needle in stderr
        assert bool(CJK.search(stderr)) is (lang == "zh-TW")


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_a_mistyped_id_or_a_missing_clip_is_one_line_in_the_terminals_language(lang: str) -> None:
    for argv, needle in (
        (["status", "not-a-uuid"], "not-a-uuid"),
        (["audit", "zzz"], "zzz"),
        (["verify", "gone.mp4"], "gone.mp4"),
    ):
        code, stderr = run("--lang", lang, *argv)
        assert code == 1, stderr
        (line,) = stderr.strip().splitlines()
        assert needle in line and line.startswith("錯誤：" if lang == "zh-TW" else "error: ")
        assert bool(CJK.search(line)) is (lang == "zh-TW") and "UUID" not in line
