"""``reelbot finish CLIP``: a clip or draft made ready to upload as a YouTube Short.

Registered on the main app in :mod:`reelbot.cli`. Runs the same function the worker's
finish job runs (:func:`reelbot.generator.finish.pipeline.finish_clip`), here in-process,
with a progress bar; needs no Redis or database. Bad input is one line in the chosen
language and leaves nothing behind.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from reelbot.domain.errors import InvalidRequest, ReelbotError

console = Console(stderr=True, soft_wrap=True)
_SIZE = re.compile(r"^(\d{2,5})[x×](\d{2,5})$")


def parse_size(value: str) -> tuple[int, int]:
    """``1080x1920`` → (1080, 1920); even sides only (yuv420p)."""
    match = _SIZE.match(value.strip().lower())
    if not match or int(match[1]) % 2 or int(match[2]) % 2:
        raise InvalidRequest("finish.size_invalid", value=value)
    return int(match[1]), int(match[2])


def finish(
    clip: Annotated[Path, typer.Argument(help="the clip or draft (mp4)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="the finished mp4 (an .srt goes beside it)")],
    audio: Annotated[Path | None, typer.Option(help="your own track: mp3, m4a, wav or ogg")] = None,
    captions: Annotated[Path | None, typer.Option(help="a SubRip (.srt) file")] = None,
    caption: Annotated[str | None, typer.Option(help="one caption over the whole clip")] = None,
    fps: Annotated[int | None, typer.Option(min=1, max=120, help="output frame rate (default 30)")] = None,
    size: Annotated[str | None, typer.Option(help="WIDTHxHEIGHT (default 1080x1920)")] = None,
    burn_captions: Annotated[
        bool, typer.Option("--burn-captions", help="draw captions into the video")
    ] = False,
    mode: Annotated[str | None, typer.Option(help="mix | replace the clip's own sound")] = None,
) -> None:
    """Upscale, interpolate, add a soundtrack and captions: an uploadable Short."""
    from reelbot.cli.lang import cli_locale  # reelbot --lang zh-TW finish …, else LANG
    from reelbot.domain.finish_config import check_caption
    from reelbot.domain.messages import render
    from reelbot.domain.settings import load_settings
    from reelbot.generator.finish.captions import Cue, parse_srt
    from reelbot.generator.finish.media import stream_facts
    from reelbot.generator.finish.pipeline import FinishRequest, finish_clip

    locale = cli_locale()
    try:
        settings = load_settings()
        if mode not in (None, "mix", "replace"):
            raise InvalidRequest("finish.mode_invalid", value=mode)
        cues: list[Cue] = []
        if captions is not None:
            cues = parse_srt(captions, settings.finish)
        elif caption:
            duration = stream_facts(clip).duration
            cues = [Cue(0.0, duration, check_caption(caption, settings.finish))]
        request = FinishRequest(
            clip=clip,
            out=out,
            audio=audio,
            cues=cues,
            burn_captions=burn_captions,
            fps=fps,
            size=parse_size(size) if size else None,
            audio_mode=mode,  # type: ignore[arg-type]
        )
        with Progress(TextColumn("{task.description:<12}"), BarColumn(), console=console) as bar:
            task = bar.add_task("check", total=1.0)

            def report(step: str, fraction: float) -> None:
                bar.update(task, description=step, completed=fraction)

            result = finish_clip(request, settings, report)
    except ReelbotError as exc:
        console.print(f"[red]error:[/red] {exc.render(locale)}", highlight=False)
        raise typer.Exit(code=2 if exc.key.startswith("config.") else 1) from None
    if result.over_cap:
        console.print(
            render(
                "finish.too_big_link",
                locale,
                size_mb=round(result.size_bytes / 2**20, 1),
                limit_mb=round(settings.encode.max_bytes / 2**20, 1),
            ),
            highlight=False,
        )
    console.print(
        render(
            "finish.done",
            locale,
            width=result.width,
            height=result.height,
            fps=result.fps,
            upscale=result.upscale_method,
            interpolate=result.interpolate_method,
        ),
        highlight=False,
    )
    typer.echo(str(result.path))
    if result.srt:
        typer.echo(str(result.srt))


def register(app: typer.Typer) -> None:
    app.command("finish")(finish)
