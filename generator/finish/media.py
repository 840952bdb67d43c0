"""Running ffmpeg and reading stream facts for the finish steps.

imageio-ffmpeg ships the binary but no ffprobe, so facts come from ``ffmpeg -i``'s stderr
(codec, sample rate, channels, duration) and, where the header may lie (a truncated file,
a variable-rate stream), from decoding the stream to ``null`` and reading ffmpeg's final
``time=``. One helper runs every command so failures read the same everywhere.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reelbot.generator.encode import ffmpeg_exe

_AUDIO_RE = re.compile(
    r"Stream #\d+:\d+.*?: Audio: (?P<codec>\w+).*?, (?P<rate>\d+) Hz, (?P<layout>[\w.()]+)"
)
_VIDEO_RE = re.compile(r"Stream #\d+:\d+.*?: Video: (?P<codec>\w+).*?, (?P<w>\d+)x(?P<h>\d+)")
_FPS_RE = re.compile(r"(?P<fps>[\d.]+) fps")
_DURATION_RE = re.compile(r"Duration: (?P<h>\d+):(?P<m>\d+):(?P<s>[\d.]+)")
_TIME_RE = re.compile(r"time=\s*(?P<h>\d+):(?P<m>\d+):(?P<s>[\d.]+)")


class FfmpegFailed(Exception):
    """ffmpeg exited non-zero; ``tail`` is the last stderr line (no paths of ours beyond it)."""

    def __init__(self, tail: str) -> None:
        self.tail = tail
        super().__init__(tail)


@dataclass(frozen=True)
class StreamFacts:
    """What one file holds, as ffmpeg reads it."""

    duration: float  # container duration, seconds (0.0 when ffmpeg reports none)
    has_video: bool
    width: int
    height: int
    fps: float
    has_audio: bool
    audio_codec: str | None
    sample_rate: int | None
    channels: int | None


def run_ffmpeg(args: list[str], *, timeout: float | None = None, cwd: Path | None = None) -> str:
    """Run the bundled ffmpeg with ``args``; return stderr, raise :class:`FfmpegFailed`."""
    proc = subprocess.run(  # noqa: S603 - fixed binary, argument list, no shell
        [ffmpeg_exe(), "-hide_banner", "-nostdin", *args],
        capture_output=True,
        check=False,
        timeout=timeout,
        cwd=cwd,
    )
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        lines = [line for line in stderr.strip().splitlines() if line.strip()]
        raise FfmpegFailed((lines[-1:] or ["unknown error"])[0][:300])
    return stderr


def _seconds(match: re.Match[str] | None) -> float:
    if match is None:
        return 0.0
    return int(match["h"]) * 3600 + int(match["m"]) * 60 + float(match["s"])


def _channels(layout: str) -> int:
    named = {"mono": 1, "stereo": 2, "2.1": 3, "quad": 4, "5.0": 5, "5.1": 6, "6.1": 7, "7.1": 8}
    base = layout.split("(")[0]
    if base in named:
        return named[base]
    digits = re.match(r"(\d+) channels", layout)
    return int(digits.group(1)) if digits else 2


def stream_facts(path: str | os.PathLike[str]) -> StreamFacts:
    """Header facts of ``path`` from ``ffmpeg -i`` (which 'fails' without an output: expected)."""
    proc = subprocess.run(  # noqa: S603
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
        capture_output=True,
        check=False,
        timeout=60,
    )
    text = proc.stderr.decode("utf-8", "replace")
    audio = _AUDIO_RE.search(text)
    video = _VIDEO_RE.search(text)
    fps = 0.0
    if video:
        line = text[video.start() : text.find("\n", video.start())]
        fps_match = _FPS_RE.search(line)
        fps = float(fps_match["fps"]) if fps_match else 0.0
    return StreamFacts(
        duration=_seconds(_DURATION_RE.search(text)),
        has_video=video is not None and video["codec"] not in {"png", "mjpeg"},
        width=int(video["w"]) if video else 0,
        height=int(video["h"]) if video else 0,
        fps=fps,
        has_audio=audio is not None,
        audio_codec=audio["codec"] if audio else None,
        sample_rate=int(audio["rate"]) if audio else None,
        channels=_channels(audio["layout"].rstrip(",")) if audio else None,
    )


def decoded_audio_seconds(path: str | os.PathLike[str], *, limit: float | None = None) -> float:
    """Seconds of audio that actually decode (the header can lie); stops after ``limit``."""
    args = ["-i", str(path), "-map", "0:a:0", "-vn"]
    if limit is not None:
        args += ["-t", f"{limit:.3f}"]
    stderr = run_ffmpeg([*args, "-f", "null", "-"], timeout=300)
    times = list(_TIME_RE.finditer(stderr))
    return _seconds(times[-1]) if times else 0.0


def run_with_progress(
    args: list[str], duration: float, report: Callable[[float], None], *, cwd: Path | None = None
) -> None:
    """Run ffmpeg with ``-progress``; call ``report(fraction)`` as output time advances."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-progress", "pipe:1", *args]
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr, cwd=cwd, text=True)  # noqa: S603
        assert proc.stdout is not None
        last = -1.0
        for line in proc.stdout:
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and value.isdigit() and duration > 0:
                fraction = round(min(1.0, int(value) / 1e6 / duration), 2)
                if fraction > last:
                    report(fraction)
                    last = fraction
        if proc.wait() != 0:
            stderr.seek(0)
            lines = [ln for ln in stderr.read().decode("utf-8", "replace").splitlines() if ln.strip()]
            raise FfmpegFailed((lines[-1:] or ["unknown error"])[0][:300])


def temp_sibling(target: Path, suffix: str) -> Path:
    """A hidden temp name beside ``target`` (same filesystem, so the final rename is atomic)."""
    return target.with_name(f".{target.name}.{os.getpid()}.{suffix}")
