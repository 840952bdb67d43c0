"""The ``reelbot`` command line.

Every command turns a :class:`ReelbotError` into one readable line on stderr and a non-zero
exit code; tracebacks are for bugs only. Commands that need Redis/the database open a
:class:`ReelbotService`; ``generate`` needs neither.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from reelbot.cli.wiring import wire, worker_for
from reelbot.domain.errors import ReelbotError
from reelbot.domain.settings import Settings, load_settings
from reelbot.domain.types import (
    MAX_SEED,
    Aspect,
    GenerationRequest,
    Origin,
    Platform,
    ReferenceRole,
    SpeedMode,
)
from reelbot.domain.validation import parse_role

app = typer.Typer(
    name="reelbot",
    help="Short AI videos from inside your chat. Run `reelbot demo` to render a first clip.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True, soft_wrap=True)  # one message, one line (copy-pasteable paths)
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


def fail(exc: ReelbotError, locale: str | None = None) -> typer.Exit:
    from reelbot.cli.lang import cli_locale

    console.print(f"[red]error:[/red] {exc.render(locale or cli_locale())}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2 if exc.key.startswith("config.") else 1)


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
        raise typer.BadParameter("each --role needs an --image before it")
    result = []
    for index, path in enumerate(images):
        role = parse_role(roles[index]) if index < len(roles) else ReferenceRole.FIRST_FRAME
        if not path.is_file():
            raise typer.BadParameter(f"no such file: {path}")
        result.append((role, path.read_bytes()))
    return result


def cli_origin() -> Origin:
    import getpass

    from reelbot.cli.lang import cli_locale  # --lang, else LC_ALL / LC_MESSAGES / LANG

    return Origin(platform=Platform.CLI, user_id=getpass.getuser() or "cli", locale=cli_locale())


@app.callback()
def _global_options(
    lang: Annotated[str | None, typer.Option(help="en or zh-TW (default: LANG / LC_ALL)")] = None,
) -> None:
    """Short AI videos from inside your chat. Run `reelbot demo` to render a first clip."""
    from reelbot.cli.lang import set_lang

    set_lang(lang)


@app.command()
def generate(
    prompt: Annotated[str, typer.Argument(help="what the clip shows (any language)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="where to write the mp4")] = Path("clip.mp4"),
    image: ImageOpt = None,
    role: RoleOpt = None,
    aspect: AspectOpt = Aspect.PORTRAIT,
    seconds: SecondsOpt = None,
    fps: Annotated[int | None, typer.Option(help="frames per second")] = None,
    seed: SeedOpt = None,
    preset: PresetOpt = None,
    steps: Annotated[int | None, typer.Option(min=1, max=200, help="denoising steps")] = None,
    negative: Annotated[str, typer.Option(help="what to avoid")] = "",
    speed: Annotated[
        SpeedMode | None, typer.Option(help="quality / balanced / draft (default: REELBOT_ENGINE__SPEED)")
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="print the clip and its render report as JSON")
    ] = False,
) -> None:
    """Render one clip locally (no Redis, no database) with a progress bar."""
    settings = settings_or_exit()
    try:
        _generate(
            settings,
            prompt,
            out,
            read_images(image, role),
            aspect,
            seconds,
            fps,
            seed,
            preset,
            steps,
            negative,
            speed=speed,
            json_out=json_out,
        )
    except ReelbotError as exc:
        raise fail(exc) from None


def _generate(
    settings: Settings,
    prompt: str,
    out: Path,
    images: list[tuple[ReferenceRole, bytes]],
    aspect: Aspect,
    seconds: float | None,
    fps: int | None,
    seed: int | None,
    preset: str | None,
    steps: int | None,
    negative: str,
    *,
    speed: SpeedMode | None = None,
    json_out: bool = False,
) -> None:
    import json
    import secrets

    from reelbot.cli.lang import cli_locale
    from reelbot.cli.safety import sign_local_clip, signing_hint
    from reelbot.domain.images import inspect_image, open_image
    from reelbot.domain.presets import route_preset
    from reelbot.domain.validation import check_reference_roles, check_request
    from reelbot.generator.cache import EngineCache, detect_device
    from reelbot.generator.encode import encode_mp4, write_thumbnail
    from reelbot.generator.provenance import apply_watermark
    from reelbot.generator.runner import plan_for, render_request

    request = GenerationRequest(
        prompt=prompt,
        negative_prompt=negative,
        aspect=aspect,
        seconds=seconds,
        fps=fps,
        seed=seed if seed is not None else secrets.randbelow(MAX_SEED + 1),
        preset=preset,
        steps=steps,
        speed=speed,
        origin=cli_origin(),
    )
    request = check_request(request, settings.limits)
    check_reference_roles([r for r, _ in images], settings.limits)
    for _, data in images:
        inspect_image(data, settings.limits)
    chosen = route_preset(request.preset, {r for r, _ in images}, settings)
    request = request.model_copy(update={"preset": chosen.name})
    plan_for(request, settings)  # a bad size or a mode the preset lacks: refused before any loading
    references = {r: open_image(data) for r, data in reversed(images)}

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task(f"loading {chosen.name}", total=None)
        started = time.monotonic()
        cache = EngineCache(detect_device(settings))
        cache.get(chosen)

        def on_step(step: int, total: int) -> bool:
            progress.update(task, description="denoising", completed=step, total=total)
            return True

        rendered = render_request(request, references, settings=settings, cache=cache, on_step=on_step)
        progress.update(task, description="encoding")
        out.parent.mkdir(parents=True, exist_ok=True)
        frames = apply_watermark(rendered.frames, settings.provenance)  # as the worker: only if configured
        encoded = encode_mp4(frames, rendered.plan.fps, out, settings.encode, title=request.prompt[:200])
        signed = sign_local_clip(out, settings, preset=chosen.name, seed=request.seed)  # the worker's C2PA
        thumb = out.with_suffix(".jpg")
        write_thumbnail(rendered.frames[0], thumb, settings.encode.thumbnail_width)
    elapsed = time.monotonic() - started
    plan = rendered.plan
    console.print(
        f"[green]done[/green] {out} ({plan.width}×{plan.height}, "
        f"{rendered.frames.shape[0]} frames @ {plan.fps} fps, "
        f"{encoded.size_bytes / 1024:.0f} KiB, seed {request.seed}, preset {chosen.name}) "
        f"thumbnail {thumb} in {elapsed:.1f}s",
        highlight=False,
    )
    console.print(signing_hint(signed, cli_locale()), highlight=False, markup=False)
    if json_out:
        report = rendered.report.to_dict() if rendered.report is not None else None
        clip = {"path": str(out), "width": plan.width, "height": plan.height}
        clip |= {"frames": int(rendered.frames.shape[0]), "fps": plan.fps, "seed": request.seed}
        clip |= {"preset": chosen.name, "speed": plan.speed.value}
        typer.echo(json.dumps({"clip": clip, "report": report}, ensure_ascii=False))
    typer.echo(str(out))


async def _with_service(settings: Settings, body: Callable[[Any], Awaitable[T]]) -> T:
    from reelbot.app.service import ReelbotService

    service = await ReelbotService.open(settings)
    try:
        return await body(service)
    finally:
        await service.close()


@app.command()
def enqueue(
    prompt: Annotated[str, typer.Argument(help="what the clip shows")],
    image: ImageOpt = None,
    role: RoleOpt = None,
    aspect: AspectOpt = Aspect.PORTRAIT,
    seconds: SecondsOpt = None,
    seed: SeedOpt = None,
    preset: PresetOpt = None,
    key: Annotated[str | None, typer.Option(help="idempotency key (default: random)")] = None,
) -> None:
    """Queue a job through Redis for a worker; prints the job id and its position."""
    settings = settings_or_exit()
    images = read_images(image, role)
    request = GenerationRequest(
        prompt=prompt, aspect=aspect, seconds=seconds, seed=seed, preset=preset, origin=cli_origin()
    )

    async def body(service: Any) -> None:
        ticket = await service.submit(request, images, idempotency_key=key or f"cli:{uuid.uuid4()}")
        note = " (already queued with this key)" if ticket.duplicate else ""
        console.print(
            f"job {ticket.job_id} {ticket.state.value}, position {ticket.position}{note}", highlight=False
        )
        typer.echo(str(ticket.job_id))

    run_async(lambda: _with_service(settings, body))


@app.command()
def status(job_id: Annotated[uuid.UUID, typer.Argument(help="job id from `reelbot enqueue`")]) -> None:
    """Show a job's state, progress and clip."""
    settings = settings_or_exit()

    async def body(service: Any) -> dict[str, Any]:
        view = await service.job(job_id)
        info: dict[str, Any] = {
            "job": str(view.id),
            "state": view.state.value,
            "position": view.position,
            "progress": f"{view.step}/{view.total_steps}" if view.total_steps else None,
            "prompt": view.request.prompt,
            "preset": view.request.preset,
            "seed": view.request.seed,
        }
        if view.clip_id:
            clip = await service.clip(view.clip_id)
            info["clip"] = str(clip.id)
            info["video"] = str(service.media.path(clip.video_key)) if clip.video_key else None
            info["lineage"] = [f"{cid}{f' ({kind.value})' if kind else ''}" for cid, kind in clip.lineage]
        if view.error_key:
            from reelbot.domain.messages import render

            fields = json.loads(view.error_detail) if view.error_detail else {}
            info["error"] = render(view.error_key, "en", **fields)
        return info

    info = run_async(lambda: _with_service(settings, body))
    typer.echo(json.dumps({k: v for k, v in info.items() if v is not None}, ensure_ascii=False, indent=2))


