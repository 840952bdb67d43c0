"""Captions: line breaking (zh-TW and English), SRT from shot timings, burned ASS with the CJK font."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.finish_config import FinishSettings
from reelbot.generator.finish.captions import (
    CJK_FAMILY,
    Cue,
    SafeArea,
    cues_from_shots,
    find_cjk_font,
    parse_srt,
    prepare_burn,
    srt_text,
    wrap_caption,
    write_srt,
)

FIN = FinishSettings()
W, H = 540, 960


def test_chinese_breaks_without_spaces_and_keeps_punctuation_rules() -> None:
    lines = wrap_caption("今天我們一起去台北的夜市吃東西，然後「看電影」好嗎？", 10)
    assert "".join(lines) == "今天我們一起去台北的夜市吃東西，然後「看電影」好嗎？"
    assert all(len(line) <= 11 for line in lines)  # 10 + one hanging closing mark
    assert not any(line[0] in "，。！？」" for line in lines)
    assert not any(line.endswith("「") for line in lines)


def test_english_breaks_at_spaces() -> None:
    lines = wrap_caption("The quick brown fox jumps over the lazy dog near the river bank", 10)
    assert " ".join(lines) == "The quick brown fox jumps over the lazy dog near the river bank"
    assert all(len(line) <= 20 for line in lines)  # 10 full-width units = 20 Latin letters
    assert len(lines) >= 3


def test_srt_carries_the_shot_timings(tmp_path: Path) -> None:
    cues = cues_from_shots([2.5, 3.0, 1.25], ["第一個鏡頭", None, "The end"], FIN)
    path = write_srt(cues, tmp_path / "draft.srt")
    text = path.read_text("utf-8")
    assert text == (
        "1\n00:00:00,000 --> 00:00:02,500\n第一個鏡頭\n\n2\n00:00:05,500 --> 00:00:06,750\nThe end\n"
    )
    assert parse_srt(path, FIN) == cues
    assert [p.name for p in tmp_path.iterdir()] == ["draft.srt"]  # no temp file left


def test_caption_of_5000_characters_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest) as info:
        cues_from_shots([3.0], ["字" * 5000], FIN)
    assert info.value.key == "finish.caption_too_long"
    assert "5000" in info.value.render("en") and "200" in info.value.render("en")
    assert "5000 個字" in info.value.render("zh-TW")
    srt = tmp_path / "long.srt"
    srt.write_text(srt_text([Cue(0, 1, "a" * 5000)]), "utf-8")
    with pytest.raises(InvalidRequest, match="caption_too_long"):
        parse_srt(srt, FIN)


def test_unreadable_srt_is_one_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.srt"
    bad.write_text("hello\nworld\n")
    with pytest.raises(InvalidRequest) as info:
        parse_srt(bad, FIN)
    assert "bad.srt" in info.value.render("en") and "SubRip" in info.value.render("zh-TW")


def burn(tmp_path: Path, text: str | None) -> tuple[np.ndarray, str]:
    """One grey W×H frame with ``text`` burned in (None: no captions), and libass's log."""
    work = tmp_path / f"w{abs(hash(text))}"
    work.mkdir()
    vf = prepare_burn([Cue(0, 2, text)], W, H, work, FIN) if text else "null"
    proc = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "debug",
            "-f",
            "lavfi",
            "-i",
            f"color=c=gray:s={W}x{H}:d=1",
            "-vf",
            vf,
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "pipe:",
        ],
        capture_output=True,
        check=True,
        cwd=work,
    )
    return np.frombuffer(proc.stdout, np.uint8).reshape(H, W, 3).astype(int), proc.stderr.decode(
        "utf-8", "replace"
    )


def test_burned_zh_tw_caption_is_drawn_with_the_cjk_font_inside_the_safe_area(tmp_path: Path) -> None:
    font = find_cjk_font(FIN)
    assert "CJK" in font.name
    plain, _ = burn(tmp_path, None)
    first, log = burn(tmp_path, "你好，世界")
    second, _ = burn(tmp_path, "天氣很好喔")
    # libass picked the Traditional Chinese face of the CJK collection, from our one-font folder.
    assert f"fontselect: ({CJK_FAMILY}, 400, 0) -> NotoSansCJKtc" in log or CJK_FAMILY in log
    assert "fontselect" in log and "NotoSansCJKtc" in log
    ink = np.abs(first - plain).sum(axis=-1) > 60
    assert ink.sum() > 500  # something was drawn
    # Not tofu: every missing glyph is the same box, so two different texts would match.
    other = np.abs(second - plain).sum(axis=-1) > 60
    assert (ink ^ other).sum() > 0.3 * ink.sum()
    # Inside the 9:16 safe area: above the bottom UI, left of the right-hand buttons.
    area = SafeArea(W, H)
    rows, cols = np.nonzero(ink)
    assert rows.max() < H - area.bottom and cols.max() < W - area.right and cols.min() >= area.left // 2
    assert rows.min() > H // 2  # a caption, low in the frame


def test_configured_font_that_is_missing_is_a_clear_error(tmp_path: Path) -> None:
    settings = FinishSettings(font_file=tmp_path / "nope.ttf")
    with pytest.raises(Exception) as info:
        find_cjk_font(settings)
    assert "fonts-noto-cjk" in info.value.render("en")  # type: ignore[attr-defined]
