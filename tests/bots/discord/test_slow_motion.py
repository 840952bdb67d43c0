"""A clip action registered by one line shows up as a Discord button and works end to end:
a real /video, a real (tiny) render, the clip posted with its buttons, the new one clicked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from reelbot.app.actions import register_action, unregister_action
from reelbot.app.service import ReelbotService
from reelbot.bots.common.actions import custom_id
from reelbot.domain.types import Platform, RemixKind
from tests.bots.discord.helpers import answer_of, clip_id_of, clip_posts, message_for, render_all, wait_jobs
from tests.fakes.discord_api import FakeDiscord, custom_ids
from tests.slowmo_action import SLOW_MOTION


@pytest.fixture
def slow_motion() -> Iterator[None]:
    register_action(SLOW_MOTION)  # the one line
    try:
        yield
    finally:
        unregister_action(SLOW_MOTION.name)


async def test_slow_motion_button_under_a_clip_makes_a_job(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, slow_motion: None
) -> None:
    ann, bob = fake.user(name="ann"), fake.user(name="bob")
    async with start_bot():
        await fake.send_interaction(fake.slash("video", {"prompt": "a heron lands"}, user=ann))
        await wait_jobs(fake, service, ann["id"], 1)
        assert await render_all(service) == 1
        posts = await fake.wait_for(lambda: clip_posts(fake), what="clip posted")
        message = message_for(fake, posts[0])
        clip_id = clip_id_of(message)
        cid = custom_id("slowmo", clip_id)
        assert cid in custom_ids(message)  # the new button is there
        assert custom_id("varystrong", clip_id) in custom_ids(message)  # and Vary strong
        answer = await answer_of(fake, await fake.send_interaction(fake.click(message, cid, user=bob)))
        assert answer["flags"] & 64, answer
        (job,) = await wait_jobs(fake, service, bob["id"], 1)
        assert job.request.prompt == "a heron lands, in slow motion"
        assert job.request.parent_clip_id == clip_id and job.request.remix_kind is RemixKind.REMIX
        assert (await service.jobs_for(Platform.DISCORD, bob["id"]))[0].id == job.id
