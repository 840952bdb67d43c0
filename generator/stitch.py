"""Joining frames: Extend seams, crossfaded loops and storyboard transitions.

All functions work on uint8 ``[F, H, W, 3]`` arrays (what engines return) and never
re-encode; the encoder sees the final frames once.

Extend. A continuation is rendered from the parent's last frame(s) as conditioning, and a
conditioned model reproduces those frames at the start of its output (PLATFORMS.md: "the
output's frame 0 is the decoded conditioning image"). So the continuation's first
``overlap`` frames are the seam and are dropped: the seam frame appears once, and

    len(stitched) == len(parent) + len(continuation) − overlap

Size and fps must match exactly (a stretched seam is worse than a refusal); the total is
capped at ``limits.max_total_seconds`` (60 s by default) with the ``request.extend_too_long`` key
(the service refuses with the same key before queueing).
"""

from __future__ import annotations

import numpy as np

from reelbot.domain.errors import InvalidRequest

# The length check is pure arithmetic the service runs before queueing: it lives in the domain.
from reelbot.domain.presets.sizing import check_extension


def _check_frames(name: str, frames: np.ndarray) -> None:
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8 or len(frames) == 0:
        raise ValueError(f"{name} must be non-empty uint8 [F, H, W, 3], got {frames.dtype} {frames.shape}")


def stitch(
    parent_frames: np.ndarray,
    continuation_frames: np.ndarray,
    *,
    fps: int | None = None,
    continuation_fps: int | None = None,
    overlap: int = 1,
    max_total_seconds: float | None = 60.0,
    colour_match: bool = False,
) -> np.ndarray:
    """Parent + continuation without the continuation's first ``overlap`` (seam) frames.

    ``overlap`` is the number of parent frames the continuation was conditioned on (1 for a
    last-frame continuation). ``colour_match`` (the worker passes
    ``settings.finish.colour_match``, on by default) first grades the continuation onto the
    parent over those overlap frames (CIELAB mean/std, :mod:`reelbot.generator.finish.colour`),
    so a chain of extensions keeps the first segment's colours. Raises
    ``InvalidRequest("extend.mismatch")`` when size or fps differ and, when ``fps`` is given,
    ``InvalidRequest("request.extend_too_long")`` past ``max_total_seconds`` (pass
    ``settings.limits.max_total_seconds``).
    """
    _check_frames("parent_frames", parent_frames)
    _check_frames("continuation_frames", continuation_frames)
    if fps is not None and continuation_fps is not None and continuation_fps != fps:
        raise InvalidRequest("extend.mismatch", what="fps", parent=fps, child=continuation_fps)
    if parent_frames.shape[1:] != continuation_frames.shape[1:]:
        parent_size = f"{parent_frames.shape[2]}×{parent_frames.shape[1]}"
        child_size = f"{continuation_frames.shape[2]}×{continuation_frames.shape[1]}"
        raise InvalidRequest("extend.mismatch", what="size", parent=parent_size, child=child_size)
    if not 0 <= overlap < len(continuation_frames):
        raise ValueError(f"overlap must be in [0, {len(continuation_frames)}), got {overlap}")
    if fps is not None and max_total_seconds is not None:
        check_extension(len(parent_frames), len(continuation_frames), fps, max_total_seconds, overlap=overlap)
    if colour_match and overlap > 0:
        from reelbot.generator.finish.colour import match_continuation

        continuation_frames = match_continuation(parent_frames, continuation_frames, overlap)
    return np.concatenate([parent_frames, continuation_frames[overlap:]], axis=0)


def blend(a: np.ndarray, b: np.ndarray, weight_b: float) -> np.ndarray:
    """(1 − w)·a + w·b in float, rounded back to uint8."""
    mixed = (1.0 - weight_b) * a.astype(np.float32) + weight_b * b.astype(np.float32)
    return np.clip(np.rint(mixed), 0, 255).astype(np.uint8)


def crossfade_join(first: np.ndarray, second: np.ndarray, frames: int) -> np.ndarray:
    """``first`` then ``second`` with their ``frames`` boundary frames crossfaded.

    Result length: len(first) + len(second) − frames (a transition overlaps, it adds no time).
    ``frames == 0`` is a hard cut.
    """
    _check_frames("first", first)
    _check_frames("second", second)
    if first.shape[1:] != second.shape[1:]:
        raise ValueError(f"frame sizes differ: {first.shape[1:]} vs {second.shape[1:]}")
    if frames == 0:
        return np.concatenate([first, second], axis=0)
    if not 0 < frames <= min(len(first), len(second)):
        raise ValueError(f"crossfade of {frames} frames does not fit clips of {len(first)} and {len(second)}")
    head, tail = first[:-frames], first[-frames:]
    mixed = np.stack([blend(tail[i], second[i], (i + 1) / (frames + 1)) for i in range(frames)], axis=0)
    return np.concatenate([head, mixed, second[frames:]], axis=0)


def crossfade_loop(frames: np.ndarray, overlap: int | None = None) -> np.ndarray:
    """A clip that plays seamlessly on repeat, for presets without first = last conditioning.

    The last ``overlap`` frames are faded into the first ``overlap`` ones and removed from the
    end: frame i < overlap becomes a blend of tail frame ``F − overlap + i`` (weight falling
    from ~1 to ~0) and frame i. The new last frame (original ``F − overlap − 1``) is then
    followed, on repeat, by a frame that is mostly original ``F − overlap`` — its natural
    successor — so the seam jumps no more than an ordinary frame step plus 1/(overlap+1) of
    the head-to-tail difference. Default overlap: a quarter of the clip (at least 1).
    Result length: F − overlap.
    """
    _check_frames("frames", frames)
    count = len(frames)
    k = max(1, count // 4) if overlap is None else overlap
    if not 1 <= k <= count // 2:
        raise ValueError(f"loop overlap must be in [1, {count // 2}] for {count} frames, got {k}")
    out = frames[: count - k].copy()
    for i in range(k):
        weight_head = (i + 1) / (k + 1)
        out[i] = blend(frames[count - k + i], frames[i], weight_head)
    return out


# A loop whose seam jumps more than this × the clip's median frame step gets crossfaded.
LOOP_SEAM_TOLERANCE = 1.5


def close_loop(frames: np.ndarray, *, tolerance: float = LOOP_SEAM_TOLERANCE) -> np.ndarray:
    """Return ``frames`` when the last → first jump already looks like an ordinary frame step,
    else :func:`crossfade_loop` them.

    First = last conditioning pins the *input*; whether the decoded last frame really meets
    the first depends on the model (random-weight test models ignore it). Measuring the seam
    makes loops seamless with every preset, and costs nothing when the model did its job.
    """
    steps = step_differences(frames)
    if len(steps) == 0 or seam_difference(frames) <= tolerance * float(np.median(steps)):
        return frames
    return crossfade_loop(frames)


def seam_difference(frames: np.ndarray) -> float:
    """Mean absolute pixel difference (0–255) between the last and the first frame: a loop's seam."""
    _check_frames("frames", frames)
    return float(np.abs(frames[-1].astype(np.int16) - frames[0].astype(np.int16)).mean())


def step_differences(frames: np.ndarray) -> np.ndarray:
    """Mean absolute difference between each pair of consecutive frames (F − 1 values)."""
    _check_frames("frames", frames)
    as_int = frames.astype(np.int16)
    return np.abs(np.diff(as_int, axis=0)).mean(axis=(1, 2, 3))
