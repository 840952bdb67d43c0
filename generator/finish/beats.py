"""Beats of a soundtrack, and storyboard cuts snapped to them.

Beat tracking is librosa's (``librosa.beat.beat_track``: onset-strength envelope, tempo
estimate, then Ellis's 2007 dynamic-programming tracker) — the maintained reference
implementation in Python, BSD-licensed, with no model weights to fetch. The track is
decoded by the bundled ffmpeg to mono 22.05 kHz float PCM, so librosa never needs its
own audio backends.

Snapping moves each cut between shots to the nearest beat within ``max_shift`` seconds,
never making a shot shorter than ``min_shot`` and never crossing the next cut, so the
storyboard's plan survives; a cut with no beat near it stays where it was.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelbot.generator.encode import ffmpeg_exe

SAMPLE_RATE = 22_050


@dataclass(frozen=True)
class Beats:
    tempo_bpm: float
    times: tuple[float, ...]  # seconds


def decode_mono(path: Path, sample_rate: int = SAMPLE_RATE, seconds: float | None = None) -> np.ndarray:
    """The first audio stream as mono float32 samples."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(path), "-map", "0:a:0"]
    if seconds is not None:
        cmd += ["-t", f"{seconds:.3f}"]
    cmd += ["-ac", "1", "-ar", str(sample_rate), "-f", "f32le", "pipe:"]
    proc = subprocess.run(cmd, capture_output=True, check=True)  # noqa: S603
    return np.frombuffer(proc.stdout, dtype=np.float32)


def detect_beats(path: Path, seconds: float | None = None) -> Beats:
    """Tempo and beat times of the track at ``path`` (its first ``seconds`` when given)."""
    import librosa

    samples = decode_mono(path, seconds=seconds)
    tempo, frames = librosa.beat.beat_track(y=samples, sr=SAMPLE_RATE, units="frames")
    times = librosa.frames_to_time(frames, sr=SAMPLE_RATE)
    return Beats(tempo_bpm=float(np.atleast_1d(tempo)[0]), times=tuple(float(t) for t in times))


def snap_cuts(
    shot_seconds: Sequence[float], beats: Sequence[float], *, max_shift: float = 0.35, min_shot: float = 0.5
) -> list[float]:
    """Shot lengths whose cuts (all but the end) sit on the nearest beat where allowed."""
    cuts = list(np.cumsum(shot_seconds))
    total = cuts[-1] if cuts else 0.0
    beat_arr = np.asarray(beats, dtype=np.float64)
    previous = 0.0
    for index in range(len(cuts) - 1):
        nxt = cuts[index + 1]
        if beat_arr.size:
            nearest = float(beat_arr[np.abs(beat_arr - cuts[index]).argmin()])
            if (
                abs(nearest - cuts[index]) <= max_shift
                and nearest - previous >= min_shot
                and nxt - nearest >= min_shot
            ):
                cuts[index] = nearest
        previous = cuts[index]
    cuts[-1] = total
    return [round(end - start, 6) for start, end in zip([0.0, *cuts[:-1]], cuts, strict=True)]


def trim_to_beats(
    frame_counts: Sequence[int],
    overlaps: Sequence[int],
    fps: float,
    beats: Sequence[float],
    *,
    max_shift: float = 0.35,
    min_shot: float = 0.5,
) -> list[int]:
    """Frame counts whose cuts land on beats, by trimming shot ends only.

    Shots are already rendered, so a cut can only move *earlier*: each cut (where shot
    ``i + 1`` begins on the draft's timeline, ``overlaps[i]`` frames before shot ``i`` ends
    when they crossfade) goes back to the latest beat at most ``max_shift`` seconds before
    it, unless that leaves shot ``i`` under ``min_shot`` seconds or without a frame of its
    own. A cut with no beat in reach stays; the last shot keeps its end. Later shots move
    with the trimmed ones, so each cut is judged on the timeline as trimmed so far.
    """
    if len(overlaps) != max(0, len(frame_counts) - 1):
        raise ValueError(
            f"{len(frame_counts)} shots need {len(frame_counts) - 1} overlaps, not {len(overlaps)}"
        )
    counts = [int(c) for c in frame_counts]
    beat_arr = np.sort(np.asarray(beats, dtype=np.float64))
    start = 0  # timeline frame where shot i begins
    for index, overlap in enumerate(overlaps):
        cut = start + counts[index] - overlap
        reach = beat_arr[(beat_arr <= cut / fps + 1e-9) & (beat_arr >= cut / fps - max_shift)]
        if reach.size:
            new_cut = min(cut, round(float(reach[-1]) * fps))
            length = new_cut - start + overlap
            if length / fps >= min_shot - 1e-9 and length > overlap:
                counts[index] = length
        start += counts[index] - overlap
    return counts
