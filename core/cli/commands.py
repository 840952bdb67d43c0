"""Which modules register the ``reelbot`` commands, and the Typer app built from them.

A chat bot's process (``reelbot discord``, ``reelbot line``) registers only the platform
commands it runs, so it never imports the other command modules — render, finish, safety,
media and the rest, and through them rich, which they import at module level (3.0 MB of the
Discord bot's idle memory, 2.7 MB of the LINE webhook's; docs/benchmarks.md). Every other
command line, and ``reelbot.cli.app`` (tests, ``--help``), gets every command in the usual order.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Annotated

import typer

#: In registration order, which is the order ``reelbot --help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "reelbot.cli.render",  # generate, storyboard
    "reelbot.cli.jobs",  # enqueue, status
    "reelbot.cli.run",  # worker, media, demo, serve
    "reelbot.cli.safety",  # verify CLIP, audit CLIP_ID
    "reelbot.cli.finish",  # finish CLIP
    "reelbot.cli.tasks",  # music DESCRIPTION, cancel ID
    "reelbot.cli.media",  # media-store migrate --to s3
    "reelbot.cli.schema",  # migrate [--check]
    "reelbot.cli.models",  # models pull PRESET…
    "reelbot.cli.platforms",  # discord, line, … (one per registered platform)
    "reelbot.cli.operator",  # doctor; discord invite-url (after the platforms: it makes a group)
    "reelbot.cli.remix",  # extend|loop|vary|remix|reroll CLIP_ID
    "reelbot.cli.estimates",  # estimates (GPU-seconds refit from measured jobs)
)

#: What ``reelbot <platform>`` needs: the platform commands, and ``discord``'s group (the half
#: of ``reelbot.cli.operator`` that adds ``invite-url``; ``doctor`` is the other half).
PLATFORM_COMMAND_MODULES: tuple[str, ...] = ("reelbot.cli.platforms", "reelbot.cli.discord_invite")

#: Options of the top-level callback that take a value (``--lang zh-TW``).
_VALUE_OPTIONS = ("--lang",)


def new_app() -> typer.Typer:
    """An empty ``reelbot`` command line with its global options."""
    from reelbot.cli.usage import LocalizedGroup

    app = typer.Typer(
        name="reelbot",
        cls=LocalizedGroup,  # usage errors in the terminal's language (core/cli/usage.py)
        help="Short AI videos from inside your chat. Run `reelbot demo` to render a first clip.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    @app.callback()
    def _global_options(
        lang: Annotated[str | None, typer.Option(help="en or zh-TW (default: LANG / LC_ALL)")] = None,
    ) -> None:
        """Short AI videos from inside your chat. Run `reelbot demo` to render a first clip."""
        from reelbot.cli.lang import set_lang

        set_lang(lang)

    return app


def build(modules: Sequence[str] = COMMAND_MODULES) -> typer.Typer:
    """The command line with the commands of ``modules``, registered in that order."""
    app = new_app()
    for name in modules:
        importlib.import_module(name).register(app)
    return app


def command_word(argv: Sequence[str]) -> str | None:
    """The command an argv names: its first word that is not a global option (or its value)."""
    words = iter(argv)
    for word in words:
        if word in _VALUE_OPTIONS:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def modules_for(argv: Sequence[str]) -> tuple[str, ...]:
    """The command modules a run of ``argv`` needs: a chat platform's only, else all."""
    from reelbot.cli.platforms import load_platforms

    return PLATFORM_COMMAND_MODULES if command_word(argv) in load_platforms() else COMMAND_MODULES
