"""Every /video control reaches the job's recipe; autocomplete for cameras and presets; the
acknowledgement says what the clip costs; /help topic:prompts — real discord.py, fake API."""

from __future__ import annotations

from typing import Any

from reelbot.app.service import ReelbotService
from reelbot.domain.messages import render
from reelbot.domain.types import Aspect, Camera, Platform, SpeedMode
from tests.bots.discord.helpers import answer_of
from tests.fakes.discord_api import FakeDiscord


async def test_every_control_reaches_the_recipe(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    user = fake.user(name="director")
    options = {
        "prompt": "a lantern drifting over a river",
        "aspect": "16:9",
        "seconds": 1.0,
        "seed": 1234,
        "negative": "blurry, text",
        "speed": "quality",
        "motion": "high",
        "camera": "pan_left",
        "loop": True,
    }
    async with start_bot():
        inter = await fake.send_interaction(fake.slash("video", options, user=user))
        answer = await answer_of(fake, inter)
        (job,) = await service.jobs_for(Platform.DISCORD, user["id"])
    request = job.request
    assert (request.aspect, request.seconds, request.seed) == (Aspect.LANDSCAPE, 1.0, 1234)
    assert request.negative_prompt == "blurry, text"
    assert (request.speed, request.camera, request.loop) == (SpeedMode.QUALITY, Camera.PAN_LEFT, True)
    assert request.motion is not None and request.motion > 0.75  # "high" is the fast band
    content = answer["content"]
    assert str(job.id)[:8] in content and str(job.id) not in content
    assert "GPU-seconds" in content, content  # the estimate, before anything renders
    assert "left today" in content or "no quota" in content, content


async def test_zh_tw_acknowledgement_and_low_motion(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    user = fake.user(name="daoyan")
    async with start_bot():
        payload = fake.slash("video", {"prompt": "夜市裡的貓", "motion": "low"}, user=user, locale="zh-TW")
        answer = await answer_of(fake, await fake.send_interaction(payload))
        (job,) = await service.jobs_for(Platform.DISCORD, user["id"])
    assert job.request.motion is not None and job.request.motion <= 0.45
    assert "GPU 秒" in answer["content"] and "工作" in answer["content"], answer["content"]


async def test_unknown_camera_typed_by_hand_is_refused(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    user = fake.user(name="typist")
    async with start_bot():
        payload = fake.slash("video", {"prompt": "a boat", "camera": "dolly_zoom"}, user=user)
        answer = await answer_of(fake, await fake.send_interaction(payload))
        assert answer["flags"] & 64
        assert "dolly_zoom" in answer["content"] and "pan_left" in answer["content"], answer["content"]
        assert await service.jobs_for(Platform.DISCORD, user["id"]) == []


async def test_camera_autocomplete_is_localized(fake: FakeDiscord, start_bot: Any) -> None:
    async with start_bot():
        auto = await fake.send_interaction(
            fake.slash("video", {"prompt": "x", "camera": "zoom"}, focused="camera")
        )
        choices = (await fake.answered(auto)).json["data"]["choices"]
        assert {c["value"] for c in choices} == {"zoom_in", "zoom_out"}
        every = await fake.send_interaction(
            fake.slash("video", {"prompt": "x", "camera": ""}, focused="camera", locale="zh-TW")
        )
        zh = (await fake.answered(every)).json["data"]["choices"]
        assert {c["value"] for c in zh} == {c.value for c in Camera}
        assert {c["name"] for c in zh} == {render(f"camera.{c.value}", "zh-TW") for c in Camera}
        near = await fake.send_interaction(
            fake.slash("video", {"prompt": "x", "camera": "推近"}, focused="camera", locale="zh-TW")
        )
        assert [c["value"] for c in (await fake.answered(near)).json["data"]["choices"]] == ["zoom_in"]


async def test_help_prompts_in_both_languages(fake: FakeDiscord, start_bot: Any) -> None:
    async with start_bot():
        en = await answer_of(fake, await fake.send_interaction(fake.slash("help", {"topic": "prompts"})))
        zh = await answer_of(
            fake, await fake.send_interaction(fake.slash("help", {"topic": "prompts"}, locale="zh-TW"))
        )
        plain = await answer_of(fake, await fake.send_interaction(fake.slash("help", locale="zh-TW")))
    assert en["content"] == render("discord.help_prompts", "en") and "paper boat" in en["content"]
    assert zh["content"] == render("discord.help_prompts", "zh-TW") and "珍珠奶茶" in zh["content"]
    assert "讓這張圖片動起來" in plain["content"] and "Animate this image" not in plain["content"]
    assert "`camera`" in plain["content"] and "`loop`" in plain["content"]
