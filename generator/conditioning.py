"""THE rule for reference images: how a person's picture becomes a pipeline input.

Every engine goes through :func:`fit_reference`, so the same photo always lands in the
frame the same way, whatever its shape and whichever model renders it:

1. **EXIF-transpose** — phones store portrait photos sideways plus an orientation tag;
   without this a first frame would arrive rotated.
2. **Convert to RGB** — palette, greyscale, CMYK and alpha images become plain RGB (alpha
   is composited on white, so a transparent PNG does not turn black).
3. **Scale to cover** the target width × height, keeping the aspect ratio (Lanczos): the
   image is never stretched and never letter-boxed — black bars would be "conditioning"
   the model to render black bars.
4. **Center-crop** the overflow to exactly width × height.

The result is exactly ``(width, height)`` for every input. The pipelines would resize on
their own, but each would do it differently (Wan stretches); doing it here makes a clip's
first frame predictable and the rule testable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PIL import Image, ImageOps

from reelbot.domain.types import ReferenceRole

# Which pipeline keyword each frame-position role becomes (Wan I2V / FLF2V naming).
ROLE_TO_KWARG: dict[ReferenceRole, str] = {
    ReferenceRole.FIRST_FRAME: "image",
    ReferenceRole.LAST_FRAME: "last_image",
}


def to_rgb(image: Image.Image) -> Image.Image:
    """EXIF-transpose and convert to RGB (alpha composited on white)."""
    image = ImageOps.exif_transpose(image) or image
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def cover_crop(image: Image.Image, width: int, height: int) -> Image.Image:
    """Scale ``image`` to cover width × height, then center-crop to exactly that size."""
    if width <= 0 or height <= 0:
        raise ValueError(f"target size must be positive, got {width}×{height}")
    src_w, src_h = image.size
    scale = max(width / src_w, height / src_h)
    # Round up so the scaled image always covers the target (never one pixel short).
    new_w = max(width, round(src_w * scale + 0.4999))
    new_h = max(height, round(src_h * scale + 0.4999))
    resized = image.resize((new_w, new_h), Image.Resampling.LANCZOS)
    left = (new_w - width) // 2
    top = (new_h - height) // 2
    return resized.crop((left, top, left + width, top + height))


def fit_reference(image: Image.Image, width: int, height: int) -> Image.Image:
    """The whole rule: EXIF-transpose → RGB → scale to cover → center-crop to width × height."""
    return cover_crop(to_rgb(image), width, height)


def pipeline_inputs(
    references: Mapping[ReferenceRole, Image.Image], width: int, height: int
) -> dict[str, Any]:
    """Frame-position references as Wan I2V keyword arguments (``image``, ``last_image``).

    Only frame roles are mapped; subject/style references are the control presets' business
    (VACE ``reference_images``), and routing guarantees a preset never receives a role it
    cannot honour.
    """
    return {
        ROLE_TO_KWARG[role]: fit_reference(image, width, height)
        for role, image in references.items()
        if role in ROLE_TO_KWARG
    }


def fitted_references(
    references: Mapping[ReferenceRole, Image.Image], width: int, height: int
) -> dict[ReferenceRole, Image.Image]:
    """Every reference fitted by the rule, keyed by role (for engines with their own naming)."""
    return {role: fit_reference(image, width, height) for role, image in references.items()}
