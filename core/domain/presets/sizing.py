"""From a request to exact numbers: width, height, frame count, fps, steps, guidance, speed mode.

Models are strict about shapes (Wan: sides divisible by 16, frames 4k+1; LTX-Video: ÷32,
8k+1). The pipelines would silently round on their own; planning here instead means the
service can refuse a bad request before anything is queued, and the clip a person gets has
exactly the size and length the plan promised. Pure arithmetic: the bots and the service
import it without the generator.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.presets.spec import PresetSpec
from reelbot.domain.types import Aspect, GenerationRequest, SpeedMode

if TYPE_CHECKING:
    from reelbot.domain.settings import Limits


@dataclass(frozen=True)
class RenderPlan:
    """The numbers one pass renders with; ``seconds`` is what the frame count really lasts."""

    width: int
    height: int
    num_frames: int
    fps: int
    steps: int
    guidance: float
    seconds: float
    seed: int
    speed: SpeedMode = SpeedMode.QUALITY

    def matching(self, *, width: int, height: int) -> RenderPlan:
        """This plan at another frame size (an Extend must match its parent's pixels exactly)."""
        return replace(self, width=width, height=height)


def round_to_multiple(value: float, multiple: int) -> int:
    """Nearest multiple of ``multiple`` (at least one multiple)."""
    return max(multiple, round(value / multiple) * multiple)


def frame_size(aspect: Aspect, base_size: tuple[int, int], multiple: int) -> tuple[int, int]:
    """(width, height) for ``aspect`` from the preset's (long, short) base size.

    Portrait and landscape use the base size as is (short × long / long × short: the sizes
    the checkpoint was trained at, e.g. 480×832 for Wan 480p); a square keeps about the
    same pixel count (side = √(long·short)), so its render cost stays the same.
    """
    long_side, short_side = base_size
    ratio = aspect.ratio
    if math.isclose(ratio, 1.0):
        side = round_to_multiple(math.sqrt(long_side * short_side), multiple)
        return side, side
    long_px, short_px = round_to_multiple(long_side, multiple), round_to_multiple(short_side, multiple)
    return (short_px, long_px) if ratio < 1 else (long_px, short_px)


def frame_count(seconds: float, fps: int, frame_step: int) -> int:
    """seconds × fps rounded to the nearest ``frame_step·k + 1`` with k ≥ 1."""
    steps = max(1, round((seconds * fps - 1) / frame_step))
    return frame_step * steps + 1


def speed_refusal(preset: str, mode: str, offered: Iterable[SpeedMode]) -> InvalidRequest:
    """The one refusal of a mode ``preset`` does not offer (``mode`` as asked), naming what it does."""
    choices = ", ".join(m.value for m in offered) or "-"
    return InvalidRequest("request.speed_unsupported", preset=preset, mode=mode, choices=choices)


def resolve_speed(
    requested: SpeedMode | None, preset: PresetSpec, default: SpeedMode | str = SpeedMode.QUALITY
) -> SpeedMode:
    """The mode a request runs in: the one asked for (refused if the preset lacks it — never a
    silent downgrade), else the server default where the preset has it, else quality."""
    if requested is not None:
        if requested not in preset.modes:
            raise speed_refusal(preset.name, requested.value, preset.modes)
        return requested
    fallback = SpeedMode(default)
    return fallback if fallback in preset.modes else SpeedMode.QUALITY


def _check_duration(seconds: float, fps: int, preset: PresetSpec, limits: Limits) -> None:
    if not math.isfinite(seconds) or not limits.min_seconds <= seconds <= limits.max_seconds:
        raise InvalidRequest(
            "request.seconds_invalid", minimum=limits.min_seconds, maximum=limits.max_seconds, value=seconds
        )
    if not limits.min_fps <= fps <= limits.max_fps:
        raise InvalidRequest("request.fps_invalid", minimum=limits.min_fps, maximum=limits.max_fps, value=fps)
    if seconds > preset.max_seconds_per_pass:
        raise InvalidRequest(
            "request.seconds_needs_extend",
            preset=preset.name,
            maximum=preset.max_seconds_per_pass,
            value=seconds,
        )


def plan_render(
    request: GenerationRequest,
    preset: PresetSpec,
    limits: Limits,
    *,
    seed: int,
    default_speed: SpeedMode | str = SpeedMode.QUALITY,
) -> RenderPlan:
    """Size one pass of ``request`` on ``preset``, or raise InvalidRequest with the reason.

    Seconds and fps default to the preset's; both are checked against ``limits`` (keys
    request.seconds_invalid / request.fps_invalid). A duration beyond what the preset makes
    in one pass is refused with request.seconds_needs_extend, which points to Extend. Steps
    and guidance come from the speed mode; a distilled mode (``fixed_steps``) keeps its own
    (its weights were trained for them), others take the request's when given.
    """
    seconds = preset.default_seconds if request.seconds is None else request.seconds
    fps = preset.default_fps if request.fps is None else request.fps
    _check_duration(seconds, fps, preset, limits)
    speed = resolve_speed(request.speed, preset, default_speed)
    mode = preset.modes[speed]
    steps = mode.steps if mode.fixed_steps or request.steps is None else request.steps
    guidance = mode.guidance if mode.fixed_steps or request.guidance is None else request.guidance
    width, height = frame_size(request.aspect, preset.base_size, preset.size_multiple)
    num_frames = frame_count(seconds, fps, preset.frame_step)
    return RenderPlan(
        width=width,
        height=height,
        num_frames=num_frames,
        fps=fps,
        steps=steps,
        guidance=guidance,
        seconds=num_frames / fps,
        seed=seed,
        speed=speed,
    )


def seconds_of(num_frames: int, fps: int) -> float:
    """How long ``num_frames`` last at ``fps`` (the encoder's definition: frames / fps)."""
    return num_frames / fps


def check_extension(
    parent_frames: int, new_frames: int, fps: int, max_total_seconds: float, *, overlap: int = 1
) -> float:
    """Refuse an Extend that would pass ``max_total_seconds``; return the stitched length in seconds.

    Call it before queueing (the service knows the parent's frame count and the plan's) and
    again when stitching, so nothing is rendered for a request that will be refused.
    """
    total = seconds_of(parent_frames + new_frames - overlap, fps)
    if total > max_total_seconds + 1e-9:
        # The service's submit-time check uses the same key, so the person reads one message.
        raise InvalidRequest(
            "request.extend_too_long",
            current=f"{seconds_of(parent_frames, fps):.1f}",
            added=f"{total - seconds_of(parent_frames, fps):.1f}",
            limit=f"{max_total_seconds:.0f}",
        )
    return total
