"""Usage errors (an unknown option, a missing prompt, a value out of range) in the terminal's language.

Typer words its parse errors in English only, in a boxed panel. The ``reelbot`` command line
says them the way it says every other error — one ``error: …`` / ``錯誤：…`` line from the
catalogue (core/cli/usage_texts.py), naming what Typer found (which option, what it allows),
then where help is — with Click's exit code 2. A :class:`ReelbotError` that escapes a command
(a bad ``--role`` read before a command's own ``try``) is one line too, never a traceback.

The shapes read here (``type_descriptor``, ``min`` / ``max``, a group that is a ``Command``)
are Typer 0.29's, which carries its own copy of Click; pyproject.toml pins that minor version.
Anything unrecognised still gets the localized frame around Typer's own words.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import typer
from typer.core import TyperGroup

from reelbot.domain.errors import ReelbotError

#: Typer's Click exception classes (its vendored copy): the module that holds typer.BadParameter.
_errors = sys.modules[typer.BadParameter.__module__]


def _name(param: Any) -> str:
    """How the person typed it: ``--steps`` for an option, ``PROMPT`` for an argument."""
    opts = [opt for opt in getattr(param, "opts", ()) if opt.startswith("--")]
    return opts[0] if opts else str(getattr(param, "name", "") or "?").upper()


def _bad_value(param: Any, reason: str) -> ReelbotError:
    """What a value for ``param`` must be: one of its choices, a number in its range, else Typer's reason."""
    name = _name(param)
    kind = getattr(param, "type_descriptor", None)
    if kind is not None and kind.is_choice and kind.choices:
        choices = ", ".join(str(getattr(c, "value", c)) for c in kind.choices)
        return ReelbotError("cli.usage.one_of", name=name, choices=choices)
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if low is not None and high is not None:
        return ReelbotError("cli.usage.range", name=name, low=low, high=high)
    if low is not None or high is not None:
        key = "cli.usage.at_least" if low is not None else "cli.usage.at_most"
        return ReelbotError(key, name=name, bound=low if low is not None else high)
    if kind is not None and kind.annotation in (int, float):
        return ReelbotError("cli.usage.number", name=name)
    return ReelbotError("cli.usage.invalid", name=name, reason=reason)


def _where(exc: Exception, group: Any) -> tuple[str, Any]:
    """The command line and the command an error is about; Typer's parser leaves ``ctx`` unset on
    some (``--out`` with no value), and then it is the subcommand the group was invoking."""
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        return ctx.command_path, ctx.command
    name = getattr(group, "invoked_subcommand", None)
    if name:
        return f"{group.command_path} {name}", group.command.commands.get(name)
    return (group.command_path if group is not None else "reelbot"), None


def _is_flag(command: Any, option: str) -> bool:
    params = getattr(command, "params", ())
    return any(option in getattr(p, "opts", ()) and getattr(p, "is_flag", False) for p in params)


def problem(exc: Exception, path: str, command: Any) -> ReelbotError:
    """The catalogue's words for one of Typer's usage errors, about ``command`` (typed as ``path``)."""
    reason = exc.format_message() if isinstance(exc, _errors.ClickException) else str(exc)
    if isinstance(exc, _errors.MissingParameter):
        name = _name(exc.param) if exc.param is not None else str(exc.param_hint or "?")
        return ReelbotError("cli.usage.missing", command=path, name=name)
    if isinstance(exc, _errors.NoSuchOption):
        near = ", ".join(sorted(exc.possibilities or ()))
        key = "cli.usage.no_such_option_near" if near else "cli.usage.no_such_option"
        return ReelbotError(key, command=path, name=exc.option_name, near=near)
    if isinstance(exc, _errors.BadOptionUsage) and command is not None:
        key = "cli.usage.takes_no_value" if _is_flag(command, exc.option_name) else "cli.usage.needs_value"
        return ReelbotError(key, name=exc.option_name)
    if isinstance(exc, _errors.BadParameter) and exc.param is not None:
        return _bad_value(exc.param, exc.message)
    if type(exc) is _errors.UsageError and command is not None:
        if isinstance(command, TyperGroup):  # "Missing command." / "No such command 'x'."
            names = ", ".join(command.commands)
            return ReelbotError("cli.usage.command", command=path, names=names)
        if "extra argument" in reason:  # the one ctx.fail of a plain command
            return ReelbotError("cli.usage.extra", command=path)
    return ReelbotError("cli.usage.other", reason=reason)


@contextmanager
def _spoken(group: Any = None) -> Iterator[None]:
    """Turn a usage error or a stray :class:`ReelbotError` into lines in the terminal's language."""
    from reelbot.cli import _console, fail
    from reelbot.cli.lang import cli_locale
    from reelbot.domain.messages import render

    try:
        yield
    except _errors.NoArgsIsHelpError:
        raise  # Typer has printed the help: the right answer to a bare `reelbot`
    except _errors.UsageError as exc:
        path, command = _where(exc, group)
        exit_ = fail(problem(exc, path, command), code=exc.exit_code)
        _console().print(render("cli.usage.help", cli_locale(), command=path), style="dim", highlight=False)
        raise exit_ from None
    except ReelbotError as exc:
        raise fail(exc) from None


class LocalizedGroup(TyperGroup):
    """The top ``reelbot`` group: every error below it, parse or command, speaks the catalogue."""

    def make_context(
        self, info_name: str | None, args: Sequence[str], parent: Any = None, **extra: Any
    ) -> Any:
        with _spoken():
            return super().make_context(info_name, list(args), parent=parent, **extra)

    def invoke(self, ctx: Any) -> Any:
        with _spoken(ctx):
            return super().invoke(ctx)
