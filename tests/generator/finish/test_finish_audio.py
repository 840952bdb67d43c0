"""Soundtracks through the real ffmpeg: fit to the video, fades, two-pass R128, mix/replace, bad input."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.finish_config import FinishSettings
from reelbot.generator.finish.audio import build_soundtrack, check_track, measure_loudness
from reelbot.generator.finish.media import stream_facts

from .conftest import MakeMedia

FIN = FinishSettings()


def pcm(path: Path) -> np.ndarray:
    """Stereo float samples [N, 2] of a WAV, decoded by ffmpeg."""
    out = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "f32le", "-ac", "2", "pipe:"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(out, dtype=np.float32).reshape(-1, 2)


@pytest.mark.parametrize(
    ("source", "seconds", "video"),
    [
        ("sine=f=330:sample_rate=44100,volume=-30dB", 3.0, 7.0),  # quiet, shorter: looped
        ("anoisesrc=c=pink:a=1:r=32000", 12.0, 6.0),  # loud, longer: trimmed, peaks limited
    ],
)
def test_track_is_fitted_and_normalised(
    make_audio: MakeMedia, tmp_path: Path, source: str, seconds: float, video: float
) -> None:
    track = check_track(make_audio("in.wav", source, seconds), FIN)
    out = build_soundtrack(tmp_path / "track.wav", video, FIN, music=track)
    facts = stream_facts(out)
    assert (facts.sample_rate, facts.channels) == (48_000, 2)
    samples = pcm(out)
    assert abs(len(samples) / 48_000 - video) < 1 / 30  # within one video frame
    loud = measure_loudness(out)
    assert abs(loud.integrated_lufs - FIN.target_lufs) <= 1.0, loud
    assert loud.true_peak_dbtp <= FIN.true_peak_dbtp, loud
    # Faded in and out: the first and last 50 ms are far quieter than the middle.
    rms = lambda a: float(np.sqrt(np.mean(a**2)))  # noqa: E731
    middle = rms(samples[len(samples) // 2 - 2400 : len(samples) // 2 + 2400])
    assert rms(samples[:2400]) < middle / 4 and rms(samples[-2400:]) < middle / 4


def _tone_energy(samples: np.ndarray, freq: float) -> float:
    spectrum = np.abs(np.fft.rfft(samples[:, 0]))
    freqs = np.fft.rfftfreq(len(samples), 1 / 48_000)
    return float(spectrum[np.abs(freqs - freq) < 5].sum() / spectrum.sum())


@pytest.mark.parametrize("mode", ["mix", "replace"])
def test_mix_keeps_the_clips_sound_and_replace_drops_it(
    make_audio: MakeMedia, make_clip: MakeMedia, tmp_path: Path, mode: str
) -> None:
    clip = make_clip("own.mp4", 4.0, tone=1000)
    music = check_track(make_audio("music.wav", "sine=f=300:sample_rate=48000", 8.0), FIN)
    out = build_soundtrack(tmp_path / "t.wav", 4.0, FIN, music=music, clip_with_audio=clip, mode=mode)  # type: ignore[arg-type]
    samples = pcm(out)
    assert _tone_energy(samples, 300) > 0.1
    if mode == "mix":
        assert _tone_energy(samples, 1000) > 0.1
    else:
        assert _tone_energy(samples, 1000) < 0.01


def test_clip_sound_alone_is_normalised(make_clip: MakeMedia, tmp_path: Path) -> None:
    clip = make_clip("own.mp4", 4.0, tone=500)
    out = build_soundtrack(tmp_path / "t.wav", 4.0, FIN, music=None, clip_with_audio=clip)
    assert abs(measure_loudness(out).integrated_lufs - FIN.target_lufs) <= 1.0


def test_not_audio_is_refused(tmp_path: Path, make_clip: MakeMedia) -> None:
    text = tmp_path / "song.mp3"
    text.write_text("this is not an mp3\n" * 100)
    silent_video = make_clip("video.mp4", 1.0)
    for path in (text, silent_video):
        with pytest.raises(InvalidRequest) as info:
            check_track(path, FIN)
        assert info.value.key == "finish.audio_not_audio"
        assert path.name in info.value.render("en") and "mp3" in info.value.render("en")
        assert "音訊檔" in info.value.render("zh-TW")


def test_two_hour_track_is_refused(make_audio: MakeMedia) -> None:
    long = make_audio("long.wav", "sine=f=200:sample_rate=2000", 7200, "-c:a", "pcm_u8")
    with pytest.raises(InvalidRequest) as info:
        check_track(long, FIN)
    assert info.value.key == "finish.audio_too_long"
    assert "7200 s" in info.value.render("en") and "900 s" in info.value.render("en")
    assert "7200 秒" in info.value.render("zh-TW")


def test_zero_second_track_is_refused(make_audio: MakeMedia) -> None:
    empty = make_audio("empty.wav", "anullsrc=r=48000:cl=stereo", 0)
    with pytest.raises(InvalidRequest) as info:
        check_track(empty, FIN)
    assert info.value.key == "finish.audio_empty"
    assert "0 seconds" in info.value.render("en") and "0 秒" in info.value.render("zh-TW")


def test_a_silent_track_stays_silent(make_audio: MakeMedia, tmp_path: Path) -> None:
    silent = check_track(make_audio("silence.wav", "anullsrc=r=44100:cl=mono", 3.0), FIN)
    out = build_soundtrack(tmp_path / "t.wav", 2.0, FIN, music=silent)
    samples = pcm(out)
    assert abs(len(samples) / 48_000 - 2.0) < 1 / 30 and float(np.abs(samples).max()) == 0.0
