"""Extend seams, the 60-second cap, crossfades and loops (generator/stitch.py), on synthetic
frames where every frame is recognisable and on real tiny-VACE renders."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.messages import render
from reelbot.domain.types import ReferenceRole
from reelbot.generator.presets import LoadContext, RenderJob
from reelbot.generator.stitch import (
    check_extension,
    close_loop,
    crossfade_join,
    crossfade_loop,
    seam_difference,
    step_differences,
    stitch,
)
from reelbot.generator.tiny_vace import VaceEngine, load_tiny_vace


def numbered(start: int, count: int, size: tuple[int, int] = (8, 6)) -> np.ndarray:
    """Frames whose every pixel holds the frame's number: identity is visible in pixel [0, 0]."""
    values = np.arange(start, start + count, dtype=np.uint8)
    return np.broadcast_to(values[:, None, None, None], (count, size[1], size[0], 3)).copy()


def ids(frames: np.ndarray) -> list[int]:
    return [int(v) for v in frames[:, 0, 0, 0]]


def continuation_of(parent: np.ndarray, new: int, start: int) -> np.ndarray:
    """What a conditioned model returns: the parent's last frame first, then ``new − 1`` new ones."""
    return np.concatenate([parent[-1:], numbered(start, new - 1, (parent.shape[2], parent.shape[1]))])


def test_extension_drops_the_repeated_seam_frame() -> None:
    parent = numbered(0, 9)
    continuation = continuation_of(parent, 9, 100)
    out = stitch(parent, continuation, fps=8)
    assert len(out) == len(parent) + len(continuation) - 1
    assert ids(out).count(8) == 1  # the seam frame appears once
    assert ids(out) == [*range(9), *range(100, 108)]


def test_three_level_chain_keeps_every_seam_once() -> None:
    clip = numbered(0, 9)
    lengths = [len(clip)]
    for level, start in enumerate((100, 200), start=1):
        continuation = continuation_of(clip, 9, start)
        seam = ids(clip)[-1]
        clip = stitch(clip, continuation, fps=8)
        lengths.append(len(clip))
        assert ids(clip).count(seam) == 1, f"seam of level {level} duplicated"
    assert lengths == [9, 17, 25]
    assert len(set(ids(clip))) == len(clip)  # no frame twice, none dropped


def test_multi_frame_overlap() -> None:
    parent = numbered(0, 9)
    continuation = np.concatenate([parent[-3:], numbered(50, 6)])
    out = stitch(parent, continuation, fps=8, overlap=3)
    assert ids(out) == [*range(9), *range(50, 56)]


def test_extension_past_sixty_seconds_is_refused() -> None:
    fps = 8
    parent = numbered(0, 1, (4, 4)).repeat(59 * fps, axis=0)  # 59 s
    continuation = numbered(0, 2 * fps + 1, (4, 4))  # 2 s more
    with pytest.raises(InvalidRequest) as info:
        stitch(parent, continuation, fps=fps, max_total_seconds=60.0)
    assert info.value.key == "request.extend_too_long"
    assert info.value.details == {"current": "59.0", "added": "2.0", "limit": "60"}
    assert "60" in info.value.render("en") and "2.0" in info.value.render("en")
    assert "上限" in info.value.render("zh-TW")
    # Exactly 60 s is allowed.
    assert check_extension(59 * fps, fps + 1, fps, 60.0) == 60.0


def test_check_extension_before_rendering() -> None:
    with pytest.raises(InvalidRequest):
        check_extension(parent_frames=57 * 16, new_frames=5 * 16 + 1, fps=16, max_total_seconds=60.0)
    assert check_extension(parent_frames=17, new_frames=17, fps=16, max_total_seconds=60.0) == 33 / 16


def test_stitch_without_fps_checks_sizes_only() -> None:
    parent = numbered(0, 1, (4, 4)).repeat(600, axis=0)
    assert len(stitch(parent, numbered(0, 9, (4, 4)))) == 608
    with pytest.raises(InvalidRequest):
        stitch(parent, numbered(0, 9, (8, 8)))


