"""``reelbot finish`` end to end: a finished file and its .srt, or one line in en / zh-TW and nothing left."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from reelbot.cli import finish
from reelbot.cli.lang import set_lang
from reelbot.generator.encode import probe

from .conftest import MakeMedia


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.chdir(tmp_path)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REELBOT_DATA_DIR", str(tmp_path / "data"))
    set_lang(None)
    app = typer.Typer()
    finish.register(app)
    app.command("noop")(lambda: None)  # two commands: typer keeps `finish` as a subcommand
    return app


def test_finish_with_audio_and_a_burned_caption(
    cli: typer.Typer, make_clip: MakeMedia, make_audio: MakeMedia, tmp_path: Path
) -> None:
    clip = make_clip("c.mp4", 2.0)
    music = make_audio("m.wav", "sine=f=440", 5.0)
    out = tmp_path / "out" / "short.mp4"
    result = CliRunner().invoke(
        cli,
        [
            "finish",
            str(clip),
            "--audio",
            str(music),
            "--caption",
            "夜市的燈亮了",
            "--burn-captions",
            "--fps",
            "24",
            "--size",
            "540x960",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert str(out) in result.output and "ffmpeg Lanczos" in result.output
    assert "altered or synthetic" in result.output  # the YouTube disclosure reminder
    info = probe(out)
    assert (info.width, info.height, info.fps) == (540, 960, 24.0)
    assert "夜市的燈亮了" in out.with_suffix(".srt").read_text("utf-8")


@pytest.mark.parametrize(
    ("lang", "expected"), [("en_US.UTF-8", "not an audio file"), ("zh_TW.UTF-8", "不是可讀取的音訊檔")]
)
def test_bad_audio_is_one_line_in_the_terminals_language(
    cli: typer.Typer,
    make_clip: MakeMedia,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    expected: str,
) -> None:
    monkeypatch.setenv("LANG", lang)
    clip = make_clip("c.mp4", 1.0)
    fake = tmp_path / "song.m4a"
    fake.write_text("hello")
    out_dir = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["finish", str(clip), "--audio", str(fake), "-o", str(out_dir / "s.mp4")]
    )
    assert result.exit_code == 1
    assert expected in result.output and "Traceback" not in result.output
    assert not out_dir.exists() or not list(out_dir.iterdir())


def test_bad_size_and_long_caption(cli: typer.Typer, make_clip: MakeMedia, tmp_path: Path) -> None:
    clip = make_clip("c.mp4", 1.0)
    odd = CliRunner().invoke(cli, ["finish", str(clip), "--size", "1081x1920", "-o", str(tmp_path / "a.mp4")])
    assert odd.exit_code == 1 and "1081x1920" in odd.output
    long = CliRunner().invoke(
        cli, ["finish", str(clip), "--caption", "x" * 5000, "-o", str(tmp_path / "b.mp4")]
    )
    assert long.exit_code == 1 and "5000" in long.output
    assert not (tmp_path / "a.mp4").exists() and not (tmp_path / "b.mp4").exists()


@pytest.mark.parametrize("size", ["32x32", "1080x8192", "4098x1920"])
def test_a_size_outside_what_a_finish_takes_is_refused_like_a_boards(
    cli: typer.Typer, make_clip: MakeMedia, tmp_path: Path, size: str
) -> None:
    """The sides a finish may have (64..4096, even) are the storyboard's rule too: one parser."""
    from reelbot.domain.errors import InvalidRequest
    from reelbot.domain.storyboard import parse_size

    clip, out = make_clip("c.mp4", 1.0), tmp_path / "a.mp4"
    result = CliRunner().invoke(cli, ["finish", str(clip), "--size", size, "-o", str(out)])
    with pytest.raises(InvalidRequest) as board:
        parse_size(size)
    assert result.exit_code == 1 and board.value.render("en") in result.output, result.output
    assert not out.exists()
