"""Commands that render on this machine, without Redis or a database: ``generate``, ``storyboard``."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from reelbot.cli import (
    AspectOpt,
    ImageOpt,
    PresetOpt,
    RoleOpt,
    SecondsOpt,
    SeedOpt,
    cli_origin,
    console,
    fail,
    read_images,
    settings_or_exit,
)
from reelbot.domain.errors import ReelbotError
from reelbot.domain.settings import Settings
from reelbot.domain.types import (
    Aspect,
    GenerationRequest,
    ReferenceRole,
    SpeedMode,
    random_seed,
)

if TYPE_CHECKING:
    from reelbot.cli.finish import AfterRender
    from reelbot.domain.presets import PresetSpec
    from reelbot.generator.runner import Rendered


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
    audio: Annotated[
        Path | None, typer.Option(help="your own track (mp3, m4a, wav, ogg): finish the clip with it")
    ] = None,
    audio_mode: Annotated[str | None, typer.Option(help="mix | replace the clip's own sound")] = None,
    caption: Annotated[str | None, typer.Option(help="one caption over the clip (finishes it)")] = None,
    finish: Annotated[
        bool, typer.Option("--finish", help="also finish it for Shorts: <out>-short.mp4 (1080×1920)")
    ] = False,
) -> None:
    """Render one clip locally (no Redis, no database) with a progress bar; with --audio,
    --caption or --finish, then finish it for Shorts as ``reelbot finish`` does."""
    from reelbot.cli.finish import check_after_render

    settings = settings_or_exit()
    try:
        after = check_after_render(settings, audio=audio, mode=audio_mode, caption=caption, finish=finish)
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
            after=after,
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
    after: AfterRender | None = None,
) -> None:
    """Check → render → report (→ finish): every refusal comes before any model is loaded."""
    request = GenerationRequest(
        prompt=prompt,
        negative_prompt=negative,
        aspect=aspect,
        seconds=seconds,
        fps=fps,
        seed=seed if seed is not None else random_seed(),
        preset=preset,
        steps=steps,
        speed=speed,
        origin=cli_origin(),
    )
    request, chosen = _check_local_request(settings, request, images)
    clip = _render_locally(settings, request, chosen, images, out)
    _report_local_clip(clip, request, out, json_out=json_out)
    if after is not None:
        from reelbot.cli.finish import finish_rendered
        from reelbot.cli.lang import cli_locale

        finish_rendered(out, after, settings, cli_locale())


@dataclass(frozen=True)
class _LocalClip:
    """What one local render wrote, for the report."""

    rendered: Rendered  # frames, plan, audio, the render report
    size_bytes: int
    signed: bool
    thumbnail: Path
    elapsed_s: float


def _check_local_request(
    settings: Settings, request: GenerationRequest, images: list[tuple[ReferenceRole, bytes]]
) -> tuple[GenerationRequest, PresetSpec]:
    """The service's checks without a service: text and sizes, roles, each image, the preset
    and its plan (a bad size or a mode the preset lacks is refused before any loading)."""
    from reelbot.domain.images import inspect_image
    from reelbot.domain.presets import route_request
    from reelbot.domain.validation import check_reference_roles, check_request
    from reelbot.generator.runner import plan_for

    request = check_request(request, settings.limits)
    check_reference_roles([r for r, _ in images], settings.limits)
    for _, data in images:
        inspect_image(data, settings.limits)
    chosen = route_request(request, settings, [r for r, _ in images])
    request = request.model_copy(update={"preset": chosen.name})
    plan_for(request, settings)
    return request, chosen


def _render_locally(
    settings: Settings,
    request: GenerationRequest,
    chosen: PresetSpec,
    images: list[tuple[ReferenceRole, bytes]],
    out: Path,
) -> _LocalClip:
    """Load, denoise, watermark, encode, sign and thumbnail as the worker does, with a
    progress bar (the step callback only reports: a local render is never interrupted)."""
    from reelbot.cli.lang import cli_locale
    from reelbot.cli.safety import sign_local_clip
    from reelbot.domain.images import open_image
    from reelbot.domain.messages import render
    from reelbot.generator.cache import EngineCache, detect_device
    from reelbot.generator.encode import encode_mp4, write_thumbnail
    from reelbot.generator.provenance import apply_watermark
    from reelbot.generator.runner import render_request

    references = {r: open_image(data) for r, data in reversed(images)}
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        locale = cli_locale()
        task = progress.add_task(render("cli.generate.loading", locale, preset=chosen.name), total=None)
        started = time.monotonic()
        cache = EngineCache(detect_device(settings))
        cache.get(chosen)

        def on_step(step: int, total: int) -> bool:
            progress.update(
                task, description=render("cli.generate.denoising", locale), completed=step, total=total
            )
            return True

        rendered = render_request(request, references, settings=settings, cache=cache, on_step=on_step)
        progress.update(task, description=render("cli.generate.encoding", locale))
        out.parent.mkdir(parents=True, exist_ok=True)
        frames = apply_watermark(rendered.frames, settings.provenance)  # as the worker: only if configured
        encoded = encode_mp4(
            frames, rendered.plan.fps, out, settings.encode, title=request.prompt[:200], audio=rendered.audio
        )  # the model's own sound (LTX-2) as AAC 48 kHz stereo; None for silent presets
        signed = sign_local_clip(out, settings, preset=chosen.name, seed=request.seed)  # the worker's C2PA
        thumb = out.with_suffix(".jpg")
        write_thumbnail(rendered.frames[0], thumb, settings.encode.thumbnail_width)
    elapsed = time.monotonic() - started
    return _LocalClip(rendered, encoded.size_bytes, signed, thumb, elapsed)


def _report_local_clip(clip: _LocalClip, request: GenerationRequest, out: Path, *, json_out: bool) -> None:
    """One line for people and the signing hint (stderr); on stdout the path (scripts read the
    last line), or with ``--json`` one JSON document instead, the path inside it, so stdout
    parses whole (``| jq .report.passes``)."""
    from reelbot.cli.lang import cli_locale
    from reelbot.cli.safety import signing_hint
    from reelbot.domain.messages import render

    rendered, plan, locale = clip.rendered, clip.rendered.plan, cli_locale()
    done = render(
        "cli.generate.done", locale, path=out, width=plan.width, height=plan.height,
        frames=rendered.frames.shape[0], fps=plan.fps, kib=f"{clip.size_bytes / 1024:.0f}", seed=request.seed,
        preset=request.preset, thumbnail=clip.thumbnail, seconds=f"{clip.elapsed_s:.1f}",
    )  # fmt: skip
    console.print(done, style="green", highlight=False, markup=False)
    console.print(signing_hint(clip.signed, locale), highlight=False, markup=False)
    if json_out:
        report = rendered.report.to_dict() if rendered.report is not None else None
        summary = {"path": str(out), "width": plan.width, "height": plan.height}
        summary |= {"frames": int(rendered.frames.shape[0]), "fps": plan.fps, "seed": request.seed}
        summary |= {"preset": request.preset, "speed": plan.speed.value}
        typer.echo(json.dumps({"clip": summary, "report": report}, ensure_ascii=False))
    else:
        typer.echo(str(out))


StoryboardFile = Annotated[Path, typer.Argument(help="storyboard .yaml/.toml/.json (docs/control.md)")]


StoryboardOut = Annotated[Path, typer.Option("--out", "-o", help="folder for shots, draft and contact sheet")]


RerollOpt = Annotated[list[int] | None, typer.Option("--reroll", help="shot number to re-roll (repeatable)")]


def storyboard(
    file: StoryboardFile, out: StoryboardOut = Path("storyboard-out"), reroll: RerollOpt = None
) -> None:
    """Render a storyboard into shot clips, one stitched draft and a contact sheet (locally);
    with captions, a track or a finish section, also the finished Short and its .srt."""
    from reelbot.cli.lang import cli_locale
    from reelbot.cli.safety import signing_hint
    from reelbot.domain.messages import render
    from reelbot.generator.control_draft import render_storyboard

    settings = settings_or_exit()
    locale = cli_locale()

    def on_shot(number: int, count: int, what: str) -> None:  # what: "rendering" | "cached"
        console.print(
            render(f"cli.storyboard.shot_{what}", locale, shot=number, count=count), highlight=False
        )

    try:
        result = render_storyboard(file, out, settings=settings, reroll=set(reroll or ()), on_shot=on_shot)
        signed = sign_storyboard(result, settings)
    except ReelbotError as exc:
        raise fail(exc) from None
    done = render(
        "cli.storyboard.done", locale, shots=len(result.shots), draft=result.draft, width=result.width,
        height=result.height, seconds=f"{result.seconds:.1f}", fps=result.fps, preset=result.preset,
        sheet=result.contact_sheet,
    )  # fmt: skip
    console.print(done, style="green", highlight=False, markup=False)
    if result.short is not None:
        key = "storyboard.short_on_beat" if result.tempo_bpm else "storyboard.short_done"
        bpm = round(result.tempo_bpm or 0)
        console.print(render(key, locale, path=result.short, bpm=bpm), highlight=False, markup=False)
    console.print(signing_hint(signed, locale), highlight=False, markup=False)
    typer.echo(str(result.draft))
    for finished in (result.short, result.srt):  # the board asked for a finished Short
        if finished is not None:
            typer.echo(str(finished))


def sign_storyboard(result: Any, settings: Settings) -> bool:
    """Every file a storyboard wrote (shots, draft, upscaled draft) gets the worker's credentials."""
    from reelbot.cli.safety import sign_local_clip

    paths = [shot.path for shot in result.shots] + [result.draft, result.upscaled]
    signed = [sign_local_clip(Path(p), settings, preset=result.preset) for p in paths if p is not None]
    return bool(signed) and all(signed)


def register(app: typer.Typer) -> None:
    app.command()(generate)
    app.command()(storyboard)
