"""``reelbot generate … --audio FILE``: the clip, then the finished Short with the track.

The tiny preset renders the clip (real diffusers classes), then the clip is finished in
this process with ``reelbot finish``'s own code: 1080×1920 with an AAC 48 kHz stereo stream
(read back with ffmpeg), the caption's .srt beside it, both paths printed after the clip's.
A track that is not audio (or empty) and a caption over the limit are refused by the
finish's own checks before anything is rendered: one line, exit 1, no file written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reelbot.generator.finish.media import stream_facts
from tests.bots.discord.test_finish_command import empty_wav, sine_wav
from tests.e2e.test_cli import cli_env, run

__all__ = ["cli_env"]  # the fixture, imported for this module's tests


def test_generate_with_audio_writes_the_clip_and_a_finished_short(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    song = tmp_path / "song.wav"
    sine_wav(song, seconds=2.0)
    out = tmp_path / "out" / "boat.mp4"
    code, stdout, stderr = run(
        "generate", "a paper boat", "--seconds", "1", "--seed", "3", "-o", str(out),
        "--audio", str(song), "--audio-mode", "replace", "--caption", "紙船出航",
    )  # fmt: skip
    assert code == 0, stdout + stderr
    short = out.with_name("boat-short.mp4")
    lines = stdout.strip().splitlines()
    assert lines[-3:] == [str(out), str(short), str(short.with_suffix(".srt"))]
    assert not stream_facts(out).has_audio  # the tiny preset's clip is silent …
    facts = stream_facts(short)  # … its Short carries the track
    assert (facts.width, facts.height, facts.audio_codec, facts.sample_rate, facts.channels) == (
        1080,
        1920,
        "aac",
        48000,
        2,
    )
    assert "紙船出航" in short.with_suffix(".srt").read_text(encoding="utf-8")
    assert "declare it as altered or synthetic content" in stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--audio", "notes.mp3"], "notes.mp3 is not an audio file"),
        (["--audio", "empty.wav"], "has no sound in it (0 seconds)"),
        (["--audio", "song.wav", "--audio-mode", "louder"], "louder"),
        (["--caption", "x" * 5000], "5000 characters"),
    ],
)
def test_bad_finish_options_are_refused_before_rendering(
    cli_env: dict[str, str], tmp_path: Path, args: list[str], needle: str
) -> None:
    (tmp_path / "notes.mp3").write_bytes(b"just some notes, not music\n" * 40)
    (tmp_path / "empty.wav").write_bytes(empty_wav())
    sine_wav(tmp_path / "song.wav")
    out = tmp_path / "never.mp4"
    code, stdout, stderr = run("generate", "a paper boat", "--seconds", "1", "-o", str(out), *args)
    assert code == 1, stdout + stderr
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], stderr
    assert "Traceback" not in stdout + stderr
    written = {p.name for p in tmp_path.iterdir()} - {"notes.mp3", "empty.wav", "song.wav"}
    assert not out.exists() and written <= {".env", "data"}, written
