"""The ``reelbot`` script builds only what a run needs: a chat platform's commands for a bot, and
every command otherwise — the same commands, options and help either way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import typer

from reelbot.cli.commands import (
    COMMAND_MODULES,
    PLATFORM_COMMAND_MODULES,
    build,
    command_word,
    modules_for,
)

CLI = Path(__file__).resolve().parents[2] / "core" / "cli"


@pytest.mark.parametrize(
    ("argv", "word"),
    [
        (["discord"], "discord"),
        (["--lang", "zh-TW", "line", "--port", "9"], "line"),
        (["--lang=zh-TW", "discord", "invite-url"], "discord"),
        (["--help"], None),
        ([], None),
        (["generate", "a boat", "--seconds", "1"], "generate"),
    ],
)
def test_command_word_skips_the_global_options(argv: list[str], word: str | None) -> None:
    assert command_word(argv) == word


def test_a_platform_gets_its_commands_and_anything_else_gets_all() -> None:
    assert modules_for(["discord"]) == modules_for(["--lang", "en", "line"]) == PLATFORM_COMMAND_MODULES
    for argv in (["generate", "x"], ["serve"], ["--help"], [], ["no-such-command"]):
        assert modules_for(argv) == COMMAND_MODULES


def _describe(app: typer.Typer, name: str) -> tuple[object, ...]:
    """A command's (or group's) options and subcommands, as click sees them."""
    command = typer.main.get_command(app).commands[name]  # type: ignore[attr-defined]
    options = tuple((p.name, tuple(p.opts), p.help) for p in command.params)  # type: ignore[attr-defined]
    return command.help, options, tuple(sorted(getattr(command, "commands", {})))


def test_a_platform_run_builds_the_same_platform_commands_as_the_whole_cli() -> None:
    whole, lean = build(), build(PLATFORM_COMMAND_MODULES)
    for name in ("discord", "line"):
        assert _describe(lean, name) == _describe(whole, name)
    assert _describe(lean, "discord")[2] == ("invite-url",)


def test_every_module_that_registers_commands_is_listed() -> None:
    """A new command module is one line in COMMAND_MODULES, or the whole CLI misses it."""
    listed = {name.rsplit(".", 1)[1] for name in COMMAND_MODULES}
    operator = ast.parse((CLI / "operator.py").read_text())
    via_operator = {
        alias.name for node in ast.walk(operator) if isinstance(node, ast.ImportFrom) for alias in node.names
    }
    registering = {
        path.stem
        for path in CLI.glob("*.py")
        if any(
            isinstance(node, ast.FunctionDef) and node.name == "register"
            for node in ast.parse(path.read_text()).body
        )
    }
    assert registering - listed - via_operator == set()
