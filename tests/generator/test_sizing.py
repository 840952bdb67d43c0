"""Aspect/duration/fps → sizes divisible by the model's multiple and frames = step·k + 1."""

from __future__ import annotations

import pytest

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.messages import CATALOGUE, render
from reelbot.domain.presets import PRESETS, RenderPlan, frame_count, get_preset, plan_render
from reelbot.domain.settings import Limits
from reelbot.domain.types import Aspect, GenerationRequest, Origin, Platform
from reelbot.generator.presets import render_job

MY_PRESETS = {
    "tiny",
    "wan-2.1-t2v-1.3b",
    "wan-2.1-i2v-14b-480p",
    "wan-2.1-flf2v-14b-720p",
    "wan-2.2-ti2v-5b",
    "ltx-video",
}
ORIGIN = Origin(platform=Platform.CLI, user_id="tester")


def request(**fields: object) -> GenerationRequest:
    fields.setdefault("prompt", "a cat")
    return GenerationRequest(origin=ORIGIN, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(PRESETS))
@pytest.mark.parametrize("aspect", list(Aspect))
def test_every_aspect_on_every_preset(name: str, aspect: Aspect) -> None:
    preset = get_preset(name)
    plan = plan_render(request(aspect=aspect), preset, Limits(), seed=5)
    assert plan.width % preset.size_multiple == 0 and plan.height % preset.size_multiple == 0
    assert (plan.num_frames - 1) % preset.frame_step == 0 and plan.num_frames >= preset.frame_step + 1
    if aspect is Aspect.PORTRAIT:
        assert plan.height > plan.width
    elif aspect is Aspect.LANDSCAPE:
        assert plan.width > plan.height
    else:
        assert plan.width == plan.height
    if aspect is Aspect.LANDSCAPE:
        assert (plan.width, plan.height) == preset.base_size  # trained sizes are used as they are
    if name in MY_PRESETS:
        assert abs(plan.width / plan.height - aspect.ratio) < 0.12
    assert plan.fps == preset.default_fps and plan.steps == preset.default_steps
    assert plan.seed == 5


def test_tiny_default_plan_is_one_second_portrait() -> None:
    plan = plan_render(request(), get_preset("tiny"), Limits(), seed=1)
    assert plan == RenderPlan(
        width=144, height=256, num_frames=9, fps=8, steps=4, guidance=5.0, seconds=9 / 8, seed=1
    )
    square = plan_render(request(aspect=Aspect.SQUARE), get_preset("tiny"), Limits(), seed=1)
    assert (square.width, square.height) == (192, 192)


def test_wan_sizes() -> None:
    plan = plan_render(request(seconds=5.0), get_preset("wan-2.1-t2v-1.3b"), Limits(), seed=1)
    assert (plan.width, plan.height, plan.num_frames) == (480, 832, 81)
    ti2v = plan_render(
        request(seconds=5.0, aspect=Aspect.LANDSCAPE), get_preset("wan-2.2-ti2v-5b"), Limits(), seed=1
    )
    assert (ti2v.width, ti2v.height, ti2v.num_frames) == (1280, 704, 121)


@pytest.mark.parametrize(
    ("seconds", "fps", "step", "frames"),
    [
        (1.0, 8, 4, 9),
        (0.5, 8, 4, 5),
        (0.1, 8, 4, 5),
        (2.0, 16, 4, 33),
        (1.1, 16, 4, 17),
        (5.0, 24, 8, 121),
        (1.0, 24, 8, 25),
        (3.0, 10, 4, 29),
    ],
)
def test_frame_count_rounds_to_nearest_step(seconds: float, fps: int, step: int, frames: int) -> None:
    assert frame_count(seconds, fps, step) == frames


def test_request_overrides() -> None:
    req = request(seconds=2.0, fps=12, steps=9, guidance=1.5)
    plan = plan_render(req, get_preset("tiny"), Limits(), seed=3)
    assert (plan.num_frames, plan.fps, plan.steps, plan.guidance) == (25, 12, 9, 1.5)
    assert plan.seconds == pytest.approx(25 / 12)


@pytest.mark.parametrize("seconds", [0.1, 11.0, float("nan")])
def test_seconds_out_of_limits(seconds: float) -> None:
    with pytest.raises(InvalidRequest) as info:
        plan_render(request(seconds=seconds), get_preset("tiny"), Limits(), seed=1)
    assert info.value.key == "request.seconds_invalid"
    assert info.value.details["maximum"] == 10.0


@pytest.mark.parametrize("fps", [1, 60])
def test_fps_out_of_limits(fps: int) -> None:
    with pytest.raises(InvalidRequest) as info:
        plan_render(request(fps=fps), get_preset("tiny"), Limits(), seed=1)
    assert info.value.key == "request.fps_invalid"
    assert info.value.details["value"] == fps


def test_longer_than_one_pass_points_to_extend() -> None:
    with pytest.raises(InvalidRequest) as info:
        plan_render(request(seconds=8.0), get_preset("wan-2.1-t2v-1.3b"), Limits(), seed=1)
    err = info.value
    assert err.key == "request.seconds_needs_extend"
    assert "Extend" in render(err.key, "en", **err.details)
    assert "延長" in render(err.key, "zh-TW", **err.details)  # the Extend button's label


def test_generator_message_keys_exist_in_both_locales() -> None:
    for key in (
        "request.seconds_needs_extend",
        "encode.too_large",
        "generator.load_failed",
        "generator.gpu_required",
        "encode.failed",
        "encode.no_frames",
    ):
        assert key in CATALOGUE["en"] and key in CATALOGUE["zh-TW"], key


def test_render_job_carries_plan_and_request() -> None:
    req = request(prompt="海邊的狗", negative_prompt="blur", loop=True)
    plan = plan_render(req, get_preset("tiny"), Limits(), seed=99)
    job = render_job(req, plan)
    assert (job.width, job.height, job.num_frames, job.seed, job.steps) == (144, 256, 9, 99, 4)
    assert job.prompt == "海邊的狗" and job.negative_prompt == "blur" and job.loop
    assert plan.matching(width=160, height=288).width == 160