@app.command()
def worker(
    burst: Annotated[bool, typer.Option(help="exit when the queue is empty")] = False,
    name: Annotated[str | None, typer.Option(help="consumer name (default: host-pid-random)")] = None,
    health_port: HealthPortOpt = 9102,
    health_host: Annotated[str, typer.Option(help="listen address of the health endpoints")] = "0.0.0.0",  # noqa: S104
) -> None:
    """Serve the queue: claim jobs, render them, store clips. SIGTERM finishes the current job."""
    settings = settings_or_exit()
    setup_logging(settings)

    async def body(service: Any) -> None:
        from reelbot.ops.health import serve_health
        from reelbot.ops.metrics import refresh_queue_metrics

        w = worker_for(service, name=name, burst=burst)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, w.stop)
        health = (
            await serve_health(settings, host=health_host, port=health_port, required=False)
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

    run_async(lambda: _with_service(settings, body))


@app.command()
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


@app.command()
def demo(
    prompt: Annotated[str, typer.Argument()] = "a red paper boat drifting on a calm lake at sunset",
) -> None:
    """Render one tiny clip through the real path: service → Redis → worker → database → mp4."""
    settings = settings_or_exit()

    async def body(service: Any) -> None:

        started = time.monotonic()
        request = GenerationRequest(prompt=prompt, seed=42, origin=cli_origin())
        ticket = await service.submit(request, idempotency_key=f"demo:{uuid.uuid4()}")
        console.print(f"queued job {ticket.job_id} (position {ticket.position}) on {settings.redis_url}")
        with console.status("worker rendering…"):
            await worker_for(service, name="demo", burst=True).run()
        view = await service.job(ticket.job_id)
        if view.clip_id is None:
            console.print(f"[red]job ended {view.state.value}: {view.error_key} {view.error_detail}[/red]")
            raise typer.Exit(1)
        clip = await service.clip(view.clip_id)
        path = service.media.path(clip.video_key)
        console.print(
            f"[green]done in {time.monotonic() - started:.1f}s[/green]: {clip.width}×{clip.height}, "
            f"{clip.num_frames} frames @ {clip.fps} fps, {clip.size_bytes / 1024:.0f} KiB, "
            f"preset {clip.request.preset}, seed {clip.request.seed}",
            highlight=False,
        )
        console.print(f"thumbnail: {service.media.path(clip.thumbnail_key)}", highlight=False)
        from reelbot.cli.demo_summary import summary_lines  # what it is, where to look, what next

        thumbnail = service.media.path(clip.thumbnail_key)
        for line in summary_lines(settings, clip, Path(path), Path(thumbnail), prompt):
            console.print(line, highlight=False, markup=False)
        typer.echo(str(path))

    run_async(lambda: _with_service(settings, body))


@app.command()
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
        console.print(f"serving: {', '.join(parts)} (Ctrl-C to stop)")
        health = (
            await serve_health(settings, host=host, port=health_port, required=False) if health_port else None
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


StoryboardFile = Annotated[Path, typer.Argument(help="storyboard .yaml/.toml/.json (docs/control.md)")]
StoryboardOut = Annotated[Path, typer.Option("--out", "-o", help="folder for shots, draft and contact sheet")]
RerollOpt = Annotated[list[int] | None, typer.Option("--reroll", help="shot number to re-roll (repeatable)")]


@app.command()
def storyboard(
    file: StoryboardFile, out: StoryboardOut = Path("storyboard-out"), reroll: RerollOpt = None
) -> None:
    """Render a storyboard into shot clips, one stitched draft and a contact sheet (locally)."""
    from reelbot.generator.control_draft import render_storyboard

    settings = settings_or_exit()
    try:
        result = render_storyboard(
            file,
            out,
            settings=settings,
            reroll=set(reroll or ()),
            on_shot=lambda n, count, what: console.print(f"shot {n}/{count}: {what}", highlight=False),
        )
        signed = sign_storyboard(result, settings)
    except ReelbotError as exc:
        raise fail(exc) from None
    console.print(
        f"[green]done[/green] {len(result.shots)} shots, draft {result.draft} "
        f"({result.width}×{result.height}, {result.seconds:.1f} s @ {result.fps} fps, "
        f"preset {result.preset}), "
        f"contact sheet {result.contact_sheet}",
        highlight=False,
    )
    from reelbot.cli.lang import cli_locale
    from reelbot.cli.safety import signing_hint

    console.print(signing_hint(signed, cli_locale()), highlight=False, markup=False)
    typer.echo(str(result.draft))


def sign_storyboard(result: Any, settings: Settings) -> bool:
    """Every file a storyboard wrote (shots, draft, upscaled draft) gets the worker's credentials."""
    from reelbot.cli.safety import sign_local_clip

    paths = [shot.path for shot in result.shots] + [result.draft, result.upscaled]
    signed = [sign_local_clip(Path(p), settings, preset=result.preset) for p in paths if p is not None]
    return bool(signed) and all(signed)


from reelbot.cli.media import register as _register_media_commands  # noqa: E402
from reelbot.cli.models import register as _register_models_commands  # noqa: E402
from reelbot.cli.operator import register as _register_doctor_commands  # noqa: E402
from reelbot.cli.platforms import register as _register_platform_commands  # noqa: E402
from reelbot.cli.safety import register as _register_safety_commands  # noqa: E402

_register_safety_commands(app)  # reelbot verify CLIP, reelbot audit CLIP_ID
from reelbot.cli.finish import register as _register_finish_commands  # noqa: E402

_register_finish_commands(app)  # reelbot finish CLIP
_register_media_commands(app)  # reelbot media-store migrate --to s3
_register_models_commands(app)  # reelbot models pull PRESET…
_register_platform_commands(app)  # reelbot discord, reelbot line, … (one per registered platform)
_register_doctor_commands(app)  # reelbot doctor; reelbot discord invite-url (after the platforms)


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


def main() -> None:
    wire()
    app()


if __name__ == "__main__":
    main()
