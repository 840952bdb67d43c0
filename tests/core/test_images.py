"""Reference-image intake refuses hostile or broken files before decoding them."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.images import inspect_image
from reelbot.domain.settings import Limits

from ..imagefiles import png_bytes, png_header_only


def reason(data: bytes, limits: Limits | None = None) -> str:
    with pytest.raises(InvalidRequest) as info:
        inspect_image(data, limits or Limits())
    return info.value.key


def test_accepts_a_real_png_and_reports_its_facts() -> None:
    info = inspect_image(png_bytes(64, 48), Limits())
    assert (info.mime, info.width, info.height) == ("image/png", 64, 48)


def test_text_file_named_png_is_not_an_image() -> None:
    assert reason(b"hello, I am a text file pretending to be a PNG\n") == "image.not_an_image"


def test_truncated_png_is_refused() -> None:
    data = png_bytes(256, 256)
    assert reason(data[: len(data) // 2]) == "image.truncated"


def test_decompression_bomb_is_refused_from_the_header() -> None:
    assert reason(png_header_only(40_000, 40_000)) == "image.too_many_pixels"


def test_oversized_bytes_are_refused_before_parsing() -> None:
    limits = Limits(max_reference_bytes=2048)
    assert reason(b"\x89PNG" + b"\0" * 4096, limits) == "image.too_large_bytes"


def test_gif_is_not_an_accepted_format() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (32, 32)).save(buf, "GIF")
    assert reason(buf.getvalue()) == "image.not_an_image"


def test_refusal_reads_well_in_both_languages() -> None:
    with pytest.raises(InvalidRequest) as info:
        inspect_image(png_header_only(40_000, 40_000), Limits())
    assert "1,600 megapixels" in info.value.render("en")
    assert "百萬像素" in info.value.render("zh-TW")


def test_large_but_not_pillow_bomb_is_refused_by_our_limit() -> None:
    # 8,000×6,000 = 48 MP: below Pillow's own bomb threshold, above ours (40 MP).
    assert reason(png_header_only(8_000, 6_000)) == "image.too_many_pixels"
