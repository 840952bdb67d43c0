"""A model's own soundtrack, as the engine hands it to the encoder: float samples + a rate.

Kept numpy-only (no torch) so the encoder and the worker stages can carry it without
importing the model side. The encoder resamples and upmixes it to AAC 48 kHz stereo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class ClipAudio:
    """Waveform ``samples`` float32 [channels, n] in [−1, 1] at ``sample_rate`` Hz."""

    samples: np.ndarray
    sample_rate: int

    def __post_init__(self) -> None:
        if self.samples.ndim != 2 or self.samples.shape[0] not in (1, 2):
            raise ValueError(f"audio must be [channels (1 or 2), n], got shape {self.samples.shape}")
        if self.sample_rate <= 0:
            raise ValueError(f"sample rate must be positive, got {self.sample_rate}")

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def seconds(self) -> float:
        return self.samples.shape[1] / self.sample_rate

    def interleaved_f32le(self) -> bytes:
        """Little-endian float32, channels interleaved: what ffmpeg's ``f32le`` demuxer reads."""
        clipped = np.clip(np.asarray(self.samples, dtype="<f4"), -1.0, 1.0)
        return np.ascontiguousarray(clipped.T).tobytes()


def audio_from_pipeline(audio: Any, sample_rate: int) -> ClipAudio | None:
    """The first item of a pipeline's ``audio`` output ([B, C, N] or [B, N]; tensor or array)."""
    if audio is None:
        return None
    if hasattr(audio, "detach"):
        audio = audio.detach().float().cpu().numpy()
    array = np.asarray(audio, dtype=np.float32)
    first = array[0] if array.ndim == 3 else array
    if first.ndim == 1:
        first = first[None, :]
    return ClipAudio(samples=np.ascontiguousarray(first[:2]), sample_rate=int(sample_rate))
