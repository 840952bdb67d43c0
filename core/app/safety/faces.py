"""Face detection on reference images: a face means a real person, who must have consented.

OpenCV's Haar cascades run on a CPU in milliseconds, ship inside the
``opencv-python-headless`` 4.x wheel (``cv2.data.haarcascades``) and need no network, which
is why they were chosen over a neural detector whose weights would have to be downloaded.
Two cascades (frontal, profile) vote; the minimum face size is a fraction of the image's
short side so that tiny background faces in a crowd photo don't trigger consent.

The detector errs on the side of asking: a false positive costs the uploader one click
("I have their consent"); a false negative lets a deepfake through.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from reelbot.domain.errors import InvalidRequest

if TYPE_CHECKING:
    from PIL import Image

MAX_SIDE = 640  # detection runs on a downscaled copy; faces ≥ 6 % of the short side stay findable
CASCADES = ("haarcascade_frontalface_default.xml", "haarcascade_profileface.xml")
SCALE_FACTOR = {"frontalface_default": 1.15, "profileface": 1.2}  # pyramid step: speed vs recall


@dataclass(frozen=True)
class FaceBox:
    """A detected face in the original image's pixel coordinates."""

    x: int
    y: int
    width: int
    height: int
    model: str


_lock = threading.Lock()  # a CascadeClassifier instance is not safe to share across threads
_import_lock = threading.Lock()


def _cv2() -> Any:
    """``import cv2`` one thread at a time: OpenCV's package bootstrap is not thread-safe, and
    the first of 30 simultaneous image submits would otherwise see a half-initialised module
    (``module 'cv2' has no attribute 'data'``)."""
    with _import_lock:
        import cv2
    return cv2


@cache
def _classifiers() -> tuple[tuple[str, Any], ...]:
    cv2 = _cv2()

    loaded = []
    for name in CASCADES:
        folder = str(cv2.data.haarcascades)  # type: ignore[attr-defined]
        classifier = cv2.CascadeClassifier(folder + name)
        if classifier.empty():  # pragma: no cover - a broken OpenCV install
            raise RuntimeError(f"OpenCV face model {name} did not load from {folder}")
        loaded.append((name.removeprefix("haarcascade_").removesuffix(".xml"), classifier))
    return tuple(loaded)


def _open(data: bytes | Image.Image, index: int) -> Image.Image:
    from PIL import Image, UnidentifiedImageError

    if not isinstance(data, bytes | bytearray):
        return data
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except UnidentifiedImageError:
        raise InvalidRequest(
            "safety.face_image_unreadable", index=index, reason="not an image (PNG, JPEG or WebP)"
        ) from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidRequest(
            "safety.face_image_unreadable", index=index, reason=f"damaged or incomplete file ({exc})"
        ) from None
    return image


def detect_faces(
    data: bytes | Image.Image, *, min_fraction: float = 0.06, index: int = 1, first_only: bool = False
) -> list[FaceBox]:
    """Faces in one image (bytes or a decoded PIL image); ``first_only`` stops at the first
    hit (all consent needs), which skips the slower profile passes for frontal faces.

    A file that is not a decodable image raises ``InvalidRequest("safety.face_image_unreadable")``
    naming the image's ``index`` (1-based, as the user counts them).
    """
    import numpy as np

    image = _open(data, index)
    try:
        grey = image.convert("L")
    except (OSError, ValueError) as exc:
        raise InvalidRequest(
            "safety.face_image_unreadable", index=index, reason=f"damaged or incomplete file ({exc})"
        ) from None
    scale = min(1.0, MAX_SIDE / max(grey.size))
    if scale < 1.0:
        grey = grey.resize((max(1, round(grey.width * scale)), max(1, round(grey.height * scale))))
    cv2 = _cv2()

    pixels: Any = cv2.equalizeHist(np.asarray(grey, dtype=np.uint8))
    side = max(24, int(min(pixels.shape) * min_fraction))
    found: list[FaceBox] = []
    with _lock:
        for model, classifier in _classifiers():
            # Profile faces look one way in the cascade's training data: try the mirror too.
            views = (
                [(pixels, False), (pixels[:, ::-1].copy(), True)]
                if model == "profileface"
                else [(pixels, False)]
            )
            for view, mirrored in views:
                boxes = classifier.detectMultiScale(
                    view, scaleFactor=SCALE_FACTOR[model], minNeighbors=6, minSize=(side, side)
                )
                for x, y, w, h in boxes if len(boxes) else ():
                    left = view.shape[1] - x - w if mirrored else x
                    found.append(
                        FaceBox(
                            int(left / scale), int(y / scale), int(w / scale), int(h / scale), model=model
                        )
                    )
                if found and first_only:
                    return found
    return found


def needs_consent(images: Iterable[bytes | Image.Image], *, min_fraction: float = 0.06) -> bool:
    """True when any reference image shows a face (the uploader must then confirm consent)."""
    return any(
        detect_faces(image, min_fraction=min_fraction, index=index, first_only=True)
        for index, image in enumerate(images, start=1)
    )
