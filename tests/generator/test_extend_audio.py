"""The joined soundtrack of an Extend when one side is silent, as sample arithmetic (a sounding
parent read back from a real mp4 made by the encoder; the whole path is
tests/e2e/test_ltx2_extend_audio.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reelbot.domain.settings import EncodeSettings
from reelbot.generator.clip_audio import ClipAudio
from reelbot.generator.encode import encode_mp4
from reelbot.generator.extend_audio import SILENT_CHANNELS, SILENT_RATE, extended_audio


def test_a_silent_parent_is_silence_of_exactly_its_frames_then_the_new_sound() -> None:
    rate, fps = 8000, 8
    new = ClipAudio(samples=np.full((1, rate * 2), 0.5, np.float32), sample_rate=rate)  # 16 frames' worth
    joined = extended_audio(None, parent_frames=12, new_frames=16, fps=fps, new_audio=new)
    assert joined is not None and (joined.sample_rate, joined.channels) == (rate, 1)
    head = 12 * rate // fps
    assert not joined.samples[:, :head].any()
    assert np.all(joined.samples[:, head:] == 0.5)
    assert joined.samples.shape[1] == head + rate * 2 - rate // fps  # the seam frame's sound once


def test_a_silent_continuation_after_a_sounding_parent_is_silence_and_none_when_both_are(
    tmp_path: Path,
) -> None:
    fps, frames = 8, 8
    tone = np.sin(np.linspace(0, 2 * np.pi * 440, 16_000, dtype=np.float32))[None, :] * 0.5  # 1 s
    parent = tmp_path / "parent.mp4"
    picture = np.zeros((frames, 32, 32, 3), np.uint8)
    encode_mp4(picture, fps, parent, EncodeSettings(), title="parent", audio=ClipAudio(tone, 16_000))
    joined = extended_audio(parent, parent_frames=frames, new_frames=9, fps=fps, new_audio=None)
    assert joined is not None and (joined.sample_rate, joined.channels) == (SILENT_RATE, SILENT_CHANNELS)
    assert joined.samples.shape[1] == SILENT_RATE * (frames + 9 - 1) // fps
    head, tail = joined.samples[:, :SILENT_RATE], joined.samples[:, SILENT_RATE:]
    assert np.sqrt(np.mean(head[:, 2400:-2400] ** 2)) > 0.1 and not tail.any()
    assert extended_audio(None, parent_frames=8, new_frames=8, fps=8, new_audio=None) is None
