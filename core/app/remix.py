"""Remixing: a new job derived from a stored clip's recipe by a registered clip action
(:mod:`reelbot.app.actions`), submitted through the same path as any request, so a remix
gets every rule a fresh submission gets. Anyone may remix anyone's clip.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import TYPE_CHECKING, Any

from reelbot.app.actions import get_action
from reelbot.app.views import ClipView, Ticket
from reelbot.domain.errors import InvalidRequest, NotFound
from reelbot.domain.presets import check_extension as check_stitched_length
from reelbot.domain.presets import plan_render, route_request
from reelbot.domain.settings import Settings
from reelbot.domain.types import Origin, RemixKind, SpeedMode, Variation

if TYPE_CHECKING:
    from reelbot.app.service import ReelbotService


def action_for_kind(kind: RemixKind, variation: Variation | None) -> str:
    """The clip action a remix kind names (the older call): a strong Vary is its own action."""
    return "varystrong" if kind is RemixKind.VARY and variation is Variation.STRONG else kind.value


async def start_action(
    service: ReelbotService,
    name: str,
    clip_id: uuid.UUID,
    origin: Origin,
    *,
    idempotency_key: str,
    prompt: str | None,
    speed: SpeedMode | None = None,
) -> Ticket:
    """Look the action up, refuse an unknown one or a deleted clip, and submit the request
    the action derives from the clip (its recipe, the new origin, the lineage).

    The recipe keeps the parent's speed mode (a draft's Re-roll, Vary or Extend is a draft)
    unless ``speed`` picks another; the action then derives from the recipe in that mode (an
    Extend's length check plans it so). Render in quality sets its own mode.
    """
    action = get_action(name)
    if action is None or action.derive is None or action.kind is None:
        raise InvalidRequest("action.unknown", action=name[:32])
    clip = await service.clip(clip_id)
    if clip.deleted:
        raise NotFound("clip.not_found")
    if speed is not None and action.kind is not RemixKind.QUALITY:
        clip = dataclasses.replace(clip, request=clip.request.model_copy(update={"speed": speed}))
    update: dict[str, Any] = {
        "origin": origin,
        "parent_clip_id": clip.id,
        "remix_kind": action.kind,
        "variation": None,
        "variation_salt": 0,
    }
    update.update(action.derive(clip, prompt, service))
    return await service.submit(clip.request.model_copy(update=update), idempotency_key=idempotency_key)


def check_extension(settings: Settings, clip: ClipView) -> None:
    """Refuse, before anything is queued, an Extend past ``limits.max_total_seconds`` (counting
    frames exactly as the stitch will: the seam frame once) or one the stitch would refuse after
    the render: the preset that can continue the clip plans another size or fps (an FLF2V clip
    at 720p continues on the 480p first-frame checkpoint)."""
    request = clip.request.extension()  # what the Extend action submits
    preset = route_request(request, settings)
    plan = plan_render(request, preset, settings.limits, seed=0)
    if (plan.width, plan.height, plan.fps) != (clip.width, clip.height, clip.fps):
        raise InvalidRequest(
            "request.extend_other_size",
            preset=preset.name,
            child_size=f"{plan.width}×{plan.height}",
            child_fps=plan.fps,
            parent_size=f"{clip.width}×{clip.height}",
            parent_fps=clip.fps,
        )
    check_stitched_length(clip.num_frames, plan.num_frames, clip.fps, settings.limits.max_total_seconds)


def can_extend(clip: ClipView, settings: Settings) -> bool:
    """Whether the Extend button belongs under ``clip``: not where :func:`check_extension` would
    always refuse it (another size or fps, or no preset to continue it). A clip at the length
    cap keeps its button; the click says why (its message names the limit)."""
    try:
        check_extension(settings, clip)
    except InvalidRequest as refused:
        return refused.key == "request.extend_too_long"
    return True
