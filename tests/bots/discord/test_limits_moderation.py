"""``/video``, the Remix form and ``/storyboard`` from someone at their hourly rate or their
pending-jobs cap, with a prompt moderation refuses: moderation's answer in their language and
its audit-log row, not the limit's message — and a clean prompt still gets the limit's.

The early check before the status message (``app.early_checks``) moderates first, then checks
the server's limits. Real discord.py against the fake Discord, real Redis ledger and SQLite, the
service's real moderator; nothing renders (no worker), so queued jobs stay pending.
"""

from __future__ import annotations

from typing import Any

import pytest

from reelbot.app.safety.moderation import ModerationPolicy, Moderator, Verdict
from reelbot.app.service import ReelbotService
from reelbot.bots.common.actions import custom_id
from reelbot.domain.messages import render
from reelbot.domain.types import Platform
from tests.bots.discord.helpers import answer_of, followups, wait_jobs
from tests.bots.discord.test_after_render import BOAT, video
from tests.bots.discord.test_plan_moderation import BANNED, refusals
from tests.bots.discord.test_storyboard import channel_posts
from tests.bots.discord.test_storyboard_finish_fields import storyboard
from tests.fakes.discord_api import FakeDiscord
from tests.jobrecords import finish_job

#: (community setting, the limit's message start in each language): one clip uses the limit up.
LIMITS = {
    "clips_per_hour_per_user": {
        "en-US": "You made 1 clips in the last hour",
        "zh-TW": "你在過去一小時已經生成 1 支影片",
    },
    "max_pending_per_user": {
        "en-US": "You already have 1 videos waiting",
        "zh-TW": "你已經有 1 支影片在排隊",
    },
}
BOARD = """title: Three
seed: 2
shots:
  - prompt: a paper boat
    seconds: 1
  - prompt: the boat at dusk
    seconds: 1
  - prompt: {third}
    seconds: 1
"""


def refused(locale: str) -> str:
    return render("safety.refused.sexual", locale)


async def at_the_limit(
    fake: FakeDiscord, service: ReelbotService, user: dict[str, Any], setting: str
) -> None:
    """The server's ``setting`` at 1, used up by one clean clip (queued, never rendered)."""
    await service.save_community_settings(Platform.DISCORD, fake.guild_id, {setting: 1}, by="admin")
    await video(fake, BOAT, user)
    await wait_jobs(fake, service, user["id"], 1)


@pytest.mark.parametrize("setting", sorted(LIMITS))
async def test_video_at_a_limit_with_a_refused_prompt_get_the_moderation_refusal(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, setting: str
) -> None:
    alice = fake.user(name="alice")
    async with start_bot():
        await at_the_limit(fake, service, alice, setting)
        posts = len(channel_posts(fake))  # the clean clip's status message
        for locale in ("en-US", "zh-TW"):
            inter, answer = await video(fake, {**BOAT, "prompt": BANNED}, alice, locale)
            assert refused(locale) in answer["content"], answer["content"]
            assert LIMITS[setting][locale] not in answer["content"], answer["content"]
            assert len(followups(fake, inter.token)) == 1
        # The same person, a clean prompt: the limit's message, in their language.
        for locale in ("en-US", "zh-TW"):
            _, answer = await video(fake, {**BOAT, "prompt": "a green kite"}, alice, locale)
            assert answer["content"].startswith(LIMITS[setting][locale]), answer["content"]
            assert refused(locale) not in answer["content"]
        assert len(channel_posts(fake)) == posts  # nothing was posted for the refused ones
    assert refusals(service, alice["id"]) == [("prompt", "safety.refused.sexual", BANNED)] * 2
    assert len(await service.jobs_for(Platform.DISCORD, alice["id"], active_only=False)) == 1


