"""The encoder with the real ffmpeg from imageio-ffmpeg: h264/yuv420p, faststart, comment, cap."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reelbot.domain.settings import EncodeSettings
from reelbot.generator.encode import (
    AI_COMMENT,
    EncodeError,
    decode_frames,
    encode_mp4,
    probe,
    top_level_boxes,
    write_thumbnail,
)


def moving_gradient(frames: int, height: int, width: int) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width]
    out = np.empty((frames, height, width, 3), dtype=np.uint8)
    for i in range(frames):
        out[i, ..., 0] = (x * 255 // max(1, width - 1) + i * 8) % 256
        out[i, ..., 1] = (y * 255 // max(1, height - 1)) % 256
        out[i, ..., 2] = 128
    return out


def test_clip_is_h264_yuv420p_faststart_with_comment(tmp_path: Path) -> None:
    frames = moving_gradient(9, 256, 144)
    result = encode_mp4(frames, 8, tmp_path / "clips" / "a.mp4", EncodeSettings(), title="雨中的貓 cat")
    assert result.path == tmp_path / "clips" / "a.mp4" and result.attempts == 1
    info = probe(result.path)
    assert (info.codec, info.pix_fmt) == ("h264", "yuv420p")
    assert (info.width, info.height, info.num_frames) == (144, 256, 9)
    assert info.fps == 8.0 and info.duration == pytest.approx(9 / 8, abs=0.02)
    assert info.comment == AI_COMMENT
    assert info.title == "雨中的貓 cat"
    assert info.moov_before_mdat
    boxes = top_level_boxes(result.path)
    assert boxes.index("moov") < boxes.index("mdat")
    assert info.size_bytes == result.size_bytes == result.path.stat().st_size
    # Nothing but the clip is left in the folder (the temp file was renamed).
    assert [p.name for p in result.path.parent.iterdir()] == ["a.mp4"]


def test_decoded_frames_match_the_input(tmp_path: Path) -> None:
    frames = moving_gradient(5, 64, 96)
    path = encode_mp4(frames, 8, tmp_path / "b.mp4", EncodeSettings(crf=10)).path
    decoded = decode_frames(path)
    assert decoded.shape == frames.shape and decoded.dtype == np.uint8
    assert np.abs(decoded.astype(int) - frames.astype(int)).mean() < 6
    assert np.array_equal(decode_frames(path, last=2), decoded[-2:])


def test_odd_sizes_are_padded_to_even(tmp_path: Path) -> None:
    frames = moving_gradient(5, 63, 97)
    info = probe(encode_mp4(frames, 8, tmp_path / "odd.mp4", EncodeSettings()).path)
    assert (info.width, info.height) == (98, 64)
    assert info.pix_fmt == "yuv420p"


def test_size_cap_forces_a_reencode_under_the_cap(tmp_path: Path) -> None:
    noise = np.random.default_rng(0).integers(0, 256, (24, 192, 192, 3), dtype=np.uint8)
    uncapped = encode_mp4(noise, 8, tmp_path / "big.mp4", EncodeSettings())
    cap = 64 * 1024
    assert uncapped.size_bytes > cap, "the test clip must start over the cap"
    capped = encode_mp4(noise, 8, tmp_path / "capped.mp4", EncodeSettings(max_bytes=cap))
    assert capped.attempts >= 2 and capped.bitrate_kbps is not None
    assert capped.size_bytes <= cap
    info = probe(capped.path)
    assert info.num_frames == 24 and info.comment == AI_COMMENT and info.moov_before_mdat


def test_bad_input_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(EncodeError) as info:
        encode_mp4(np.zeros((0, 16, 16, 3), np.uint8), 8, tmp_path / "x.mp4", EncodeSettings())
    assert info.value.key == "encode.no_frames"
    with pytest.raises(ValueError, match="uint8"):
        encode_mp4(np.zeros((2, 16, 16, 3), np.float32), 8, tmp_path / "x.mp4", EncodeSettings())
    assert list(tmp_path.iterdir()) == []


def test_probe_refuses_a_non_video(tmp_path: Path) -> None:
    bogus = tmp_path / "not.mp4"
    bogus.write_bytes(b"hello, not a video")
    with pytest.raises(EncodeError) as info:
        probe(bogus)
    assert info.value.key == "encode.failed"


def test_thumbnail_is_a_jpeg_of_the_requested_width(tmp_path: Path) -> None:
    frame = moving_gradient(1, 256, 144)[0]
    path = write_thumbnail(frame, tmp_path / "t" / "thumb.jpg", 72)
    with Image.open(path) as image:
        assert image.format == "JPEG"
        assert image.size == (72, 128)
    assert [p.name for p in path.parent.iterdir()] == ["thumb.jpg"]


def test_clip_that_cannot_fit_the_cap_fails_clearly_after_two_reencodes(tmp_path: Path) -> None:
    # Two frames of full-resolution noise: even x264's coarsest quantiser cannot reach 64 KiB.
    noise = np.random.default_rng(0).integers(0, 256, (2, 1024, 1024, 3), dtype=np.uint8)
    with pytest.raises(EncodeError) as info:
        encode_mp4(noise, 8, tmp_path / "huge.mp4", EncodeSettings(max_bytes=64 * 1024))
    err = info.value
    assert err.key == "encode.too_large"
    assert err.details["limit_mb"] == 0.06 and err.details["size_mb"] > 0.06
    assert "MB" in err.render("en") and "MB" in err.render("zh-TW")
    assert list(tmp_path.iterdir()) == [], "no half-written or temp file stays behind"
