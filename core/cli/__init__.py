"""The ``reelbot`` command line.

Every command turns a :class:`ReelbotError` into one readable line on stderr and a non-zero
exit code; tracebacks are for bugs only. Commands that need Redis/the database open a
:class:`ReelbotService`; ``generate`` needs neither.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from urllib.parse import urlsplit

import typer

from reelbot.cli.wiring import wire
from reelbot.domain.errors import InvalidRequest, ReelbotError
from reelbot.domain.settings import Settings, load_settings
from reelbot.domain.types import (
    MAX_SEED,
    Aspect,
    Origin,
    Platform,
    ReferenceRole,
)
from reelbot.domain.validation import parse_role

if TYPE_CHECKING:
    from rich.console import Console

    app: typer.Typer  # every command (built on first use: see __getattr__)
    console: Console  # stderr, one message a line (made on first use)
T = TypeVar("T")

ImageOpt = Annotated[
    list[Path] | None,
    typer.Option("--image", "-i", help="reference image; pair each with --role", exists=False),
]
RoleOpt = Annotated[
    list[str] | None,
    typer.Option("--role", "-r", help="first_frame | last_frame | subject | style (default first_frame)"),
]
AspectOpt = Annotated[Aspect, typer.Option(help="clip aspect")]
SecondsOpt = Annotated[float | None, typer.Option(help="clip length (default: the preset's)")]
SeedOpt = Annotated[
    int | None, typer.Option(min=0, max=MAX_SEED, help="seed; same seed + recipe = same clip")
]
HealthPortOpt = Annotated[int, typer.Option(help="port for /metrics /healthz /readyz (0 = off)")]
PresetOpt = Annotated[str | None, typer.Option(help="preset name (default: REELBOT_PRESET)")]


def fail(exc: ReelbotError, locale: str | None = None, *, code: int | None = None) -> typer.Exit:
    """Print ``exc`` as one line; the exit to raise (2 for configuration, else 1, unless ``code``)."""
    from reelbot.cli.lang import cli_locale
    from reelbot.domain.messages import render

    locale = locale or cli_locale()
    label = render("cli.error", locale)  # "error: " / "錯誤：" (a full-width colon needs no space)
    _console().print(f"[red]{label}[/red]{exc.render(locale)}", highlight=False, soft_wrap=True)
    return typer.Exit(code=code if code is not None else 2 if exc.key.startswith("config.") else 1)


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ReelbotError as exc:
        raise fail(exc) from None


def run_async(factory: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine; domain errors and unreachable services become one line and exit 1."""
    import redis.exceptions
    import sqlalchemy.exc

    try:
        return asyncio.run(factory())  # type: ignore[arg-type]
    except ReelbotError as exc:
        raise fail(exc) from None
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
        url = load_settings().redis_url
        raise fail(ReelbotError("service.redis_unreachable", where=where(url))) from None
    except sqlalchemy.exc.OperationalError:
        url = load_settings().resolved_database_url
        raise fail(ReelbotError("service.database_unreachable", where=where(url))) from None
    except (sqlalchemy.exc.ArgumentError, sqlalchemy.exc.NoSuchModuleError):
        raise fail(
            ReelbotError(
                "config.invalid",
                variable="REELBOT_DATABASE_URL",
                reason="not a database URL reelbot can use (sqlite:///… or postgresql+psycopg://…)",
                count=1,
            )
        ) from None


def where(url: str) -> str:
    """host:port of a service URL — never its user or password (for error messages)."""
    parts = urlsplit(url)
    if parts.hostname:
        return f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname
    return parts.path or parts.scheme  # a SQLite file or a unix socket


def read_images(images: list[Path] | None, roles: list[str] | None) -> list[tuple[ReferenceRole, bytes]]:
    images, roles = images or [], roles or []
    if len(roles) > len(images):
        raise InvalidRequest("cli.role_without_image")
    result = []
    for index, path in enumerate(images):
        role = parse_role(roles[index]) if index < len(roles) else ReferenceRole.FIRST_FRAME
        if not path.is_file():
            raise InvalidRequest("cli.image_missing", path=str(path))
        result.append((role, path.read_bytes()))
    return result


def cli_origin() -> Origin:
    import getpass

    from reelbot.cli.lang import cli_locale  # --lang, else LC_ALL / LC_MESSAGES / LANG

    return Origin(platform=Platform.CLI, user_id=getpass.getuser() or "cli", locale=cli_locale())


async def _with_service(
    settings: Settings, body: Callable[[Any], Awaitable[T]], *, migrate: bool = True
) -> T:
    """Open the service around ``body``; ``migrate=False`` only checks the schema's revision
    (a fleet's long-running processes: ``reelbot migrate`` moves it)."""
    from reelbot.app.service import ReelbotService

    service = await ReelbotService.open(settings, migrate=migrate)
    try:
        return await body(service)
    finally:
        await service.close()


def setup_logging(settings: Settings) -> None:
    """Structured logs when available (reelbot.ops.logs), else plain logging."""
    try:
        from reelbot.ops.logs import setup_logging as configure
    except ImportError:
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    else:
        configure(settings)


@functools.cache
def _console() -> Console:
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True)  # one message, one line (copy-pasteable paths)


if not TYPE_CHECKING:  # for mypy, app and console are the attributes declared at the top

    def __getattr__(name: str) -> Any:
        """``app`` (the whole command line) and ``console``, made on first use, so that a chat
        bot's process, which needs neither, never imports the other command modules nor rich
        (reelbot.cli.commands)."""
        if name == "app":
            from reelbot.cli.commands import build

            value = globals()["app"] = build()
            return value
        if name == "console":
            return _console()
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """The ``reelbot`` script: only the commands this run needs (a bot: its platform's)."""
    import sys

    from reelbot.cli.commands import build, modules_for

    wire()
    build(modules_for(sys.argv[1:]))()


if __name__ == "__main__":
    main()
