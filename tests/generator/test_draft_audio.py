"""A draft's upscale keeps the shots' sound (LTX-2 clips carry AAC 48 kHz stereo); it used to
drop it with ``-an``. Synthetic input: an ffmpeg lavfi test pattern with a 440 Hz sine."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from reelbot.domain.settings import Settings
from reelbot.generator.draft_frames import upscale_mp4
from reelbot.generator.encode import ffmpeg_exe, probe


def _toned_clip(path: Path, seconds: float = 1.0, fps: int = 16) -> Path:
    """A 96×160 clip with a 440 Hz tone, AAC 48 kHz stereo, as an LTX-2 shot is stored."""
    command = [
        ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc=size=96x160:rate={fps}:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", "-ar", "48000",
        "-shortest", str(path),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)
    return path


def _mean_volume_db(path: Path) -> float:
    """ffmpeg volumedetect's mean volume of the file's audio (−91 dB is digital silence)."""
    command = [ffmpeg_exe(), "-hide_banner", "-i", str(path), "-af", "volumedetect", "-f", "null", "-"]
    proc = subprocess.run(command, check=True, capture_output=True, text=True)
    match = re.search(r"mean_volume: (-?[\d.]+) dB", proc.stderr)
    assert match is not None, proc.stderr[-400:]
    return float(match.group(1))


def test_upscale_keeps_the_shot_sound(tmp_path: Path) -> None:
    source = _toned_clip(tmp_path / "draft.mp4")
    out = upscale_mp4(source, tmp_path / "up.mp4", (192, 320), Settings())
    info = probe(out)
    assert (info.width, info.height) == (192, 320)
    assert (info.audio_codec, info.audio_rate, info.audio_channels) == ("aac", 48000, 2)
    assert abs(info.duration - probe(source).duration) <= 1 / info.fps
    assert _mean_volume_db(out) > -40.0  # the tone, not silence


def test_upscale_of_a_silent_draft_stays_silent(tmp_path: Path) -> None:
    source = tmp_path / "silent.mp4"
    command = [
        ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", "testsrc=size=96x160:rate=16:duration=1",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", str(source),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)
    info = probe(upscale_mp4(source, tmp_path / "up.mp4", (192, 320), Settings()))
    assert info.audio_codec is None
