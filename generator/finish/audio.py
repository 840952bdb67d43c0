"""Soundtracks: check a track, fit it to the video, normalise it to EBU R128, measure it.

The order is the one an editor uses: trim (or loop) the track to the video, fade it in and
out, mix it under the clip's own sound or replace that sound, then normalise loudness in
two passes. Pass one measures the shaped track with ``loudnorm``; pass two applies the
measured values with ``linear=true``, a single gain that keeps the music's dynamics (one
pass would ride the level like a radio compressor). ``loudnorm`` falls back to its dynamic
mode by itself when a single gain would push the true peak over the ceiling. The result is
48 kHz stereo; the finish pipeline runs pass two inside its render command
(:class:`SoundtrackPlan`) and encodes it to AAC there.

Targets (``FinishSettings``): −14 LUFS integrated — what YouTube normalises playback to —
and a true peak of at most −1 dBTP, less ``codec_headroom_db`` because AAC decoding
overshoots the PCM peak by a few tenths of a dB.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from reelbot.domain.audio_limits import refuse_bad_audio
from reelbot.domain.finish_config import FinishSettings
from reelbot.generator.finish.media import FfmpegFailed, run_ffmpeg
from reelbot.generator.finish.probe import track_facts

AudioMode = Literal["mix", "replace"]
MUSIC_UNDER_VOICE = 0.5  # −6 dB: the clip's own sound stays on top of the music in "mix"
SILENCE_LUFS = -70.0  # EBU R128's absolute gate: below it there is nothing to normalise

_INTEGRATED_RE = re.compile(r"Integrated loudness:\s+I:\s+(?P<i>-?[\d.]+|-inf) LUFS")
_PEAK_RE = re.compile(r"True peak:\s+Peak:\s+(?P<tp>-?[\d.]+|-inf) dBFS")


@dataclass(frozen=True)
class AudioTrack:
    """A track that passed :func:`check_track`."""

    path: Path
    seconds: float


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float
    true_peak_dbtp: float


def check_track(path: Path, settings: FinishSettings) -> AudioTrack:
    """Refuse a file that is too big, not audio, empty or too long — before any work starts.

    The limits and their order are :func:`~reelbot.domain.audio_limits.audio_refusal`'s (the
    app and LINE use the same); the size is checked first so a huge file is never probed."""
    name = path.name
    size = path.stat().st_size if path.is_file() else 0
    refuse_bad_audio(name, settings, size_bytes=size)
    facts = track_facts(path, settings.max_audio_seconds)
    refuse_bad_audio(name, settings, size_bytes=size, has_audio=facts.has_audio, seconds=facts.seconds)
    return AudioTrack(path=path, seconds=facts.seconds)


def measure_loudness(path: Path) -> Loudness:
    """Integrated loudness and true peak of the first audio stream (ffmpeg's ebur128)."""
    stderr = run_ffmpeg(
        ["-i", str(path), "-map", "0:a:0", "-af", "ebur128=peak=true", "-f", "null", "-"], timeout=600
    )
    summary = stderr[stderr.rfind("Summary:") :]
    integrated, peak = _INTEGRATED_RE.search(summary), _PEAK_RE.search(summary)
    if integrated is None or peak is None:
        raise FfmpegFailed("ebur128 printed no summary")
    return Loudness(
        integrated_lufs=float(integrated["i"].replace("-inf", "-200")),
        true_peak_dbtp=float(peak["tp"].replace("-inf", "-200")),
    )


def _fades(duration: float, settings: FinishSettings) -> str:
    fade_in = min(settings.fade_in_s, duration / 3)
    fade_out = min(settings.fade_out_s, duration / 3)
    parts = []
    if fade_in > 0:
        parts.append(f"afade=t=in:st=0:d={fade_in:.3f}")
    if fade_out > 0:
        parts.append(f"afade=t=out:st={duration - fade_out:.3f}:d={fade_out:.3f}")
    return ",".join(parts)


def _shape_graph(
    duration: float, settings: FinishSettings, *, music: bool, clip_audio: bool, mode: AudioMode
) -> tuple[str, str]:
    """(filter graph, output label) that fits the inputs to ``duration`` at 48 kHz stereo.

    Input 0 is the music (looped by ``-stream_loop``) when ``music``; the clip's own sound
    is the next input when ``clip_audio``.
    """
    fmt = f"aresample={settings.sample_rate},aformat=sample_fmts=fltp:channel_layouts=stereo"
    fit = f"atrim=0:{duration:.6f},asetpts=N/SR/TB,apad=whole_dur={duration:.6f}"
    graph: list[str] = []
    if music:
        fades = _fades(duration, settings)
        graph.append(f"[0:a]{fmt},{fit}" + (f",{fades}" if fades else "") + "[music]")
    if clip_audio:
        graph.append(f"[{1 if music else 0}:a]{fmt},{fit}[own]")
    if music and clip_audio and mode == "mix":
        graph.append(
            f"[music]volume={MUSIC_UNDER_VOICE}[bed];"
            "[own][bed]amix=inputs=2:duration=first:normalize=0[shaped]"
        )
        return ";".join(graph), "shaped"
    return ";".join(graph), "music" if music else "own"


def _inputs(music: Path | None, clip: Path | None) -> list[str]:
    args: list[str] = []
    if music is not None:
        args += ["-stream_loop", "-1", "-i", str(music)]
    if clip is not None:
        args += ["-i", str(clip)]
    return args


def _loudnorm(settings: FinishSettings) -> str:
    ceiling = settings.true_peak_dbtp - settings.codec_headroom_db
    return f"loudnorm=I={settings.target_lufs}:TP={ceiling}:LRA={settings.loudness_range_lu}"


@dataclass(frozen=True)
class SoundtrackPlan:
    """Pass two of the loudness normalisation, ready to run inside another ffmpeg command.

    ``inputs`` are ffmpeg input arguments (their stream indices start at 0); a caller that
    puts other inputs first shifts them with :meth:`graph_for`. Keeping pass two a plan
    instead of a file lets the finish render apply it while it encodes the video, in
    parallel with it, rather than writing a WAV first (bench/finish_bench.py).
    """

    inputs: tuple[str, ...]
    graph: str  # filter graph reading ``[N:a]`` inputs, ending in the label ``[soundtrack]``
    input_count: int

    def graph_for(self, first_input: int) -> str:
        """The graph with its input indices moved to start at ``first_input``."""
        shifted = self.graph
        for index in reversed(range(self.input_count)):
            shifted = shifted.replace(f"[{index}:a]", f"[{index + first_input}:a]")
        return shifted


def plan_soundtrack(
    duration: float,
    settings: FinishSettings,
    *,
    music: AudioTrack | None,
    clip_with_audio: Path | None = None,
    mode: AudioMode = "replace",
) -> SoundtrackPlan:
    """Measure the shaped track (pass one) and return pass two as a :class:`SoundtrackPlan`.

    ``clip_with_audio``: the clip, when it has its own sound. With music and ``mode ==
    "replace"`` that sound is dropped; with ``"mix"`` the music goes under it at −6 dB.
    """
    if music is None and clip_with_audio is None:
        raise ValueError("plan_soundtrack needs music or a clip with audio")
    own = clip_with_audio if (music is None or mode == "mix") else None
    graph, label = _shape_graph(
        duration, settings, music=music is not None, clip_audio=own is not None, mode=mode
    )
    inputs = _inputs(music.path if music else None, own)
    measure = f"{graph};[{label}]{_loudnorm(settings)}:print_format=json[out]"
    first = run_ffmpeg([*inputs, "-filter_complex", measure, "-map", "[out]", "-f", "null", "-"], timeout=600)
    measured = json.loads(first[first.rfind("{") : first.rfind("}") + 1])
    return SoundtrackPlan(
        inputs=tuple(inputs),
        graph=f"{graph};[{label}]{_second_pass(measured, duration, settings)}[soundtrack]",
        input_count=(music is not None) + (own is not None),
    )


def build_soundtrack(
    out: Path,
    duration: float,
    settings: FinishSettings,
    *,
    music: AudioTrack | None,
    clip_with_audio: Path | None = None,
    mode: AudioMode = "replace",
) -> Path:
    """Write the finished track (48 kHz stereo PCM WAV, exactly ``duration`` s) to ``out``."""
    plan = plan_soundtrack(duration, settings, music=music, clip_with_audio=clip_with_audio, mode=mode)
    wav = ["-c:a", "pcm_s16le", "-ar", str(settings.sample_rate), "-ac", "2", "-f", "wav", "-y", str(out)]
    run_ffmpeg([*plan.inputs, "-filter_complex", plan.graph, "-map", "[soundtrack]", *wav], timeout=600)
    return out


def _second_pass(measured: dict[str, str], duration: float, settings: FinishSettings) -> str:
    """loudnorm with pass one's figures; digital silence (−inf LUFS) is left silent."""
    tail = f"aresample={settings.sample_rate},atrim=0:{duration:.6f}"
    if "inf" in measured["input_i"] or float(measured["input_i"]) < SILENCE_LUFS:
        return f"anull,{tail}"
    return (
        f"{_loudnorm(settings)}:linear=true:measured_I={measured['input_i']}"
        f":measured_TP={measured['input_tp']}:measured_LRA={measured['input_lra']}"
        f":measured_thresh={measured['input_thresh']}:offset={measured['target_offset']},{tail}"
    )
