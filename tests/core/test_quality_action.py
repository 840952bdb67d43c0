"""Render in quality, as data: when it is shown, and the request it derives (same recipe)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from reelbot.app.actions import clip_actions, get_action
from reelbot.app.actions.quality import rendered_mode, shown_for
from reelbot.app.views import ClipView
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, Origin, Platform, RemixKind, SpeedMode, Variation

ORIGIN = Origin(platform=Platform.DISCORD, user_id="1", channel_id="2")


def clip(**request: object) -> ClipView:
    fields: dict[str, object] = {"prompt": "a kite", "origin": ORIGIN, "preset": "tiny", "seed": 5, **request}
    recipe = GenerationRequest(**fields)  # type: ignore[arg-type]
    now = datetime.now(UTC)
    return ClipView(
        id=uuid.uuid4(),
        job_id=uuid.uuid4(),
        request=recipe,
        parent_clip_id=recipe.parent_clip_id,
        remix_kind=recipe.remix_kind,
        author=ORIGIN,
        video_key="v",
        thumbnail_key=None,
        size_bytes=1,
        width=144,
        height=256,
        fps=8,
        num_frames=9,
        duration_s=1.1,
        created_at=now,
        deleted=False,
        lineage=[],
    )


def derive(view: ClipView, settings: Settings) -> dict[str, object]:
    action = get_action("quality")
    assert action is not None and action.derive is not None
    return dict(action.derive(view, None, SimpleNamespace(settings=settings)))  # type: ignore[arg-type]


def test_shown_for_faster_modes_and_the_server_default() -> None:
    quality, draft_default = Settings(), Settings(engine={"speed": "draft"})  # type: ignore[arg-type]
    assert shown_for(clip(speed=SpeedMode.DRAFT), quality)
    assert shown_for(clip(speed=SpeedMode.BALANCED), quality)
    assert not shown_for(clip(speed=SpeedMode.QUALITY), draft_default)
    assert not shown_for(clip(), quality) and shown_for(clip(), draft_default)  # None: the server's
    assert rendered_mode(clip(preset="no-such-preset"), quality) is None
    extension = clip(speed=SpeedMode.DRAFT, remix_kind=RemixKind.EXTEND, parent_clip_id=uuid.uuid4())
    assert not shown_for(extension, quality)
    names = [a.name for a in clip_actions("discord", clip(speed=SpeedMode.DRAFT), quality)]
    assert "quality" in names
    assert "quality" not in [a.name for a in clip_actions("line", clip(speed=SpeedMode.QUALITY), quality)]
    assert "quality" in [a.name for a in clip_actions("line")]  # no clip: the whole registry


def test_the_derived_request_keeps_the_recipe() -> None:
    settings = Settings()
    vary_draft = clip(
        speed=SpeedMode.DRAFT, steps=4, guidance=1.0, variation=Variation.STRONG, variation_salt=2
    )
    assert derive(vary_draft, settings) == {
        "speed": SpeedMode.QUALITY,
        "variation": Variation.STRONG,
        "variation_salt": 2,
        "steps": None,  # draft's fixed 4 steps / guidance 1 are not quality's
        "guidance": None,
    }
    balanced = derive(clip(speed=SpeedMode.BALANCED, steps=20), settings)
    assert balanced["speed"] is SpeedMode.QUALITY and "steps" not in balanced  # same schedule kept
    with pytest.raises(InvalidRequest) as info:
        derive(clip(speed=SpeedMode.QUALITY), settings)
    assert info.value.key == "action.quality_not_faster"
