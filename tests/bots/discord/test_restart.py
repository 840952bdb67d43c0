"""Restarts: a clip finished while the bot was down is delivered when it comes back, exactly
once; buttons work in a new client that never sent the message; a double click makes one
job; Delete and Cancel; a button for a deleted clip gets a clear answer."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from reelbot.app.service import ReelbotService
from reelbot.bots.common.actions import custom_id
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.types import JobState, Platform
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


async def settle(bot: Any) -> None:
    """Wait until the bot's events reader has drained the stream (an empty read)."""
    bot.delivery.idle.clear()
    await asyncio.wait_for(bot.delivery.idle.wait(), 20)


async def test_restart_delivery_buttons_double_click_delete(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    alice, bob, mod = fake.user(name="alice"), fake.user(name="bob"), fake.user(name="mod")

    # Bot A takes the request, then stops before the clip is rendered.
    async with start_bot():
        await fake.send_interaction(fake.slash("video", {"prompt": "a lighthouse in fog"}, user=alice))
        (job,) = await wait_jobs(fake, service, alice["id"], 1)
    assert await render_all(service) == 1  # finishes while no bot is running
    assert clip_posts(fake) == []

    # Bot B (a new client) delivers it from the pending events.
    async with start_bot() as bot_b:
        posts = await fake.wait_for(lambda: clip_posts(fake), what="clip delivered after restart")
        await settle(bot_b)
    assert len(posts) == 1
    clip_message = message_for(fake, posts[0])
    clip_id = clip_id_of(clip_message)
    assert (await service.job(job.id)).state is JobState.DONE

    # Bot C never sent the clip message; its buttons still work, and nothing is re-posted.
    async with start_bot() as bot_c:
        await settle(bot_c)
        info = await fake.send_interaction(fake.click(clip_message, custom_id("info", clip_id), user=bob))
        answer = (await fake.wait_for(lambda: followups(fake, info.token), what="info reply"))[0]
        assert "a lighthouse in fog" in answer.json["content"] and answer.json["flags"] & 64

        # A worker publishing "done" again (a redelivery) must not post the clip twice.
        await service.events(Platform.DISCORD).publish(
            JobEvent(kind=EventKind.DONE, job_id=job.id, origin=job.request.origin, clip_id=clip_id)
        )
        await settle(bot_c)
        assert len(clip_posts(fake)) == 1

        # Double click on Re-roll: two interactions, one job, one status message.
        statuses_before = len(status_posts(fake))
        first, second = await asyncio.gather(
            fake.send_interaction(fake.click(clip_message, custom_id("reroll", clip_id), user=bob)),
            fake.send_interaction(fake.click(clip_message, custom_id("reroll", clip_id), user=bob)),
        )
        for click in (first, second):
            assert (await fake.answered(click)).json["type"] == 5
        replies = await fake.wait_for(
            lambda: (
                len(followups(fake, first.token)) + len(followups(fake, second.token)) == 2
                and followups(fake, first.token) + followups(fake, second.token)
            ),
            what="both clicks answered",
        )
        texts = " | ".join(r.json["content"] for r in replies)
        assert "already asked" in texts, texts
        bob_jobs = await service.jobs_for(Platform.DISCORD, bob["id"], active_only=False)
        assert len(bob_jobs) == 1 and bob_jobs[0].request.parent_clip_id == clip_id
        # The second click's status message was posted, then removed again: one stays, the job's.
        assert len(status_posts(fake)) - statuses_before == 2
        live = bob_jobs[0].request.origin.message_id
        assert live in fake.messages and live not in fake.deleted_messages
        assert len([m for m in fake.deleted_messages if m != clip_message["id"]]) == 1

        # /queue lists Bob's job with a cancel button; the button cancels it.
        queue = await fake.send_interaction(fake.slash("queue", user=bob))
        listing = (await fake.wait_for(lambda: followups(fake, queue.token), what="/queue"))[0]
        cancel_id = custom_id("cancel", bob_jobs[0].id)
        assert cancel_id in str(listing.json["components"])
        listing_message = fake.messages[
            next(m for m in fake.messages if cancel_id in str(fake.messages[m]["components"]))
        ]
        cancel = await fake.send_interaction(fake.click(listing_message, cancel_id, user=bob))
        await fake.wait_for(lambda: followups(fake, cancel.token), what="cancel reply")
        assert (await service.job(bob_jobs[0].id)).state is JobState.CANCELLED

        old_copy = copy.deepcopy(clip_message)  # what a client that has not refreshed still shows

        # Delete: not Bob's clip (refused), then Alice's own Delete works.
        refused = await fake.send_interaction(
            fake.click(clip_message, custom_id("delete", clip_id), user=bob)
        )
        text = (await fake.wait_for(lambda: followups(fake, refused.token)))[0].json["content"]
        assert "moderator" in text
        assert not (await service.clip(clip_id)).deleted
        deleted = await fake.send_interaction(
            fake.click(clip_message, custom_id("delete", clip_id), user=alice)
        )
        await fake.wait_for(lambda: followups(fake, deleted.token), what="delete reply")
        assert (await service.clip(clip_id)).deleted
        assert fake.messages[clip_message["id"]]["attachments"] == []
        assert fake.messages[clip_message["id"]]["components"] == []

        # A button for the deleted clip (an old copy of the message): a clear, private answer.
        stale = await fake.send_interaction(fake.click(old_copy, custom_id("vary", clip_id), user=mod))
        answer = await answer_of(fake, stale)
        assert "no longer exists" in answer["content"] and answer["flags"] & 64
        assert len(await service.jobs_for(Platform.DISCORD, mod["id"], active_only=False)) == 0
        assert not [c for c in fake.calls if c.status == 429]
