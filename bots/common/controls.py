"""The creator controls every chat offers, in one place: words a person picks → request fields.

Discord's /video options and LINE's keywords both map onto these, so "motion: high" means the
same number everywhere. Motion levels sit inside the bands the engines turn into prompt words
(docs/control.md: ≤ 0.45 gentle, > 0.75 fast); camera moves are the domain's
:class:`~reelbot.domain.types.Camera` values with localized labels (``camera.<value>``).
"""

from __future__ import annotations

from reelbot.domain.messages import render
from reelbot.domain.types import Camera, SpeedMode

#: "low" / "high" → GenerationRequest.motion (0–1).
MOTION_LEVELS: dict[str, float] = {"low": 0.3, "high": 0.9}


def camera_label(camera: Camera, locale: str | None) -> str:
    """``pan_left`` → "Pan left" / "鏡頭向左移"."""
    return render(f"camera.{camera.value}", locale)


def speed_label(speed: SpeedMode, locale: str | None) -> str:
    return render(f"speed.{speed.value}", locale)


def camera_choices(current: str, locale: str | None) -> list[tuple[str, str]]:
    """(label, value) of the camera moves whose value or label contains ``current``."""
    needle = current.strip().lower()
    found = []
    for camera in Camera:
        label = camera_label(camera, locale)
        if not needle or needle in camera.value or needle in label.lower():
            found.append((label, camera.value))
    return found