@pytest.mark.parametrize(
    ("child", "fps", "what"),
    [(numbered(0, 5, (8, 8)), None, "size"), (numbered(0, 5), 16, "fps")],
)
def test_mismatched_segments_are_refused(child: np.ndarray, fps: int | None, what: str) -> None:
    with pytest.raises(InvalidRequest) as info:
        stitch(numbered(0, 5), child, fps=8, continuation_fps=fps)
    assert info.value.key == "extend.mismatch"
    assert info.value.details["what"] == what


def test_crossfade_join_length_and_blend() -> None:
    a = np.full((6, 4, 4, 3), 0, dtype=np.uint8)
    b = np.full((6, 4, 4, 3), 200, dtype=np.uint8)
    out = crossfade_join(a, b, 3)
    assert len(out) == 9
    middle = [int(v) for v in out[3:6, 0, 0, 0]]
    assert middle == [50, 100, 150]
    assert len(crossfade_join(a, b, 0)) == 12


def drifting(count: int) -> np.ndarray:
    """A clip that brightens steadily: its last frame is far from its first (a bad loop)."""
    return numbered(0, count, (8, 8)) * 10


def test_crossfade_loop_bounds_the_seam() -> None:
    frames = drifting(16)
    k = 4
    looped = crossfade_loop(frames, k)
    assert len(looped) == 12
    before, after = seam_difference(frames), seam_difference(looped)
    # Triangle inequality: an ordinary frame step plus 1/(k+1) of the head-to-tail gap.
    bound = step_differences(frames).max() + seam_difference(frames[[0, len(frames) - k]]) / (k + 1) + 1
    assert after <= bound
    assert after < before / 3
    assert before == 150.0


def test_close_loop_keeps_a_clip_that_already_loops() -> None:
    up = numbered(0, 8, (4, 4)) * 10
    already = np.concatenate([up, up[::-1][1:-1]])  # up and back down: last → first is one step
    assert close_loop(already) is already
    assert len(close_loop(drifting(16))) == 12


@pytest.fixture(scope="module")
def vace() -> VaceEngine:
    engine = load_tiny_vace(LoadContext(device="cpu", dtype="float32"))
    assert isinstance(engine, VaceEngine)
    return engine


def vace_job(**overrides: object) -> RenderJob:
    values: dict[str, object] = {
        "prompt": "a dog running on the beach",
        "negative_prompt": "",
        "width": 48,
        "height": 64,
        "num_frames": 9,
        "fps": 8,
        "steps": 2,
        "guidance": 1.0,
        "seed": 11,
    }
    values.update(overrides)
    return RenderJob(**values)  # type: ignore[arg-type]


def test_real_three_level_extension_chain(vace: VaceEngine) -> None:
    clip = vace.render(vace_job(), lambda s, t: True)
    for seed in (12, 13):
        continuation = vace.render(vace_job(seed=seed, context_frames=clip[-1:]), lambda s, t: True)
        assert continuation.shape == (9, 64, 48, 3)
        grown = stitch(clip, continuation, fps=8)
        assert len(grown) == len(clip) + 9 - 1
        assert np.array_equal(grown[: len(clip)], clip)  # the parent is untouched, seam included
        clip = grown
    assert len(clip) == 25


@pytest.mark.parametrize("with_anchor", [True, False])
def test_real_loop_seam_is_bounded(vace: VaceEngine, with_anchor: bool) -> None:
    rng = np.random.default_rng(3)
    anchor = Image.fromarray(rng.integers(0, 256, (64, 48, 3), dtype=np.uint8))
    references = {ReferenceRole.FIRST_FRAME: anchor} if with_anchor else {}
    plain = vace.render(vace_job(num_frames=17, references=references), lambda s, t: True)
    looped = vace.render(vace_job(num_frames=17, references=references, loop=True), lambda s, t: True)
    seam = seam_difference(looped)
    steps = step_differences(looped)
    print(f"loop seam {seam:.2f} vs plain {seam_difference(plain):.2f}; max step {steps.max():.2f}")
    assert seam <= steps.max()
    assert seam < seam_difference(plain)


def test_messages_exist_in_both_locales() -> None:
    fields = {"what": "fps", "parent": 8, "child": 16}
    assert render("extend.mismatch", "en", **fields) != render("extend.mismatch", "zh-TW", **fields)
