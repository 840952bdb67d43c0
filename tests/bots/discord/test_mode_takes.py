"""The select under a clip starts Re-roll, Vary, Vary strong, Extend or Loop in another speed mode
with one pick. Real /video, real tiny renders, real discord.py against the fake Discord; the pick
is made in a bot process that never sent the clip (after a restart)."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from reelbot.app.service import ReelbotService
from reelbot.bots.common.actions import custom_id
from reelbot.domain.messages import render
from reelbot.domain.types import Platform, RemixKind, SpeedMode, short_id
from tests.bots.discord.helpers import (
    answer_of,
    clip_id_of,
    clip_posts,
    followups,
    message_for,
    render_all,
    status_posts,
    wait_jobs,
)
from tests.fakes.discord_api import FakeDiscord

TAKES = ("reroll", "vary", "varystrong", "extend", "loop")


async def _clip(
    fake: FakeDiscord, service: ReelbotService, user: dict[str, Any], options: dict[str, Any], locale: str
) -> Any:
    """Render one /video clip of ``user``; its posted message."""
    before = len(clip_posts(fake))
    await fake.send_interaction(fake.slash("video", options, user=user, locale=locale))
    await wait_jobs(fake, service, user["id"], 1)
    assert await render_all(service) == 1
    posts = await fake.wait_for(lambda: clip_posts(fake)[before:], what="clip posted")
    return message_for(fake, posts[0])


def _selects(message: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """(row index, component) of every select on a stored message."""
    return [
        (index, component)
        for index, row in enumerate(message.get("components", []))
        for component in row.get("components", [])
        if component["type"] == 3
    ]


async def test_a_pick_renders_the_take_in_that_mode_even_after_a_restart(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    ann, bob = fake.user(name="ann"), fake.user(name="bob")
    async with start_bot():
        draft_message = await _clip(
            fake, service, ann, {"prompt": "a heron lands", "speed": "draft", "seed": 11}, "zh-TW"
        )
    draft_id = clip_id_of(draft_message)

    (row, select), *more = _selects(draft_message)
    assert more == [] and len(draft_message["components"][row]["components"]) == 1  # its own row
    assert row == len(draft_message["components"]) - 1 <= 4  # below the buttons
    assert select["custom_id"] == custom_id("modetake", draft_id)
    assert select["placeholder"] == "換個速度模式…"  # Ann's language: the clip's author's
    values = [o["value"] for o in select["options"]]
    assert values == [f"{name}.{mode}" for name in TAKES for mode in ("quality", "balanced")]
    labels = [o["label"] for o in select["options"]]
    assert labels[:4] == ["重新生成・畫質優先", "重新生成・平衡", "變化・畫質優先", "變化・平衡"]
    assert labels[-1] == "循環・平衡"

    async with start_bot():  # a new process: it never sent the clip, the select still works
        pick = await fake.send_interaction(
            fake.select(draft_message, custom_id("modetake", draft_id), ["reroll.quality"], user=bob)
        )
        assert (await fake.answered(pick)).json["type"] == 5  # deferred like a button click
        (job,) = await wait_jobs(fake, service, bob["id"], 1)
        assert job.request.speed is SpeedMode.QUALITY and job.request.parent_clip_id == draft_id
        before = len(clip_posts(fake))
        assert await render_all(service) == 1
        posts = await fake.wait_for(lambda: clip_posts(fake)[before:], what="quality take posted")
        take_message = message_for(fake, posts[0])
    answer = await answer_of(fake, pick)
    assert answer["flags"] & 64

    draft, take = await service.clip(draft_id), await service.clip(clip_id_of(take_message))
    assert take.parent_clip_id == draft_id and take.remix_kind is RemixKind.REROLL
    assert take.request.prompt == draft.request.prompt == "a heron lands"
    assert draft.report is not None and take.report is not None
    assert (draft.report.mode, take.report.mode) == ("draft", "quality")
    assert take.report.passes != draft.report.passes  # quality runs guidance (two passes a step)

    # The quality take offers its own other modes: balanced and draft, not quality.
    ((_, take_select),) = _selects(take_message)
    assert take_select["custom_id"] == custom_id("modetake", take.id)
    assert [o["value"] for o in take_select["options"]] == [
        f"{name}.{mode}" for name in TAKES for mode in ("balanced", "draft")
    ]
    assert take_select["options"][0]["label"] == "Re-roll · balanced"  # Bob's (en-US) take


async def test_forged_picks_are_refused_and_a_one_mode_preset_gets_no_select(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    ann, mallory = fake.user(name="ann"), fake.user(name="mallory")
    async with start_bot():
        draft_message = await _clip(fake, service, ann, {"prompt": "a kite", "speed": "draft"}, "en-US")
        draft_id = clip_id_of(draft_message)
        select_id = custom_id("modetake", draft_id)
        answers, tokens = {}, []
        for forged, locale in (
            (["reroll.turbo"], "en-US"),  # no such mode
            (["remix.quality"], "en-US"),  # Remix has its own form
            (["quality.draft"], "en-US"),  # Render in quality's mode is its own
            (["bogus"], "zh-TW"),
            (["reroll.draft"], "en-US"),  # the clip's own mode: never offered, the button's job
            (["extend.draft"], "zh-TW"),
            (["reroll.quality", "vary.quality"], "en-US"),  # one pick only
        ):
            inter = await fake.send_interaction(
                fake.select(draft_message, select_id, forged, user=mallory, locale=locale)
            )
            answers[forged[0], locale] = await answer_of(fake, inter)
            tokens.append((inter.id, inter.token))
        # The select id on a message that does not carry it (a button's message): refused too.
        no_select = copy.deepcopy(draft_message)
        no_select["components"] = [r for r in no_select["components"] if r["components"][0]["type"] != 3]
        inter = await fake.send_interaction(
            fake.select(no_select, select_id, ["reroll.quality"], user=mallory)
        )
        answers["not on the message", "en-US"] = await answer_of(fake, inter)
        tokens.append((inter.id, inter.token))

        ltx_message = await _clip(fake, service, ann, {"prompt": "a red kite", "preset": "tiny-ltx"}, "en-US")
        assert _selects(ltx_message) == []  # tiny-ltx offers quality only: no other mode to pick
        ltx_id = clip_id_of(ltx_message)
        # A message from when the preset offered more (a stale copy with a select): the service refuses.
        stale = copy.deepcopy(ltx_message)
        stale["components"].append(
            {
                "type": 1,
                "components": [
                    {
                        "type": 3,
                        "custom_id": custom_id("modetake", ltx_id),
                        "options": [{"label": "Re-roll · draft", "value": "reroll.draft"}],
                    }
                ],
            }
        )
        refused = {}
        for locale in ("en-US", "zh-TW"):
            inter = await fake.send_interaction(
                fake.select(
                    stale, custom_id("modetake", ltx_id), ["reroll.draft"], user=mallory, locale=locale
                )
            )
            refused[locale] = await answer_of(fake, inter)

    for inter_id, token in tokens:  # one answer each: the immediate one, no second callback or follow-up
        assert len(fake.find("POST", f"/interactions/{inter_id}/")) == 1 and followups(fake, token) == []
    for (_forged, locale), answer in answers.items():
        assert answer["flags"] & 64
        expected = "這個按鈕已經失效了" if locale == "zh-TW" else "This button no longer works"
        assert expected in answer["content"], answer["content"]
    for answer in refused.values():
        assert answer["flags"] & 64 and "tiny-ltx" in answer["content"] and "draft" in answer["content"]
    assert "It offers" in refused["en-US"]["content"] and "模式" in refused["zh-TW"]["content"]
    assert await service.jobs_for(Platform.DISCORD, mallory["id"], active_only=False) == []
    assert sum(lane["waiting"] for lane in (await service.queue.depth()).values()) == 0


async def _double(fake: FakeDiscord, make: Any) -> list[str]:
    """Send two interactions built by ``make`` at once (a quick double pick or click); the
    visible answer of each, after both were deferred like a button click."""
    both = await asyncio.gather(fake.send_interaction(make()), fake.send_interaction(make()))
    for inter in both:
        assert (await fake.answered(inter)).json["type"] == 5
    return [(await answer_of(fake, inter))["content"] for inter in both]


async def test_a_double_pick_in_the_select_is_one_job_like_a_double_click(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    ann, bob = fake.user(name="ann"), fake.user(name="bob")
    async with start_bot():
        message = await _clip(fake, service, ann, {"prompt": "a tern dives", "speed": "draft"}, "en-US")
        clip_id = clip_id_of(message)
        select_id, statuses = custom_id("modetake", clip_id), len(status_posts(fake))
        deleted = len(fake.deleted_messages)

        picks = await _double(fake, lambda: fake.select(message, select_id, ["reroll.quality"], user=bob))
        (take,) = await wait_jobs(fake, service, bob["id"], 1)
        assert take.request.speed is SpeedMode.QUALITY and take.request.parent_clip_id == clip_id
        accepted = render("submit.accepted", "en-US", job_id=short_id(take.id))
        duplicate = render("submit.duplicate", "en-US", job_id=short_id(take.id))
        assert sorted(picks) == sorted([duplicate, next(p for p in picks if p.startswith(accepted))])

        # The buttons' double click, on the same clip: the same answer for its own one job.
        clicks = await _double(fake, lambda: fake.click(message, custom_id("reroll", clip_id), user=bob))
        jobs = await wait_jobs(fake, service, bob["id"], 2)
        (button_job,) = [job for job in jobs if job.id != take.id]
        assert button_job.request.speed is SpeedMode.DRAFT  # the button keeps the clip's mode
        assert render("submit.duplicate", "en-US", job_id=short_id(button_job.id)) in clicks

        # Another mode picked within the window is another take, not a double pick.
        other = await fake.send_interaction(fake.select(message, select_id, ["reroll.balanced"], user=bob))
        assert (await answer_of(fake, other))["content"].startswith("Queued as job")
        jobs = await wait_jobs(fake, service, bob["id"], 3)
    assert {job.request.speed for job in jobs} == {SpeedMode.QUALITY, SpeedMode.DRAFT, SpeedMode.BALANCED}
    assert sum(lane["waiting"] for lane in (await service.queue.depth()).values()) == 3
    # Each duplicate's status message was posted, then removed: one stays per job.
    assert len(status_posts(fake)) - statuses == 5 and len(fake.deleted_messages) - deleted == 2
    assert all(
        job.request.origin.message_id in fake.messages
        and job.request.origin.message_id not in fake.deleted_messages
        for job in jobs
    )
