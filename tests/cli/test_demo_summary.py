"""The end of ``reelbot demo``: what it made, where to look (a real contact sheet), what next."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from reelbot.cli.demo_summary import REAL_PRESET, SHEET_FRAMES, summary_lines
from reelbot.cli.lang import set_lang
from reelbot.domain.settings import EncodeSettings, Settings
from reelbot.generator.encode import encode_mp4


@dataclass(frozen=True)
class Recipe:
    preset: str | None


@dataclass(frozen=True)
class Clip:
    """The fields of a ClipView the summary reads."""

    id: uuid.UUID
    width: int
    height: int
    request: Recipe


def make_clip(tmp_path: Path) -> Path:
    frames = np.random.default_rng(0).integers(0, 255, size=(9, 64, 32, 3), dtype=np.uint8)
    path = tmp_path / "clip.mp4"
    encode_mp4(frames, 8, path, EncodeSettings())
    return path


def test_tiny_demo_says_what_where_and_next(tmp_path: Path) -> None:
    set_lang("en")
    try:
        settings = Settings(
            _env_file=None, data_dir=tmp_path / "data", media_base_url="http://127.0.0.1:8080"
        )  # type: ignore[call-arg]
        clip = Clip(uuid.uuid4(), 32, 64, Recipe("tiny"))
        path = make_clip(tmp_path)
        lines = summary_lines(settings, clip, path, tmp_path / "thumb.jpg", "a boat's wake")
    finally:
        set_lang(None)
    text = "\n".join(lines)
    assert "random" in lines[0] and "abstract colour fields" in lines[0]
    assert str(path) in text and f"http://127.0.0.1:8080/c/{clip.id}" in text
    sheet = settings.data_dir.resolve() / "demo" / f"{clip.id}-contact.jpg"
    assert str(sheet) in text
    with Image.open(sheet) as image:
        assert image.format == "JPEG" and image.width > 32 * (SHEET_FRAMES // 2)
    assert f"REELBOT_PRESET={REAL_PRESET} reelbot demo 'a boat'\"'\"'s wake'" in lines[-1]


def test_a_real_preset_is_not_called_random(tmp_path: Path) -> None:
    set_lang("zh-TW")
    try:
        settings = Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]
        lines = summary_lines(
            settings,
            Clip(uuid.uuid4(), 32, 64, Recipe(REAL_PRESET)),
            make_clip(tmp_path),
            tmp_path / "t.jpg",
            "海邊",
        )
    finally:
        set_lang(None)
    assert not any("隨機" in line for line in lines)
    assert lines[0].startswith("去看看")
