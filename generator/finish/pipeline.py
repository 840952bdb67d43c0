"""Finish for Shorts as one job: upscale → interpolate → soundtrack → captions → fit → sign.

Everything a request can get wrong (not audio, a 2-hour or empty track, a caption over the
limit, a clip that is not a video) is checked first, before any file is written. Work then
happens in a hidden folder beside the output, removed whatever happens; the finished mp4
and its .srt appear under their names only at the end (rename), so a failure leaves
nothing half-written.

The video is rendered by one ffmpeg command — interpolation on the source frames, Lanczos
cover-and-crop to the target, the ASS captions, H.264, and the soundtrack's second loudness
pass + AAC 48 kHz stereo (no intermediate WAV) — so frames are decoded and encoded once
(bench/finish_bench.py compares it with the bare commands). A learned upscaler or
interpolator, when configured, runs as a pre-pass on the source. Over the upload cap, the
render is redone at a bitrate computed from the size budget (twice at most); a file that
still does not fit is kept and flagged ``over_cap``: deliver it as a link
(``finish.too_big_link``). The container keeps the "AI-generated" comment, and the
C2PA manifest is signed anew over the finished file when a certificate is configured.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reelbot.domain.errors import InvalidRequest, ReelbotError
from reelbot.domain.finish_config import FinishSettings
from reelbot.domain.settings import Settings
from reelbot.generator.encode import AI_COMMENT, BITRATE_SAFETY, EncodeError, probe
from reelbot.generator.finish import audio as audio_mod
from reelbot.generator.finish.captions import Cue, SafeArea, prepare_burn, write_srt
from reelbot.generator.finish.interpolate import interpolate_filter, learned_interpolator
from reelbot.generator.finish.media import FfmpegFailed, run_with_progress, stream_facts
from reelbot.generator.finish.upscale import LANCZOS, lanczos_filter, learned_upscale
from reelbot.generator.provenance import sign_clip

Progress = Callable[[str, float], None]  # (step, fraction of that step done, 0..1)
STEPS = ("check", "upscale", "interpolate", "soundtrack", "render", "fit", "sign")


@dataclass(frozen=True)
class FinishRequest:
    clip: Path
    out: Path
    audio: Path | None = None
    cues: Sequence[Cue] = ()
    burn_captions: bool = False
    fps: int | None = None  # default: settings.finish.fps
    size: tuple[int, int] | None = None  # (width, height); default: settings.finish
    audio_mode: audio_mod.AudioMode | None = None  # default: settings.finish.audio_mode


@dataclass(frozen=True)
class FinishResult:
    path: Path
    srt: Path | None
    width: int
    height: int
    fps: int
    duration: float
    size_bytes: int
    attempts: int
    over_cap: bool
    upscale_method: str
    interpolate_method: str
    has_audio: bool
    signed: bool


def _noop(step: str, fraction: float) -> None:
    pass


def _check(
    request: FinishRequest, settings: Settings
) -> tuple[float, float, audio_mod.AudioTrack | None, bool]:
    """(duration, source fps, checked track, clip has sound) — or a message-key error."""
    facts = stream_facts(request.clip)
    if not facts.has_video:
        raise InvalidRequest("finish.clip_unreadable", name=request.clip.name)
    try:
        info = probe(request.clip)
    except EncodeError:
        raise InvalidRequest("finish.clip_unreadable", name=request.clip.name) from None
    duration = info.num_frames / info.fps if info.fps and info.num_frames else info.duration
    track = audio_mod.check_track(request.audio, settings.finish) if request.audio else None
    for cue in request.cues:  # cues from files are checked when parsed; these may be built by hand
        if len(cue.text) > settings.finish.max_caption_chars:
            raise InvalidRequest(
                "finish.caption_too_long", length=len(cue.text), limit=settings.finish.max_caption_chars
            )
    return duration, info.fps, track, facts.has_audio


def _video_args(bitrate_kbps: int | None, settings: Settings) -> list[str]:
    args = ["-c:v", "libx264", "-preset", settings.encode.x264_preset, "-pix_fmt", "yuv420p"]
    if bitrate_kbps is None:
        return [*args, "-crf", str(settings.finish.crf)]
    return [
        *args,
        "-b:v",
        f"{bitrate_kbps}k",
        "-maxrate",
        f"{bitrate_kbps}k",
        "-bufsize",
        f"{bitrate_kbps * 2}k",
    ]


def _render_args(
    source: Path,
    sound: audio_mod.SoundtrackPlan | None,
    out: Path,
    vf: str,
    duration: float,
    bitrate: int | None,
    settings: Settings,
) -> list[str]:
    """One command: the video graph on input 0, loudness pass two on the sound inputs after it."""
    args = ["-y", "-i", str(source)]
    if sound is None:
        args += ["-map", "0:v:0", "-vf", vf, *_video_args(bitrate, settings)]
    else:
        fin = settings.finish
        args += [
            *sound.inputs,
            "-filter_complex",
            f"[0:v:0]{vf}[video];{sound.graph_for(1)}",
            "-map",
            "[video]",
            *_video_args(bitrate, settings),
            "-map",
            "[soundtrack]",
            "-c:a",
            "aac",
            "-b:a",
            f"{fin.audio_bitrate_kbps}k",
            "-ar",
            str(fin.sample_rate),
            "-ac",
            "2",
        ]
    return [
        *args,
        "-t",
        f"{duration:.6f}",
        "-map_metadata",
        "0",
        "-metadata",
        f"comment={AI_COMMENT}",
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        str(out),
    ]


def _prepass(
    request: FinishRequest, settings: Settings, work: Path, fps: int, progress: Progress
) -> tuple[Path, str | None, str | None]:
    """(source for the render, learned upscale method, learned interpolation method)."""
    source, up, interp = request.clip.resolve(), None, None
    if settings.finish.interpolator:
        func = learned_interpolator(settings.finish.interpolator)
        progress("interpolate", 0.0)
        func(source, work / "interpolated.mp4", fps)
        source, interp = work / "interpolated.mp4", f"{settings.finish.interpolator} (learned)"
        progress("interpolate", 1.0)
    if settings.finish.upscaler_weights:
        progress("upscale", 0.0)
        device = "cuda" if settings.device == "cuda" else "cpu"
        done = learned_upscale(source, work / "upscaled.mp4", settings.finish.upscaler_weights, device)
        source, up = done.path, done.method
        progress("upscale", 1.0)
    return source, up, interp


def _video_filter(
    request: FinishRequest,
    source: Path,
    source_fps: float,
    target: tuple[int, int, int],
    work: Path,
    fin: FinishSettings,
) -> tuple[str, str]:
    """(the -vf graph, the interpolation method's name): rate, size, captions, pixel format."""
    width, height, fps = target
    vf_interp, method = interpolate_filter(stream_facts(source).fps or source_fps, fps)
    # Interpolation stops short of the clip's end (at the last source frame, less the
    # frames its look-ahead needs): hold the last frame, fill the gap at a constant rate,
    # and ``-t`` cuts at ``duration``.
    hold = f"tpad=stop_mode=clone:stop_duration=1,fps={fps}"
    filters = [vf_interp, hold, lanczos_filter(width, height)]
    if request.burn_captions and request.cues:
        filters.append(prepare_burn(request.cues, width, height, work, fin))
    return ",".join([*filters, "format=yuv420p"]), method


def finish_clip(request: FinishRequest, settings: Settings, progress: Progress = _noop) -> FinishResult:
    """Finish ``request.clip`` into ``request.out``; see the module docstring for the steps."""
    fin = settings.finish
    width, height = request.size or (fin.width, fin.height)
    fps = request.fps or fin.fps
    progress("check", 0.0)
    duration, source_fps, track, clip_has_audio = _check(request, settings)
    progress("check", 1.0)
    request.out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{request.out.name}.", dir=request.out.parent)).resolve()
    try:
        source, up_method, interp_method = _prepass(request, settings, work, fps, progress)
        vf, ff_interp = _video_filter(request, source, source_fps, (width, height, fps), work, fin)
        soundtrack = None
        if track is not None or clip_has_audio:
            progress("soundtrack", 0.0)
            own = request.clip if clip_has_audio else None
            mode = request.audio_mode or fin.audio_mode
            soundtrack = audio_mod.plan_soundtrack(duration, fin, music=track, clip_with_audio=own, mode=mode)
            progress("soundtrack", 1.0)
        rendered = work / "finished.mp4"
        size, attempts = _render_fitting(rendered, source, soundtrack, vf, duration, settings, progress)
        progress("sign", 0.0)
        signed = sign_clip(rendered, settings.provenance)
        progress("sign", 1.0)
        srt = None
        if request.cues:
            srt = write_srt(request.cues, work / "captions.srt", SafeArea(width, height).line_units)
        rendered.chmod(0o644)
        rendered.replace(request.out)
        if srt is not None:
            srt = srt.replace(request.out.with_suffix(".srt"))
        return FinishResult(
            path=request.out,
            srt=srt,
            width=width,
            height=height,
            fps=fps,
            duration=duration,
            size_bytes=request.out.stat().st_size,
            attempts=attempts,
            over_cap=size > settings.encode.max_bytes,
            upscale_method=up_method or LANCZOS,
            interpolate_method=interp_method or ff_interp,
            has_audio=soundtrack is not None,
            signed=signed,
        )
    except FfmpegFailed as exc:
        raise ReelbotError("finish.failed", error=exc.tail) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _render_fitting(
    out: Path,
    source: Path,
    sound: audio_mod.SoundtrackPlan | None,
    vf: str,
    duration: float,
    settings: Settings,
    progress: Progress,
) -> tuple[int, int]:
    """Render; re-render at a budget bitrate while over the cap. (size, attempts)."""
    work = out.parent
    step = "render"
    bitrate: int | None = None
    attempts = 0
    for safety in (None, *BITRATE_SAFETY):
        if safety is not None:
            audio_kbps = settings.finish.audio_bitrate_kbps if sound is not None else 0
            budget = settings.encode.max_bytes * 8 * safety / max(duration, 0.1) / 1000
            bitrate = max(64, int(budget - audio_kbps))
            step = "fit"
        args = _render_args(source, sound, out, vf, duration, bitrate, settings)
        run_with_progress(args, duration, lambda f, s=step: progress(s, f), cwd=work)
        attempts += 1
        if out.stat().st_size <= settings.encode.max_bytes:
            break
    return out.stat().st_size, attempts
