"""Frame-rate conversion to 24/30 fps: ffmpeg motion interpolation, or a learned model.

The models render at 16 fps; a Short plays at 24-60. ``minterpolate`` in motion-
compensated mode (bidirectional motion estimation, overlapped-block compensation) builds
the in-between frames; plain frame repetition would judder. It runs on the *source*
frames, before the upscale, in the same ffmpeg graph: motion vectors found on 480p pixels
are the same ones the upscaled frames would give, at a fifth of the cost.

A learned interpolator (RIFE, FILM) is the operator's: register a function with
:func:`register_interpolator` and name it in ``REELBOT_FINISH__INTERPOLATOR``; it
receives the source clip and writes a clip at the target rate. None ships with reelbot.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reelbot.domain.errors import ReelbotError

MINTERPOLATE = "ffmpeg minterpolate (motion-compensated)"
# (source clip, destination clip, target fps) -> None
Interpolator = Callable[[Path, Path, int], None]
INTERPOLATORS: dict[str, Interpolator] = {}


def register_interpolator(name: str) -> Callable[[Interpolator], Interpolator]:
    """Decorator: make a learned interpolator selectable by ``name``."""

    def add(func: Interpolator) -> Interpolator:
        INTERPOLATORS[name] = func
        return func

    return add


def learned_interpolator(name: str) -> Interpolator:
    """The registered interpolator ``name``, or ``finish.interpolator_unknown``."""
    try:
        return INTERPOLATORS[name]
    except KeyError:
        raise ReelbotError(
            "finish.interpolator_unknown", value=name, choices=", ".join(sorted(INTERPOLATORS)) or "-"
        ) from None


def interpolate_filter(source_fps: float, target_fps: int) -> tuple[str, str]:
    """(filter, method name) converting ``source_fps`` to ``target_fps``.

    Going down (30 → 24) or staying is a plain ``fps`` resample: nothing to invent.
    """
    if source_fps >= target_fps - 0.01:
        return f"fps={target_fps}", f"ffmpeg fps resample ({source_fps:g} → {target_fps})"
    return (
        f"minterpolate=fps={target_fps}:mi_mode=mci:mc_mode=aobmc:me_mode=bidir:vsbmc=1",
        MINTERPOLATE,
    )