@pytest.mark.parametrize("setting", sorted(LIMITS))
async def test_storyboard_at_a_limit_with_a_refused_shot_gets_the_moderation_refusal(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, setting: str
) -> None:
    """The refused prompt is the third shot's, which only a later wave would submit: the
    early check moderates every shot before the limits for all three."""
    alice = fake.user(name="alice")
    async with start_bot():
        await at_the_limit(fake, service, alice, setting)
        posts = len(channel_posts(fake))
        for locale in ("zh-TW", "en-US"):
            inter, answer = await storyboard(
                fake, BOARD.format(third="nude dancers on the deck"), alice, locale
            )
            assert refused(locale) in answer["content"], answer["content"]
            assert LIMITS[setting][locale] not in answer["content"], answer["content"]
            assert len(followups(fake, inter.token)) == 1
        _, answer = await storyboard(fake, BOARD.format(third="a lighthouse"), alice, "zh-TW")
        assert answer["content"].startswith(LIMITS[setting]["zh-TW"]), answer["content"]
        assert len(channel_posts(fake)) == posts  # no board status message
    assert (
        refusals(service, alice["id"])
        == [("prompt", "safety.refused.sexual", "nude dancers on the deck")] * 2
    )
    assert len(await service.jobs_for(Platform.DISCORD, alice["id"], active_only=False)) == 1


async def test_remix_form_at_the_hourly_rate_with_a_refused_prompt_gets_the_moderation_refusal(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    """A clip action's new prompt (the Remix form) is the text its status message would show:
    moderated before the limits, as /video's."""
    ann, bob = fake.user(name="ann"), fake.user(name="bob")
    async with start_bot():
        await video(fake, BOAT, ann)
        (parent,) = await wait_jobs(fake, service, ann["id"], 1)
        clip = finish_job(service.db, parent.id)  # a clip row to remix (nothing renders here)
        await at_the_limit(fake, service, bob, "clips_per_hour_per_user")
        for prompt, locale, expected in (
            (BANNED, "zh-TW", refused("zh-TW")),
            ("a green kite", "en-US", LIMITS["clips_per_hour_per_user"]["en-US"]),
        ):
            submit = await fake.send_interaction(
                fake.modal_submit(
                    custom_id("remixprompt", clip.id), {"prompt": prompt}, user=bob, locale=locale
                )
            )
            content = (await answer_of(fake, submit))["content"]
            assert content.startswith(expected), content
    assert refusals(service, bob["id"]) == [("prompt", "safety.refused.sexual", BANNED)]
    assert len(await service.jobs_for(Platform.DISCORD, bob["id"], active_only=False)) == 1


class CountingModerator:
    """The service's own moderator, counting the prompts it is asked about."""

    def __init__(self, inner: Moderator) -> None:
        self.inner = inner
        self.name = inner.name
        self.prompts: list[str] = []

    def check_prompt(self, text: str, policy: ModerationPolicy) -> Verdict:
        self.prompts.append(text)
        return self.inner.check_prompt(text, policy)

    def check_image(self, image: Any, policy: ModerationPolicy) -> Verdict:
        return self.inner.check_image(image, policy)


@pytest.mark.parametrize("options", [{}, {"caption": "紙船"}], ids=["draft", "with-a-short"])
async def test_a_storyboards_shots_are_moderated_once_before_their_submit(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, options: dict[str, Any]
) -> None:
    """Without a Short the early check moderates every shot; with one, ``check_board_and_finish``
    has, and the early check only counts the limits: each shot's prompt is looked at once
    before the board is posted and once more by its own submit — not a third time."""
    counting = CountingModerator(service.safety.moderator)
    service.safety.moderator = counting
    alice = fake.user(name="alice")
    async with start_bot():
        _, answer = await storyboard(fake, BOARD.format(third="a lighthouse"), alice, **options)
        assert len(await wait_jobs(fake, service, alice["id"], 3)) == 3, answer
    shots = ["a paper boat", "the boat at dusk", "a lighthouse"]
    assert sorted(counting.prompts) == sorted(shots * 2), counting.prompts


@pytest.mark.parametrize("options", [{}, {"caption": "紙船"}], ids=["clip", "with-a-short"])
async def test_a_videos_prompt_is_moderated_once_before_its_submit(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, options: dict[str, Any]
) -> None:
    """``/video``: the early check (or, with a Short, the plan check) looks at the prompt once
    before the status message, and the submit once more — not a third time."""
    counting = CountingModerator(service.safety.moderator)
    service.safety.moderator = counting
    alice = fake.user(name="alice")
    async with start_bot():
        _, answer = await video(fake, {**BOAT, **options}, alice)
        assert len(await wait_jobs(fake, service, alice["id"], 1)) == 1, answer
    assert counting.prompts == [BOAT["prompt"]] * 2, counting.prompts
