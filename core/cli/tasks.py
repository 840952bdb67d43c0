"""``reelbot music`` and ``reelbot cancel``, and the wait on a worker task they share with
``reelbot finish --music``.

Why through the queue and not in-process like ``reelbot generate``: a music model wants the
GPU worker, as a clip does, and the application's path (:func:`reelbot.app.music.submit_music`)
is the one that moderates the description and checks the quotas — the command line gets the
rules the chats get. The command waits for a worker (``reelbot worker``) with one line per
change (queued with its place, running, its steps, done); a task that no worker finished in
``--timeout`` seconds is cancelled, so nothing renders for a command that has given up.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from reelbot.app.music import DEFAULT_MUSIC_SECONDS, MAX_MUSIC_SECONDS
from reelbot.cli.ids import typed_id_or_exit
from reelbot.domain.errors import ReelbotError
from reelbot.domain.types import JobState, short_id

#: How often the wait reads the task row (a music task takes seconds to minutes).
POLL_S = 0.5
TimeoutOpt = Annotated[
    float, typer.Option(min=1, help="seconds to wait for a worker; then the task is cancelled")
]
Say = Callable[[str], None]


def _text(key: str, locale: str, **fields: Any) -> str:
    from reelbot.domain.messages import render

    return render(key, locale, **fields)


@dataclass
class _Watch:
    """What the last line said, so each change is said once."""

    state: JobState | None = None
    step: tuple[int, int] | None = None


async def _say_change(service: Any, view: Any, watch: _Watch, say: Say, locale: str) -> None:
    kind, task = _text(f"cli.work.{view.kind}", locale), short_id(view.id)
    if view.state is JobState.QUEUED and watch.state is None:
        position = await service.queue.position(view.id)
        say(_text("cli.task_queued", locale, kind=kind, task=view.id, position=position or 1))
    elif view.state is JobState.RUNNING and watch.state is not JobState.RUNNING:
        say(_text("cli.task_running", locale, kind=kind, task=task))
    step = (view.step or 0, view.total_steps) if view.total_steps else None
    if view.state is JobState.RUNNING and step is not None and 0 < step[0] < step[1] and step != watch.step:
        say(_text("cli.task_step", locale, kind=kind, task=task, step=step[0], total=step[1]))
        watch.step = step
    watch.state = view.state


def _fields(detail: str | None) -> dict[str, Any]:
    """A failed task's message fields (the worker stores them as a JSON object)."""
    try:
        fields = json.loads(detail) if detail else {}
    except json.JSONDecodeError:
        return {}
    return fields if isinstance(fields, dict) else {}


async def wait_task(
    service: Any, task_id: uuid.UUID, origin: Any, say: Say, *, timeout_s: float, locale: str
) -> Any:
    """The task's view once it is done; its own error (the worker's message) if it failed; a
    cancel and ``cli.task_timeout`` if no worker finished it within ``timeout_s``."""
    from reelbot.app.tasks import cancel_task, task_view

    watch, started = _Watch(), time.monotonic()
    while True:
        view = await task_view(service, task_id)
        await _say_change(service, view, watch, say, locale)
        kind = _text(f"cli.work.{view.kind}", locale)
        if view.state is JobState.DONE:
            seconds = round(time.monotonic() - started, 1)
            say(_text("cli.task_done", locale, kind=kind, task=short_id(task_id), seconds=seconds))
            return view
        if view.state is JobState.FAILED:
            raise ReelbotError(view.error_key or "error.internal", **_fields(view.error_detail))
        if view.state is JobState.CANCELLED:
            raise ReelbotError("cli.task_cancelled", kind=kind, task=short_id(task_id))
        if time.monotonic() - started > timeout_s:
            await cancel_task(service, task_id, by=origin)
            waited = round(timeout_s)
            raise ReelbotError("cli.task_timeout", kind=kind, task=short_id(task_id), seconds=waited)
        await asyncio.sleep(POLL_S)


async def render_music(
    service: Any,
    description: str,
    dest: Path,
    *,
    seconds: float,
    lyrics: str,
    timeout_s: float,
    say: Say,
) -> Path:
    """Submit a ``music`` task as the CLI user, wait for it, copy its WAV to ``dest``."""
    from reelbot.app.music import submit_music
    from reelbot.cli import cli_origin
    from reelbot.cli.lang import cli_locale
    from reelbot.domain.tasks import music_key

    origin, locale = cli_origin(), cli_locale()
    key = f"cli:music:{uuid.uuid4()}"
    ticket = await submit_music(
        service, origin, description, seconds=seconds, lyrics=lyrics, idempotency_key=key
    )
    view = await wait_task(service, ticket.task_id, origin, say, timeout_s=timeout_s, locale=locale)
    dest.parent.mkdir(parents=True, exist_ok=True)
    data = await asyncio.to_thread(service.media.read_bytes, music_key(ticket.task_id))
    await asyncio.to_thread(dest.write_bytes, data)
    result = view.result or {}
    track_s, engine = result.get("seconds", seconds), result.get("engine", "?")
    say(_text("cli.music_saved", locale, seconds=track_s, engine=engine))
    return dest


def say_line(line: str) -> None:
    """A progress line on stderr (stdout keeps only what scripts read: paths and ids)."""
    from reelbot.cli import console

    console.print(line, highlight=False, markup=False)


def music(
    description: Annotated[str, typer.Argument(help="what the track sounds like")],
    out: Annotated[Path, typer.Option("--out", "-o", help="the track (WAV, 48 kHz stereo)")],
    seconds: Annotated[
        float, typer.Option(min=1, max=MAX_MUSIC_SECONDS, help="track length")
    ] = DEFAULT_MUSIC_SECONDS,
    lyrics: Annotated[str, typer.Option(help="words to sing (default: instrumental)")] = "",
    timeout: TimeoutOpt = 900.0,
) -> None:
    """Render a soundtrack on a worker (a `music` task: moderated, charged) and save it as WAV."""
    from reelbot.cli import _with_service, run_async, settings_or_exit

    settings = settings_or_exit()

    async def body(service: Any) -> Path:
        return await render_music(
            service, description, out, seconds=seconds, lyrics=lyrics, timeout_s=timeout, say=say_line
        )

    typer.echo(str(run_async(lambda: _with_service(settings, body))))


WorkIdArg = Annotated[str, typer.Argument(help="a job or task id (enqueue, music, finish print it)")]


def cancel(work_id: WorkIdArg) -> None:
    """Cancel a job or a task of yours that has not finished (whichever the id names)."""
    from reelbot.app.tasks import cancel_work
    from reelbot.cli import _with_service, cli_origin, run_async, settings_or_exit
    from reelbot.cli.lang import cli_locale

    locale = cli_locale()
    target = typed_id_or_exit(work_id, "cli.work_id_invalid", locale)
    settings = settings_or_exit()

    async def body(service: Any) -> JobState:
        kind, state = await cancel_work(service, target, by=cli_origin())
        key = "cli.cancel_running" if state is JobState.RUNNING else "cli.cancelled"
        say_line(_text(key, locale, kind=_text(f"cli.work.{kind}", locale), id=short_id(target)))
        return state

    typer.echo(run_async(lambda: _with_service(settings, body)).value)


def register(app: typer.Typer) -> None:
    app.command()(music)
    app.command()(cancel)
