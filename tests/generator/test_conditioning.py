"""The reference-image rule: EXIF-transpose, RGB, scale to cover, center-crop — exact size always."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from reelbot.domain.types import ReferenceRole
from reelbot.generator.conditioning import cover_crop, fit_reference, pipeline_inputs


@pytest.mark.parametrize(
    "size", [(4000, 30), (30, 4000), (1, 1), (17, 999), (144, 256), (256, 144), (1920, 1080), (3, 7)]
)
@pytest.mark.parametrize("target", [(144, 256), (256, 144), (192, 192), (480, 832)])
def test_exact_size_for_any_input_aspect(size: tuple[int, int], target: tuple[int, int]) -> None:
    out = fit_reference(Image.new("RGB", size, (10, 20, 30)), *target)
    assert out.size == target
    assert out.mode == "RGB"


def test_center_crop_keeps_the_middle() -> None:
    # A wide image: left third red, middle third green, right third blue → portrait target.
    pixels = np.zeros((100, 300, 3), dtype=np.uint8)
    pixels[:, :100] = (255, 0, 0)
    pixels[:, 100:200] = (0, 255, 0)
    pixels[:, 200:] = (0, 0, 255)
    out = np.asarray(cover_crop(Image.fromarray(pixels), 50, 100))
    assert out.shape == (100, 50, 3)
    assert (out[..., 1] > 200).all() and (out[..., 0] < 50).all()  # only green survives


def test_same_input_same_output() -> None:
    image = Image.fromarray(np.random.default_rng(1).integers(0, 255, (123, 457, 3), dtype=np.uint8))
    first, second = fit_reference(image, 144, 256), fit_reference(image, 144, 256)
    assert np.array_equal(np.asarray(first), np.asarray(second))


def test_exif_orientation_is_applied() -> None:
    # Stored landscape 200×100 with "rotate 90" (orientation 6): displayed as portrait 100×200.
    image = Image.new("RGB", (200, 100), (0, 0, 0))
    image.paste((255, 255, 255), (0, 0, 100, 100))  # left half white as stored
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes(), quality=95)
    loaded = Image.open(io.BytesIO(buffer.getvalue()))
    out = np.asarray(fit_reference(loaded, 100, 200))
    # After transposing, the stored left half is the displayed top half.
    assert out[:90].mean() > 200 and out[110:].mean() < 50


def test_alpha_becomes_white_and_palette_or_grey_become_rgb() -> None:
    transparent = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    assert np.asarray(fit_reference(transparent, 16, 16)).min() == 255
    for mode in ("L", "P", "CMYK", "LA", "I;16"):
        assert fit_reference(Image.new(mode, (33, 21)), 16, 32).mode == "RGB"


def test_pipeline_inputs_maps_frame_roles_only() -> None:
    first, last, subject = (Image.new("RGB", (300, 100)) for _ in range(3))
    inputs = pipeline_inputs(
        {ReferenceRole.FIRST_FRAME: first, ReferenceRole.LAST_FRAME: last, ReferenceRole.SUBJECT: subject},
        64,
        96,
    )
    assert set(inputs) == {"image", "last_image"}
    assert inputs["image"].size == (64, 96) and inputs["last_image"].size == (64, 96)
