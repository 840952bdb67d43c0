"""An Extend is checked before queueing on the request the Extend action submits: from the clip's
last frame, its start and end frames dropped. A clip whose continuation routes to a preset of
another size or fps is refused then, in the user's language, not after a render the stitch
would throw away."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from reelbot.app.actions import clip_actions, get_action
from reelbot.app.remix import check_extension
from reelbot.app.views import ClipView
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.messages import render
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, Origin, Platform, ReferenceImage, ReferenceRole

FIRST, LAST, SUBJECT = ReferenceRole.FIRST_FRAME, ReferenceRole.LAST_FRAME, ReferenceRole.SUBJECT
ALICE = Origin(platform=Platform.CLI, user_id="alice")


def clip_of(preset: str, roles: tuple[ReferenceRole, ...], size: tuple[int, int], fps: int) -> ClipView:
    refs = tuple(ReferenceImage(role=role, sha256=f"{i:064x}") for i, role in enumerate(roles, 1))
    request = GenerationRequest(prompt="a fox", origin=ALICE, preset=preset, references=refs, seed=1)
    return ClipView(
        id=uuid.uuid4(), job_id=uuid.uuid4(), request=request, parent_clip_id=None, remix_kind=None,
        author=ALICE, video_key="clips/x.mp4", thumbnail_key=None, size_bytes=1, width=size[0],
        height=size[1], fps=fps, num_frames=49, duration_s=3.0, created_at=datetime.now(UTC),
        deleted=False, lineage=[],
    )  # fmt: skip


def test_the_check_sees_the_request_the_extend_action_submits() -> None:
    clip = clip_of("wan-2.1-vace-1.3b", (FIRST, LAST, SUBJECT), (480, 832), 16)
    extension = clip.request.extension()
    assert [ref.role for ref in extension.references] == [SUBJECT] and not extension.loop
    assert extension.roles() == {FIRST, SUBJECT}  # the clip's last frame is the first
    derived = get_action("extend").derive(clip, None, _Checked())
    assert derived["references"] == extension.references


def test_an_extend_that_would_render_another_size_is_refused_before_queueing(settings: Settings) -> None:
    """An FLF2V clip (720p, first and last frame) continues from its last frame alone, which only
    the 480p first-frame checkpoint takes: the stitch could never join the two."""
    clip = clip_of("wan-2.1-flf2v-14b-720p", (FIRST, LAST), (720, 1280), 16)
    with pytest.raises(InvalidRequest) as refused:
        check_extension(settings, clip)
    err = refused.value
    assert err.key == "request.extend_other_size"
    assert (err.details["preset"], err.details["child_size"], err.details["parent_size"]) == (
        "wan-2.1-i2v-14b-480p", "480×832", "720×1280",
    )  # fmt: skip
    assert "can't be extended" in render(err.key, "en", **err.details)
    assert "無法延長" in render(err.key, "zh-TW", **err.details)


def test_an_extend_on_the_same_geometry_passes(settings: Settings) -> None:
    check_extension(settings, clip_of("wan-2.1-i2v-14b-480p", (FIRST,), (480, 832), 16))
    check_extension(settings, clip_of("wan-2.1-t2v-1.3b", (), (480, 832), 16))  # → the I2V checkpoint


class _Checked:
    """The one service call the Extend action makes, answered by the real check."""

    def check_extension(self, clip: ClipView) -> None:
        check_extension(Settings(_env_file=None), clip)  # type: ignore[call-arg]


def test_the_extend_button_shows_only_where_an_extend_can_run(settings: Settings) -> None:
    """Under the FLF2V clip no chat shows Extend (every click would be refused); under a clip
    at the length cap it stays, and the click says which limit."""
    flf2v = clip_of("wan-2.1-flf2v-14b-720p", (FIRST, LAST), (720, 1280), 16)
    i2v = clip_of("wan-2.1-i2v-14b-480p", (FIRST,), (480, 832), 16)
    short_cap = settings.limits.model_copy(update={"max_total_seconds": 3.0})  # the clip is 49 frames
    capped = settings.model_copy(update={"limits": short_cap})
    for surface in ("discord", "line"):
        assert "extend" not in [a.name for a in clip_actions(surface, flf2v, settings)]
        assert "extend" in [a.name for a in clip_actions(surface, i2v, settings)]
        assert "extend" in [a.name for a in clip_actions(surface, i2v, capped)]
    with pytest.raises(InvalidRequest) as refused:
        check_extension(capped, i2v)
    assert refused.value.key == "request.extend_too_long"
