"""`reelbot storyboard FILE`: a draft on disk and its path on stdout; bad input is one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from reelbot.cli import app
from reelbot.generator.encode import probe


@pytest.fixture
def env(tmp_path: Path, key_prefix: str) -> dict[str, str]:
    return {
        "REELBOT_DATA_DIR": str(tmp_path / "data"),
        "REELBOT_REDIS_PREFIX": key_prefix,
        "REELBOT_PRESET": "tiny",
        "REELBOT_DEVICE": "cpu",
        "REELBOT_MEDIA_SECRET": "test-secret-0123456789abcdef",
        "COLUMNS": "400",
    }


def test_storyboard_command_writes_a_draft(tmp_path: Path, env: dict[str, str]) -> None:
    board = tmp_path / "board.toml"
    board.write_text('steps = 2\nfps = 8\n[[shots]]\nprompt = "a cat"\nseconds = 0.5\n', encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["storyboard", str(board), "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    draft = Path(result.stdout.strip().splitlines()[-1])
    assert draft == out / "draft.mp4"
    assert probe(draft).num_frames == 5
    assert (out / "contact_sheet.jpg").is_file()


def test_storyboard_command_refuses_clearly(tmp_path: Path, env: dict[str, str]) -> None:
    board = tmp_path / "board.yaml"
    board.write_text("shots:\n- {prompt: a, seconds: 0}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["storyboard", str(board)], env=env)
    assert result.exit_code == 1
    assert "Shot 1" in result.output and "Traceback" not in result.output
    missing = CliRunner().invoke(app, ["storyboard", str(tmp_path / "none.yaml")], env=env)
    assert missing.exit_code == 1 and "can't find the storyboard" in missing.output


CLICKS = "aevalsrc='if(lt(mod(t\\,0.5)\\,0.04)\\,sin(2*PI*1500*t)\\,0)':s=44100:c=mono"  # 120 BPM tone bursts


def srt_spans(path: Path) -> list[tuple[float, float, str]]:
    """(start, end, text) of each SubRip cue."""

    def seconds(stamp: str) -> float:
        hours, minutes, rest = stamp.split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(rest.replace(",", "."))

    cues = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        lines = block.splitlines()
        start, end = (seconds(part.strip()) for part in lines[1].split("-->"))
        cues.append((start, end, " ".join(lines[2:])))
    return cues


def test_storyboard_with_captions_and_a_track_writes_a_short_srt_and_aac(
    tmp_path: Path, env: dict[str, str]
) -> None:
    import json
    import subprocess

    import imageio_ffmpeg

    from reelbot.generator.finish.media import stream_facts

    track = tmp_path / "music" / "clicks.wav"
    track.parent.mkdir()
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            CLICKS,
            "-t",
            "12",
            str(track),
        ],
        check=True,
    )
    board = tmp_path / "board.yaml"
    board.write_text(
        "steps: 2\nfps: 8\naudio: music/clicks.wav\nbeat_snap: true\nburn_captions: false\n"
        "finish: {fps: 24, size: 240x432}\n"
        "shots:\n"
        "- {prompt: a night market, seconds: 1, caption: 夜市的燈亮了}\n"
        "- {prompt: grilled corn, seconds: 1}\n"
        "- {prompt: bubble tea, seconds: 1, caption: Cheers to Friday night!}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["storyboard", str(board), "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()[-3:]
    assert lines == [str(out / "draft.mp4"), str(out / "short.mp4"), str(out / "short.srt")]

    manifest = json.loads((out / "storyboard.json").read_text())
    fps, shot_frames = manifest["fps"], manifest["shot_frames"]
    rendered = [shot["num_frames"] for shot in manifest["shots"]]
    assert manifest["tempo_bpm"] and 100 <= manifest["tempo_bpm"] <= 140
    assert probe(out / "draft.mp4").num_frames == sum(shot_frames)
    # Cuts trimmed back onto the 0.5-s clicks (to the frame), never lengthened, last shot kept.
    cuts = [sum(shot_frames[: i + 1]) / fps for i in range(2)]
    assert all(n <= r for n, r in zip(shot_frames, rendered, strict=True)) and shot_frames[-1] == rendered[-1]
    assert shot_frames != rendered
    assert all(min(c % 0.5, 0.5 - c % 0.5) <= 1 / fps for c in cuts), cuts

    # The .srt carries the captioned shots on their timings in the draft.
    starts = [0.0, *cuts]
    ends = [*cuts, sum(shot_frames) / fps]
    assert srt_spans(out / "short.srt") == [
        (starts[0], ends[0], "夜市的燈亮了"),
        (starts[2], ends[2], "Cheers to Friday night!"),
    ]
    facts = stream_facts(out / "short.mp4")
    assert (facts.width, facts.height, round(facts.fps)) == (240, 432, 24)
    assert (facts.audio_codec, facts.sample_rate, facts.channels) == ("aac", 48_000, 2)
    assert abs(facts.duration - sum(shot_frames) / fps) < 0.1
