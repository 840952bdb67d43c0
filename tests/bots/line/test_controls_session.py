"""A creator's session through the real webhook: keywords for every control land in the stored
request; an unknown value gets one message in the person's language and makes no job; the
delivered clip carries a quick reply for every clip action the registry offers LINE (Loop
included), and 循環 under a clip makes a looping child clip."""

from __future__ import annotations

import uuid

from reelbot.app.actions import clip_actions
from reelbot.bots.common.controls import MOTION_LEVELS
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.messages import render
from reelbot.domain.types import Aspect, Camera, Platform, ReferenceRole, RemixKind, SpeedMode
from tests.bots.line.conftest import Harness, postback_event, reply_texts, text_event
from tests.jobrecords import finish_job


async def newest_request(harness: Harness, user: str) -> object:
    jobs = await harness.service.jobs_for(Platform.LINE, user)
    return jobs[0].request


async def test_every_control_reaches_the_stored_request(harness: Harness) -> None:
    user = "Ucreator"
    await harness.send(
        text_event(
            "夜市裡的橘貓 速度:快 動態:高 鏡頭:推近 循環 比例:16:9 秒數:2 種子:42 不要:模糊", user=user
        )
    )
    request = await newest_request(harness, user)
    assert request.prompt == "夜市裡的橘貓"  # type: ignore[attr-defined]
    assert (request.speed, request.motion, request.camera, request.loop) == (  # type: ignore[attr-defined]
        SpeedMode.DRAFT,
        MOTION_LEVELS["high"],
        Camera.ZOOM_IN,
        True,
    )
    assert (request.aspect, request.seconds, request.seed, request.negative_prompt) == (  # type: ignore[attr-defined]
        Aspect.LANDSCAPE,
        2.0,
        42,
        "模糊",
    )
    assert reply_texts(harness.fake)[-1].startswith("排隊中")
    await harness.send(text_event("取消", user=user))

    # The other values of each control, in English, full width and other words.
    sends = [
        (
            "a lantern drifting speed:quality motion:low camera:pan_left",
            SpeedMode.QUALITY,
            0.3,
            Camera.PAN_LEFT,
        ),
        ("燈籠 速度：平衡 動態：輕柔 鏡頭：往右", SpeedMode.BALANCED, 0.3, Camera.PAN_RIGHT),
        ("燈籠 模式:品質 動作:激烈 運鏡:拉遠", SpeedMode.QUALITY, 0.9, Camera.ZOOM_OUT),
        ("lantern mode:draft motion:dynamic cam:orbit loop:off", SpeedMode.DRAFT, 0.9, Camera.ORBIT),
        ("燈籠 速度:草稿 鏡頭:固定", SpeedMode.DRAFT, None, Camera.STATIC),
    ]
    for text, speed, motion, camera in sends:
        await harness.send(text_event(text, user=user))
        request = await newest_request(harness, user)
        assert (request.speed, request.motion, request.camera) == (speed, motion, camera), text  # type: ignore[attr-defined]
        assert request.loop is False, text  # type: ignore[attr-defined]
        await harness.send(text_event("取消", user=user))  # under the pending-jobs cap
        assert reply_texts(harness.fake)[-1].startswith("已取消工作"), text
    assert await harness.job_count() == 1 + len(sends)


async def test_unknown_values_answer_once_and_queue_nothing(harness: Harness) -> None:
    await harness.bot.state.cache_locale("Uen", "en")
    cases = [
        ("Uzh", "貓 鏡頭:亂飛", render("line.camera_invalid", "zh-TW", value="亂飛")),
        ("Uen", "a cat camera:dolly_zoom", render("line.camera_invalid", "en", value="dolly_zoom")),
        ("Uzh", "貓 速度:光速", render("line.speed_invalid", "zh-TW", value="光速")),
        ("Uen", "a cat motion:medium", render("line.motion_invalid", "en", value="medium")),
        ("Uzh", "貓 循環:也許", render("line.loop_invalid", "zh-TW", value="也許")),
        ("Uzh", "貓 轉場:淡入淡出", render("line.option_storyboard_only", "zh-TW", option="轉場")),
    ]
    for user, text, expected in cases:
        before = len(reply_texts(harness.fake))
        await harness.send(text_event(text, user=user))
        assert reply_texts(harness.fake)[before:] == [expected], text
    assert "推近" in cases[0][2] and "zoom_in" in cases[1][2]
    assert await harness.job_count() == 0


async def test_a_delivered_clip_offers_every_line_action_and_loop_makes_a_looping_child(
    harness: Harness,
) -> None:
    await harness.send(text_event("一艘紙船漂在湖上 種子:9 秒數:1", user="Uboat"))
    (job,) = await harness.service.jobs_for(Platform.LINE, "Uboat")
    clip = finish_job(harness.service.db, job.id)
    event = JobEvent(kind=EventKind.DONE, job_id=job.id, origin=job.request.origin, clip_id=clip.id)
    assert await harness.bot.deliverer.deliver(event)

    (push,) = [d for d in harness.fake.delivered if d["via"] == "push"]
    *items, other_mode = push["messages"][-1]["quickReply"]["items"]
    assert other_mode["action"]["data"] == f"modes:{clip.id}"  # 換個速度 last (test_mode_takes.py)
    registry = {a.name: a for a in clip_actions("line")}
    names = [i["action"]["data"].split(":")[1] for i in items]
    assert [i["action"]["data"] for i in items] == [f"reelbot:{name}:{clip.id}" for name in names]
    # Every item is a registry action offered to LINE, in the registry's order, with its label.
    assert names == [name for name in registry if name in names]
    assert [i["action"]["label"] for i in items] == [render(registry[n].label_key, "zh-TW") for n in names]
    assert {"reroll", "vary", "varystrong", "extend", "loop", "remix", "info"} <= set(names)
    assert len(items) + 1 <= 13 and all(len(i["action"]["label"]) <= 20 for i in items)
    assert "循環" in [i["action"]["label"] for i in items]

    await harness.send(postback_event(f"reelbot:loop:{clip.id}", user="Ufriend"))
    (child,) = await harness.service.jobs_for(Platform.LINE, "Ufriend")
    request = child.request
    assert request.loop is True and request.parent_clip_id == clip.id
    assert request.remix_kind is RemixKind.REMIX and (request.prompt, request.seed) == ("一艘紙船漂在湖上", 9)
    assert ReferenceRole.LAST_FRAME not in {ref.role for ref in request.references}
    assert reply_texts(harness.fake)[-1].startswith("排隊中")
    assert uuid.UUID(str(child.id)) != job.id
