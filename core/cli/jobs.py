"""Commands on the queue: ``enqueue`` a job, ask its ``status``."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

import typer

from reelbot.cli import (
    AspectOpt,
    ImageOpt,
    PresetOpt,
    RoleOpt,
    SecondsOpt,
    SeedOpt,
    _with_service,
    cli_origin,
    console,
    read_images,
    run_async,
    settings_or_exit,
)
from reelbot.domain.types import (
    Aspect,
    GenerationRequest,
    SpeedMode,
)


def enqueue(
    prompt: Annotated[str, typer.Argument(help="what the clip shows")],
    image: ImageOpt = None,
    role: RoleOpt = None,
    aspect: AspectOpt = Aspect.PORTRAIT,
    seconds: SecondsOpt = None,
    seed: SeedOpt = None,
    preset: PresetOpt = None,
    key: Annotated[str | None, typer.Option(help="idempotency key (default: random)")] = None,
    speed: Annotated[
        SpeedMode | None, typer.Option(help="quality / balanced / draft (default: REELBOT_ENGINE__SPEED)")
    ] = None,
) -> None:
    """Queue a job through Redis for a worker; prints the job id and its position."""
    settings = settings_or_exit()
    images = read_images(image, role)
    request = GenerationRequest(
        prompt=prompt,
        aspect=aspect,
        seconds=seconds,
        seed=seed,
        preset=preset,
        speed=speed,
        origin=cli_origin(),
    )

    async def body(service: Any) -> None:
        from reelbot.cli.lang import cli_locale
        from reelbot.domain.messages import render

        ticket = await service.submit(request, images, idempotency_key=key or f"cli:{uuid.uuid4()}")
        locale = cli_locale()
        line = render(
            "cli.enqueue.duplicate" if ticket.duplicate else "cli.enqueue.ticket",
            locale,
            job=ticket.job_id,
            state=ticket.state.term,
            position=ticket.position,
        )
        console.print(line, highlight=False)
        typer.echo(str(ticket.job_id))

    run_async(lambda: _with_service(settings, body))


def status(job_id: Annotated[str, typer.Argument(help="job id from `reelbot enqueue`")]) -> None:
    """Show a job's state, progress, clip and render report (JSON)."""
    from reelbot.cli.ids import typed_id_or_exit
    from reelbot.cli.lang import cli_locale

    job = typed_id_or_exit(job_id, "cli.job_id_invalid", cli_locale())
    settings = settings_or_exit()

    async def body(service: Any) -> dict[str, Any]:
        view = await service.job(job)
        info: dict[str, Any] = {
            "job": str(view.id),
            "state": view.state.value,
            "position": view.position,
            "progress": f"{view.step}/{view.total_steps}" if view.total_steps else None,
            "prompt": view.request.prompt,
            "preset": view.request.preset,
            "seed": view.request.seed,
            # What the worker's render ran: mode, counted transformer passes, GPU-seconds …
            "render": view.report.to_dict() if view.report is not None else None,
        }
        wait = await service.waits.wait_for(view.id)  # a waiting job: lane, place, expected wait
        if wait is not None:
            info["lane"], info["lane_position"] = wait.lane, wait.lane_position
            info["workers"] = wait.workers
            info["eta_s"] = None if wait.eta_s is None else round(wait.eta_s, 1)
        if view.clip_id:
            clip = await service.clip(view.clip_id)
            info["clip"] = str(clip.id)
            info["video"] = str(service.media.path(clip.video_key)) if clip.video_key else None
            info["lineage"] = [f"{cid}{f' ({kind.value})' if kind else ''}" for cid, kind in clip.lineage]
        if view.error_key:
            from reelbot.domain.events import failure_reason

            info["error"] = failure_reason(view.error_key, view.error_detail, str(view.id)[:8], "en")
        return info

    info = run_async(lambda: _with_service(settings, body))
    typer.echo(json.dumps({k: v for k, v in info.items() if v is not None}, ensure_ascii=False, indent=2))


def register(app: typer.Typer) -> None:
    app.command()(enqueue)
    app.command()(status)
