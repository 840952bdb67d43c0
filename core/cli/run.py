"""Commands that run processes: ``worker``, ``media``, ``demo``, ``serve`` (all-in-one)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any

import typer

from reelbot.cli import (
    HealthPortOpt,
    _with_service,
    cli_origin,
    console,
    fail,
    run_async,
    settings_or_exit,
    setup_logging,
    where,
)
from reelbot.cli.lang import cli_locale
from reelbot.cli.wiring import worker_for
from reelbot.domain.errors import ReelbotError
from reelbot.domain.events import failure_reason
from reelbot.domain.messages import render
from reelbot.domain.types import (
    GenerationRequest,
)


def refuse_unfitting_preset(settings: Any) -> None:
    """Exit with one line before a worker starts whose preset does not fit the card."""
    from reelbot.generator.card import check_worker_preset

    try:
        check_worker_preset(settings)
    except ReelbotError as exc:
        raise fail(exc) from None


def worker(
    burst: Annotated[bool, typer.Option(help="exit when the queue is empty")] = False,
    name: Annotated[str | None, typer.Option(help="consumer name (default: host-pid-random)")] = None,
    health_port: HealthPortOpt = 9102,
    health_host: Annotated[str, typer.Option(help="listen address of the health endpoints")] = "0.0.0.0",  # noqa: S104
) -> None:
    """Serve the queue: claim jobs, render them, store clips. SIGTERM finishes the current job."""
    settings = settings_or_exit()
    refuse_unfitting_preset(settings)
    setup_logging(settings)

    async def body(service: Any) -> None:
        from reelbot.ops.health import serve_health
        from reelbot.ops.metrics import refresh_queue_metrics

        w = worker_for(service, name=name, burst=burst)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, w.stop)
        ready = {"worker": w.readiness}  # not ready while it waits out a Redis/database/disk fault
        health = (
            await serve_health(
                settings, host=health_host, port=health_port, required=False, extra_checks=ready
            )
            if health_port
            else None
        )

        async def gauges() -> None:  # queue depth/lag for /metrics, every 15 s
            while True:
                with contextlib.suppress(Exception):
                    await refresh_queue_metrics(service.redis, settings.redis_prefix)
                await asyncio.sleep(15)

        refresher = asyncio.create_task(gauges())
        try:
            await w.run()
        finally:
            refresher.cancel()
            if health is not None:
                await health.cleanup()

    # A fleet's workers check the schema, `reelbot migrate` moves it (REELBOT_MIGRATE_ON_START).
    run_async(lambda: _with_service(settings, body, migrate=settings.migrate_on_start))


def media(
    port: Annotated[int, typer.Option(help="listen port")] = 8080,
    host: Annotated[str, typer.Option(help="listen address")] = "0.0.0.0",  # noqa: S104 - behind the proxy
) -> None:
    """Serve signed clip/thumbnail URLs (ranges), the share page /c/ID, and health routes."""
    settings = settings_or_exit()
    setup_logging(settings)

    async def body() -> None:
        from reelbot.bots.line.app import run_media
        from reelbot.ops.lifecycle import install_shutdown_handlers

        stop = asyncio.Event()
        install_shutdown_handlers(stop)
        await run_media(settings, stop, host=host, port=port)

    run_async(body)


def demo(
    prompt: Annotated[str, typer.Argument()] = "a red paper boat drifting on a calm lake at sunset",
) -> None:
    """Render one tiny clip through the real path: service → Redis → worker → database → mp4."""
    settings = settings_or_exit()

    async def body(service: Any) -> None:

        started = time.monotonic()
        locale = cli_locale()
        request = GenerationRequest(prompt=prompt, seed=42, origin=cli_origin())
        ticket = await service.submit(request, idempotency_key=f"demo:{uuid.uuid4()}")
        at = where(settings.redis_url)  # host:port, never the URL's password
        queued = render("cli.demo.queued", locale, job=ticket.job_id, position=ticket.position, where=at)
        console.print(queued, highlight=False)
        with console.status(render("cli.demo.rendering", locale)):
            await worker_for(service, name="demo", burst=True).run()
        view = await service.job(ticket.job_id)
        if view.clip_id is None:
            reason = failure_reason(view.error_key, view.error_detail, str(view.id)[:8], locale)
            raise fail(ReelbotError("cli.demo.failed", reason=reason))
        clip = await service.clip(view.clip_id)
        path = service.media.path(clip.video_key)
        done = render(
            "cli.demo.done", locale, seconds=f"{time.monotonic() - started:.1f}", width=clip.width,
            height=clip.height, frames=clip.num_frames, fps=clip.fps, kib=f"{clip.size_bytes / 1024:.0f}",
            preset=clip.request.preset, seed=clip.request.seed,
        )  # fmt: skip
        console.print(f"[green]{done}[/green]", highlight=False)
        from reelbot.cli.demo_summary import summary_lines  # what it is, where to look, what next

        thumbnail = service.media.path(clip.thumbnail_key)
        for line in summary_lines(settings, clip, Path(path), Path(thumbnail), prompt):
            console.print(line, highlight=False, markup=False)
        typer.echo(str(path))

    run_async(lambda: _with_service(settings, body))


def serve(
    host: Annotated[str, typer.Option(help="listen address of the media and health servers")] = "0.0.0.0",  # noqa: S104
    media_port: Annotated[
        int, typer.Option(help="port of the media routes (the LINE webhook server's when LINE is on)")
    ] = 8080,
    health_port: HealthPortOpt = 9102,
) -> None:
    """All-in-one for one machine: a worker, the media server, and each bot whose secrets are set."""
    from reelbot.cli.platforms import configured_platforms

    settings = settings_or_exit()
    refuse_unfitting_preset(settings)
    setup_logging(settings)
    platforms = configured_platforms(settings)
    try:
        for platform in platforms:
            platform.check(settings)  # one line naming what is missing, before anything starts
    except ReelbotError as exc:
        raise fail(exc) from None

    async def body(service: Any) -> None:
        from reelbot.app.platforms import RunOptions
        from reelbot.ops.health import serve_health
        from reelbot.ops.lifecycle import install_shutdown_handlers

        stop = asyncio.Event()
        install_shutdown_handlers(stop)
        worker = worker_for(service)
        parts: dict[str, Coroutine[Any, Any, Any]] = {"worker": worker.run()}
        media = RunOptions(host=host, port=media_port)
        for platform in platforms:  # a platform that serves the media routes takes the media port
            options = media if platform.serves_media else RunOptions(host=host)
            parts[platform.name] = platform.run(settings, stop, options)
        if not any(platform.serves_media for platform in platforms):
            from reelbot.bots.line.app import run_media

            parts["media"] = run_media(settings, stop, host=host, port=media_port)
        console.print(render("cli.serve.serving", cli_locale(), parts=", ".join(parts)), highlight=False)
        ready = {"worker": worker.readiness}  # not ready while it waits out a Redis/database/disk fault
        health = (
            await serve_health(settings, host=host, port=health_port, required=False, extra_checks=ready)
            if health_port
            else None
        )
        try:
            await run_parts(parts, stop, worker.stop)
        finally:
            if health is not None:
                await health.cleanup()

    run_async(lambda: _with_service(settings, body))


async def run_parts(
    parts: dict[str, Coroutine[Any, Any, Any]], stop: asyncio.Event, on_stop: Callable[[], None]
) -> None:
    """Run every part until one ends or ``stop`` is set, then stop them all.

    A part that fails is one line naming it (a ReelbotError keeps its own text); its traceback
    goes to the log at DEBUG, never to the terminal.
    """
    tasks = {asyncio.create_task(coro, name=name): name for name, coro in parts.items()}
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({*tasks, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stop.set()  # one part ending (or a signal) ends them all
        on_stop()
        results = await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        stopped.cancel()
        for task in tasks:
            task.cancel()
    for name, result in zip(tasks.values(), results, strict=True):
        if isinstance(result, ReelbotError):
            raise result
        if isinstance(result, Exception):
            logging.getLogger(__name__).debug("%s failed", name, exc_info=result)
            error = f"{type(result).__name__}: {result}"[:300]
            raise ReelbotError("service.part_failed", part=name, error=error)


def register(app: typer.Typer) -> None:
    app.command()(worker)
    app.command()(media)
    app.command()(demo)
    app.command()(serve)
