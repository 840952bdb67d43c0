"""Music from a description: the ACE-Step pipeline class (diffusers AceStepPipeline) with
tiny random weights, in-process, through a storyboard to a finished Short (no download)."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.settings import Settings
from reelbot.generator.control_draft import render_storyboard
from reelbot.generator.finish.media import stream_facts
from reelbot.generator.finish.music import MUSIC_ENGINES, make_music


def with_engine(settings: Settings, name: str | None) -> Settings:
    return settings.model_copy(update={"finish": settings.finish.model_copy(update={"music_engine": name})})


def test_ace_step_engines_are_registered() -> None:
    assert {"ace-step", "tiny-ace-step"} <= set(MUSIC_ENGINES)


def test_tiny_ace_step_writes_a_cached_48k_stereo_track(settings: Settings) -> None:
    tiny = with_engine(settings, "tiny-ace-step")
    track = make_music("lo-fi hip hop, warm", 1.0, 7, tiny)
    assert not track.cached and track.path.parent == tiny.data_dir / "music"
    with wave.open(str(track.path)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (48_000, 2, 2)
        assert abs(wav.getnframes() / 48_000 - 1.0) < 0.1
    again = make_music("lo-fi hip hop, warm", 1.0, 7, tiny)
    assert again.cached and again.path == track.path
    other = make_music("solo piano", 1.0, 7, tiny)
    assert other.path != track.path


def test_an_unknown_music_engine_is_named(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "board.yaml"
    path.write_text("music: lo-fi\nshots:\n- {prompt: a, seconds: 0.5}\n", encoding="utf-8")
    with pytest.raises(InvalidRequest) as info:
        render_storyboard(path, tmp_path / "out", settings=with_engine(settings, "suno"))
    assert info.value.key == "storyboard.music_engine_unknown"
    assert "tiny-ace-step" in info.value.render("zh-TW")
    assert not (tmp_path / "out").exists()


def test_a_board_with_music_gets_a_short_with_that_soundtrack(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "board.yaml"
    path.write_text(
        "steps: 2\nfps: 8\nmusic: night market lo-fi, warm\nfinish: {fps: 24, size: 240x432}\n"
        "shots:\n- {prompt: lanterns, seconds: 0.5, caption: 夜市}\n- {prompt: corn, seconds: 0.5}\n",
        encoding="utf-8",
    )
    result = render_storyboard(path, tmp_path / "out", settings=with_engine(settings, "tiny-ace-step"))
    assert result.short == tmp_path / "out" / "short.mp4" and result.srt is not None
    facts = stream_facts(result.short)
    assert (facts.audio_codec, facts.sample_rate, facts.channels) == ("aac", 48_000, 2)
    assert len(list((settings.data_dir / "music").glob("*.wav"))) == 1
