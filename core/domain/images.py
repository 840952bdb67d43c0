"""Reference-image intake: every uploaded image passes here before it is stored.

Untrusted bytes from chat platforms are checked in an order that never decodes a hostile
file: byte size first, then the header (format and dimensions, which Pillow reads without
decoding pixels — a 40,000×40,000 PNG "bomb" is refused here), then a full decode to catch
truncated or corrupt files. That decode is bounded: a JPEG is decoded in draft mode (libjpeg's
DCT scaling, 1/8 of each side), so a header claiming 6000×6000 costs a few MB, not 108 MB.

:func:`intake_image` is the one entry the service uses: it also applies the EXIF Orientation
tag once, so face detection, the content hash, storage and the render all see the picture the
way people see it (a phone photo saved sideways with a "rotate 90°" tag).
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.settings import Limits

if TYPE_CHECKING:
    from PIL import Image

# Pillow is imported inside each function, on the first image: a bot process that never
# receives a picture does not carry it (docs/architecture.md, "What a bot process loads").

ALLOWED_FORMATS: dict[str, str] = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
MiB = 1024 * 1024


@dataclass(frozen=True)
class ImageInfo:
    mime: str
    width: int
    height: int
    size_bytes: int


def inspect_image(data: bytes, limits: Limits) -> ImageInfo:
    """Validate an uploaded image; raise :class:`InvalidRequest` with a message key if unfit."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > limits.max_reference_bytes:
        raise InvalidRequest(
            "image.too_large_bytes",
            size_mb=f"{len(data) / MiB:.1f}",
            limit_mb=f"{limits.max_reference_bytes / MiB:.0f}",
        )
    with warnings.catch_warnings():
        # Pillow warns (and past 2x raises) on huge images; we decide ourselves below.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as header:
                fmt, (width, height) = header.format, header.size
        except Image.DecompressionBombError as exc:
            # Pillow refuses past 2× its own limit before we see the size; its message has the count.
            found = re.search(r"\((\d+) pixels\)", str(exc))
            raise too_many_pixels(int(found.group(1)) if found else 0, limits) from None
        except (UnidentifiedImageError, OSError, ValueError):
            raise InvalidRequest("image.not_an_image") from None
        if fmt not in ALLOWED_FORMATS:
            raise InvalidRequest("image.not_an_image")
        if width * height > limits.max_reference_pixels:
            raise too_many_pixels(width * height, limits)
        if min(width, height) < limits.min_reference_side:
            raise InvalidRequest(
                "image.too_small", width=width, height=height, minimum=limits.min_reference_side
            )
        try:
            with Image.open(io.BytesIO(data)) as full:
                full.draft("RGB", (max(1, width // 8), max(1, height // 8)))  # JPEG only; bounded
                full.load()  # decodes every (scaled) pixel: truncated data raises here
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            raise InvalidRequest("image.truncated") from None
    return ImageInfo(mime=ALLOWED_FORMATS[fmt], width=width, height=height, size_bytes=len(data))


EXIF_ORIENTATION = 0x0112
_SAVE_OPTIONS: dict[str, dict[str, object]] = {"JPEG": {"quality": 95}, "WEBP": {"quality": 95}, "PNG": {}}


def intake_image(data: bytes, limits: Limits) -> tuple[bytes, ImageInfo]:
    """Validate an upload and apply its EXIF orientation once: the bytes to hash, store and
    check for faces, and their facts. An image without a rotation tag is returned unchanged
    (byte for byte, so its hash stays the same); a rotated one is re-encoded upright in its
    own format with the tag removed."""
    from PIL import Image, ImageOps

    info = inspect_image(data, limits)
    with Image.open(io.BytesIO(data)) as header:
        orientation = header.getexif().get(EXIF_ORIENTATION, 1)
        fmt = header.format or "PNG"
    if orientation in (None, 1):
        return data, info
    with Image.open(io.BytesIO(data)) as img:
        upright = ImageOps.exif_transpose(img)  # decodes in full: bounded by the pixel check above
        out = io.BytesIO()
        if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        upright.save(out, format=fmt, **_SAVE_OPTIONS.get(fmt, {}))
    fixed = out.getvalue()
    width, height = upright.size
    return fixed, ImageInfo(mime=info.mime, width=width, height=height, size_bytes=len(fixed))


def too_many_pixels(pixels: int, limits: Limits) -> InvalidRequest:
    return InvalidRequest(
        "image.too_many_pixels",
        megapixels=f"{pixels / 1e6:,.0f}",
        limit_mp=f"{limits.max_reference_pixels / 1e6:.0f}",
    )


def open_image(data: bytes) -> Image.Image:
    """Decode bytes already accepted by :func:`inspect_image` into an RGB image."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        img.load()
        return img.convert("RGB")
