"""Render in quality: the button shows under a draft clip only, and a click re-renders the
same recipe (seed, prompt, size) in quality — real /video, real tiny renders, real discord.py."""

from __future__ import annotations

from typing import Any

from reelbot.app.service import ReelbotService
from reelbot.bots.common.actions import custom_id
from reelbot.domain.types import Platform, RemixKind, SpeedMode
from tests.bots.discord.helpers import answer_of, clip_id_of, clip_posts, message_for, render_all, wait_jobs
from tests.fakes.discord_api import FakeDiscord, custom_ids


async def test_render_in_quality_under_a_draft_clip_only(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    ann, bob = fake.user(name="ann"), fake.user(name="bob")
    options = {"prompt": "a heron lands", "speed": "draft", "seed": 4242}
    async with start_bot():
        await fake.send_interaction(fake.slash("video", options, user=ann))
        (draft_job,) = await wait_jobs(fake, service, ann["id"], 1)
        assert draft_job.request.speed is SpeedMode.DRAFT
        assert await render_all(service) == 1
        posts = await fake.wait_for(lambda: clip_posts(fake), what="draft clip posted")
        message = message_for(fake, posts[0])
        draft_id = clip_id_of(message)
        button = custom_id("quality", draft_id)
        assert button in custom_ids(message)

        answer = await answer_of(fake, await fake.send_interaction(fake.click(message, button, user=bob)))
        assert answer["flags"] & 64, answer
        (job,) = await wait_jobs(fake, service, bob["id"], 1)
        request = job.request
        assert request.speed is SpeedMode.QUALITY and request.remix_kind is RemixKind.QUALITY
        assert request.parent_clip_id == draft_id
        assert (request.seed, request.prompt, request.preset) == (4242, "a heron lands", "tiny")
        assert request.steps is None and request.guidance is None  # quality's own schedule, not draft's

        assert await render_all(service) == 1
        posts = await fake.wait_for(lambda: clip_posts(fake)[1:], what="quality clip posted")
        quality_message = message_for(fake, posts[-1])
        quality_id = clip_id_of(quality_message)
        assert quality_id != draft_id
        assert custom_id("quality", quality_id) not in custom_ids(quality_message)  # already quality
        assert custom_id("reroll", quality_id) in custom_ids(quality_message)
    jobs = await service.jobs_for(Platform.DISCORD, bob["id"], active_only=False)
    assert [j.state.value for j in jobs] == ["done"]
