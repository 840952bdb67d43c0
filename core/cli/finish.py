"""``reelbot finish CLIP``: a clip or draft made ready to upload as a YouTube Short.

Registered on the main app in :mod:`reelbot.cli`. Runs the same function the worker's
finish job runs (:func:`reelbot.generator.finish.pipeline.finish_clip`), here in-process,
with a progress bar; needs no Redis or database — except with ``--music``, which first
renders the soundtrack as a ``music`` task on a worker (:mod:`reelbot.cli.tasks`: moderated
and charged like the chats' music, one line per change while it waits) and then finishes
with that track. Bad input is one line in the chosen language and leaves nothing behind:
every option is checked before the music task is queued.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from reelbot.cli import fail
from reelbot.cli.tasks import TimeoutOpt
from reelbot.domain.errors import InvalidRequest, ReelbotError

console = Console(stderr=True, soft_wrap=True)


def check_music(music: str | None, lyrics: str | None, audio: Path | None) -> None:
    """``--music`` makes a track, ``--audio`` brings one: never both; lyrics need a track."""
    if music is not None and audio is not None:
        raise InvalidRequest("cli.music_with_audio")
    if lyrics and music is None:
        raise InvalidRequest("cli.lyrics_without_music")


def build_request(
    clip: Path,
    out: Path,
    settings: Any,
    *,
    audio: Path | None,
    captions: Path | None,
    caption: str | None,
    fps: int | None,
    size: str | None,
    burn: bool,
    mode: str | None,
) -> Any:
    """The pipeline's request from the options, every option checked (nothing written yet)."""
    from reelbot.domain.finish_config import check_caption
    from reelbot.domain.storyboard import parse_size  # a board's finish.size: one rule, 64..4096
    from reelbot.generator.finish.captions import Cue, parse_srt
    from reelbot.generator.finish.media import stream_facts
    from reelbot.generator.finish.pipeline import FinishRequest

    if mode not in (None, "mix", "replace"):
        raise InvalidRequest("finish.mode_invalid", value=mode)
    cues: list[Cue] = []
    if captions is not None:
        cues = parse_srt(captions, settings.finish)
    elif caption:
        duration = stream_facts(clip).duration
        cues = [Cue(0.0, duration, check_caption(caption, settings.finish))]
    return FinishRequest(
        clip=clip,
        out=out,
        audio=audio,
        cues=cues,
        burn_captions=burn,
        fps=fps,
        size=parse_size(size) if size else None,
        audio_mode=mode,  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class AfterRender:
    """``reelbot generate … --audio/--audio-mode/--caption/--finish``: the checked options of
    the finish that follows the render (the clip is finished beside it as ``<name>-short.mp4``)."""

    audio: Path | None = None
    mode: str | None = None
    caption: str | None = None


def check_after_render(
    settings: Any, *, audio: Path | None, mode: str | None, caption: str | None, finish: bool
) -> AfterRender | None:
    """Everything the finish options can get wrong, checked before any model is loaded: the
    mode, the caption's length and the track itself (the finish pipeline's own probe, so a
    file that is not audio, empty, too long or too big is refused here, not after the render).
    None when no finish was asked for."""
    from reelbot.domain.finish_config import check_caption
    from reelbot.generator.finish.audio import check_track

    if audio is None and mode is None and not caption and not finish:
        return None
    if mode not in (None, "mix", "replace"):
        raise InvalidRequest("finish.mode_invalid", value=mode)
    if caption:
        caption = check_caption(caption, settings.finish)
    if audio is not None:
        check_track(audio, settings.finish)
    return AfterRender(audio=audio, mode=mode, caption=caption or None)


def finish_rendered(clip: Path, after: AfterRender, settings: Any, locale: str) -> None:
    """Finish a freshly rendered clip with the same code as ``reelbot finish`` and print the
    finished file's facts and paths (after the clip's own)."""
    out = clip.with_name(f"{clip.stem}-short.mp4")
    request = build_request(
        clip, out, settings, audio=after.audio, captions=None, caption=after.caption, fps=None, size=None,
        burn=False, mode=after.mode,
    )  # fmt: skip
    say_finished(run_with_bar(request, settings), settings, locale)


def music_track(
    clip: Path, description: str, lyrics: str, dest: Path, settings: Any, timeout_s: float
) -> Path:
    """A ``music`` task as long as the clip, rendered by a worker, saved at ``dest``.

    The clip is read first, so a clip that is not a video queues nothing."""
    from reelbot.app.music import music_seconds_for
    from reelbot.cli import _with_service, run_async
    from reelbot.cli.tasks import render_music, say_line
    from reelbot.generator.finish.media import stream_facts

    facts = stream_facts(clip)
    if not facts.has_video:
        raise InvalidRequest("finish.clip_unreadable", name=clip.name)
    seconds = music_seconds_for(facts.duration)  # longer clips loop it

    async def body(service: Any) -> Path:
        return await render_music(
            service, description, dest, seconds=seconds, lyrics=lyrics, timeout_s=timeout_s, say=say_line
        )

    return run_async(lambda: _with_service(settings, body))


def run_with_bar(request: Any, settings: Any) -> Any:
    """The pipeline in-process, its steps on a progress bar."""
    from reelbot.generator.finish.pipeline import finish_clip

    with Progress(TextColumn("{task.description:<12}"), BarColumn(), console=console) as bar:
        task = bar.add_task("check", total=1.0)

        def report(step: str, fraction: float) -> None:
            bar.update(task, description=step, completed=fraction)

        return finish_clip(request, settings, report)


def say_finished(result: Any, settings: Any, locale: str) -> None:
    """The finished file's facts (and the link advice over the cap) on stderr, paths on stdout."""
    from reelbot.domain.messages import render

    if result.over_cap:
        size_mb = round(result.size_bytes / 2**20, 1)
        limit_mb = round(settings.encode.max_bytes / 2**20, 1)
        line = render("finish.too_big_link", locale, size_mb=size_mb, limit_mb=limit_mb)
        console.print(line, highlight=False)
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


def finish(
    clip: Annotated[Path, typer.Argument(help="the clip or draft (mp4)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="the finished mp4 (an .srt goes beside it)")],
    audio: Annotated[Path | None, typer.Option(help="your own track: mp3, m4a, wav or ogg")] = None,
    captions: Annotated[Path | None, typer.Option(help="a SubRip (.srt) file")] = None,
    caption: Annotated[str | None, typer.Option(help="one caption over the whole clip")] = None,
    fps: Annotated[int | None, typer.Option(min=1, max=120, help="output frame rate (default 30)")] = None,
    size: Annotated[
        str | None, typer.Option(help="WIDTHxHEIGHT, even sides 64..4096 (default 1080x1920)")
    ] = None,
    burn_captions: Annotated[
        bool, typer.Option("--burn-captions", help="draw captions into the video")
    ] = False,
    mode: Annotated[str | None, typer.Option(help="mix | replace the clip's own sound")] = None,
    music: Annotated[
        str | None, typer.Option(help="a soundtrack to make first: a music task on a worker (Redis)")
    ] = None,
    lyrics: Annotated[str | None, typer.Option(help="words for --music to sing")] = None,
    timeout: TimeoutOpt = 900.0,
) -> None:
    """Upscale, interpolate, add a soundtrack and captions: an uploadable Short."""
    from reelbot.cli.lang import cli_locale  # reelbot --lang zh-TW finish …, else LANG
    from reelbot.domain.settings import load_settings

    locale = cli_locale()
    try:
        settings = load_settings()
        check_music(music, lyrics, audio)
        request = build_request(
            clip, out, settings, audio=audio, captions=captions, caption=caption, fps=fps, size=size,
            burn=burn_captions, mode=mode,
        )  # fmt: skip
        with tempfile.TemporaryDirectory(prefix="reelbot-music-") as tmp:
            if music is not None:
                track = music_track(clip, music, lyrics or "", Path(tmp) / "music.wav", settings, timeout)
                request = replace(request, audio=track)
            result = run_with_bar(request, settings)
    except ReelbotError as exc:
        raise fail(exc, locale) from None
    say_finished(result, settings, locale)


def register(app: typer.Typer) -> None:
    app.command("finish")(finish)
