"""The soundtrack of an Extend: the parent's stored sound under the parent's frames, then the
new segment's own waveform after the seam.

Why: an Extend is stored stitched onto its parent (:func:`reelbot.generator.stitch.stitch`
drops the continuation's first ``overlap`` seam frames), while the model's waveform covers only
the new segment. Storing that waveform alone would play the new sound under the parent's
pictures; storing none drops the sound of both. So the parent's sound is read back from its
stored mp4 (the only copy: the model's float waveform is not kept) at the new segment's rate
and channel count, cut or padded to exactly the parent's frames, and the new waveform follows
without its seam part: picture and sound stay in step on the joined timeline. A side without
sound (a silent parent, or a continuation from a silent preset) is silence of its length.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from reelbot.generator.clip_audio import ClipAudio
from reelbot.generator.encode import EncodeError, ffmpeg_exe

SILENT_RATE, SILENT_CHANNELS = 48_000, 2  # what the encoder stores, when no side has a rate


def extended_audio(
    parent_video: Path | None,
    parent_frames: int,
    new_frames: int,
    fps: int,
    new_audio: ClipAudio | None,
    overlap: int = 1,
) -> ClipAudio | None:
    """The joined soundtrack of ``parent_frames`` + ``new_frames`` − ``overlap`` frames at
    ``fps``; ``parent_video``: the parent's stored mp4 when it has sound. None: neither side has."""
    if parent_video is None and new_audio is None:
        return None
    rate, channels = (
        (new_audio.sample_rate, new_audio.channels) if new_audio else (SILENT_RATE, SILENT_CHANNELS)
    )
    head_samples = round(parent_frames / fps * rate)
    head = _decode(parent_video, channels, rate) if parent_video is not None else None
    head = _fit(head if head is not None else np.zeros((channels, 0), np.float32), head_samples)
    seam = round(overlap / fps * rate)
    if new_audio is not None:
        tail = new_audio.samples[:, seam:].astype(np.float32)
    else:
        tail = np.zeros((channels, round((new_frames - overlap) / fps * rate)), np.float32)
    return ClipAudio(samples=np.ascontiguousarray(np.concatenate([head, tail], axis=1)), sample_rate=rate)


def _decode(video: Path, channels: int, rate: int) -> np.ndarray:
    """A stored clip's sound as float32 ``[channels, n]`` at ``rate`` (ffmpeg resamples)."""
    command = [
        ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-i", str(video), "-map", "0:a:0", "-vn",
        "-ac", str(channels), "-ar", str(rate), "-f", "f32le", "-",
    ]  # fmt: skip
    proc = subprocess.run(command, capture_output=True, check=False)  # noqa: S603
    if proc.returncode != 0:
        raise EncodeError("encode.failed", error=proc.stderr.decode("utf-8", "replace").strip()[-200:])
    samples = np.frombuffer(proc.stdout, dtype="<f4")
    return samples[: len(samples) - len(samples) % channels].reshape(-1, channels).T


def _fit(samples: np.ndarray, count: int) -> np.ndarray:
    """Exactly ``count`` samples a channel: cut, or padded with silence at the end."""
    if samples.shape[1] >= count:
        return samples[:, :count]
    return np.pad(samples, ((0, 0), (0, count - samples.shape[1])))
