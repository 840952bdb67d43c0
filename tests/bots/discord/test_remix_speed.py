"""The Remix form picks the child's speed mode: a select of "keep" (the parent's mode, the
default) and the other modes the parent's preset offers. Real /video, real tiny renders, real
discord.py against the fake Discord; the select comes back in a label component as Discord
sends it."""

from __future__ import annotations

from typing import Any

from reelbot.app.service import ReelbotService
from reelbot.bots.common.actions import custom_id
from reelbot.domain.presets import PRESETS
from reelbot.domain.types import Platform, RemixKind, SpeedMode
from tests.bots.discord.helpers import answer_of, clip_id_of, clip_posts, message_for, render_all, wait_jobs
from tests.fakes.discord_api import FakeDiscord


async def _clip(
    fake: FakeDiscord, service: ReelbotService, user: dict[str, Any], options: dict[str, Any]
) -> Any:
    """Render one /video clip of ``user``; its posted message."""
    before = len(clip_posts(fake))
    await fake.send_interaction(fake.slash("video", options, user=user))
    await wait_jobs(fake, service, user["id"], 1)
    assert await render_all(service) == 1
    posts = await fake.wait_for(lambda: clip_posts(fake)[before:], what="clip posted")
    return message_for(fake, posts[0])


def _speed_labels(modal: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        c for c in modal["data"]["components"] if c["type"] == 18 and c["component"]["custom_id"] == "speed"
    ]


async def test_remix_form_picks_the_mode_or_keeps_the_parents(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    ann, bob = fake.user(name="ann"), fake.user(name="bob")
    async with start_bot():
        message = await _clip(fake, service, ann, {"prompt": "a heron lands", "speed": "draft", "seed": 11})
        draft_id = clip_id_of(message)

        click = await fake.send_interaction(fake.click(message, custom_id("remix", draft_id), locale="zh-TW"))
        modal = (await fake.answered(click)).json
        assert modal["type"] == 9
        (label,) = _speed_labels(modal)
        assert label["label"] == "速度模式"
        assert "disabled" not in label["component"]  # a modal's select has no such field
        options = label["component"]["options"]
        assert [(o["value"], o["label"], o.get("default", False)) for o in options] == [
            ("keep", "維持原本的：草稿（最快）", True),
            ("quality", "畫質優先", False),
            ("balanced", "平衡", False),
        ]
        # keep (the parent's draft) and the others: exactly the modes the tiny preset offers
        assert {SpeedMode.DRAFT} | {SpeedMode(o["value"]) for o in options[1:]} == set(PRESETS["tiny"].modes)

        submitted = {}
        for pick in ("quality", "keep"):  # the same prompt both times: another mode is another remix
            submit = await fake.send_interaction(
                fake.modal_submit(
                    custom_id("remixprompt", draft_id),
                    {"prompt": "a heron takes off"},
                    selects={"speed": [pick]},
                    user=bob,
                    message=message,
                )
            )
            assert (await answer_of(fake, submit))["flags"] & 64
            jobs = await wait_jobs(fake, service, bob["id"], len(submitted) + 1)
            submitted[pick] = next(j for j in jobs if j.id not in {s.id for s in submitted.values()})
        assert submitted["quality"].request.speed is SpeedMode.QUALITY
        assert submitted["keep"].request.speed is SpeedMode.DRAFT
        assert await render_all(service) == 2

    for pick, mode in (("quality", "quality"), ("keep", "draft")):
        (job,) = [
            j
            for j in await service.jobs_for(Platform.DISCORD, bob["id"], active_only=False)
            if j.id == submitted[pick].id
        ]
        assert job.clip_id is not None
        child = await service.clip(job.clip_id)
        assert child.parent_clip_id == draft_id and child.remix_kind is RemixKind.REMIX
        assert child.request.prompt == "a heron takes off"
        assert child.report is not None and child.report.mode == mode


async def test_remix_form_refuses_a_mode_the_preset_lacks(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    ann, mallory = fake.user(name="ann"), fake.user(name="mallory")
    async with start_bot():
        message = await _clip(fake, service, ann, {"prompt": "a kite", "preset": "tiny-ltx"})
        clip_id = clip_id_of(message)
        click = await fake.send_interaction(fake.click(message, custom_id("remix", clip_id)))
        modal = (await fake.answered(click)).json
        assert _speed_labels(modal) == []  # tiny-ltx offers quality only: nothing to pick

        answers = {}
        for forged, locale in (("draft", "en-US"), ("draft", "zh-TW"), ("turbo", "en-US")):
            submit = await fake.send_interaction(
                fake.modal_submit(
                    custom_id("remixprompt", clip_id),
                    {"prompt": "a red kite"},
                    selects={"speed": [forged]},
                    user=mallory,
                    message=message,
                    locale=locale,
                )
            )
            answers[forged, locale] = await answer_of(fake, submit)
    for (forged, _locale), answer in answers.items():
        assert answer["flags"] & 64 and "tiny-ltx" in answer["content"] and forged in answer["content"]
    assert (
        "quality" in answers["draft", "en-US"]["content"]
        and "It offers" in answers["draft", "en-US"]["content"]
    )
    assert "模式" in answers["draft", "zh-TW"]["content"]
    assert await service.jobs_for(Platform.DISCORD, mallory["id"], active_only=False) == []
    assert sum(lane["waiting"] for lane in (await service.queue.depth()).values()) == 0
