"""Regression tests for the review findings on the Discord bot (one test per finding).

Failures are injected into real parts only: a real :class:`EventStream` subclass whose
``ack`` raises once (Redis dropping the connection mid-batch), the real bot against the fake
Discord, the real throttle.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import redis.exceptions

from reelbot.app.service import ReelbotService
from reelbot.bots.common.actions import custom_id
from reelbot.bots.discord.bot import delivery_check
from reelbot.bots.discord.throttle import EditThrottle
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.types import Origin, Platform
from reelbot.queue.events import EventStream
from tests.bots.discord.helpers import answer_of, followups, wait_jobs
from tests.fakes.discord_api import FakeDiscord, snowflake


class FlakyAckStream(EventStream):
    """The real events stream, except that its first ``ack`` fails like a dropped connection."""

    failures = 1

    async def ack(self, group: str, *entry_ids: str) -> int:
        if self.failures > 0:
            self.failures -= 1
            raise redis.exceptions.ConnectionError("connection reset by peer")
        return await super().ack(group, *entry_ids)


def _progress(fake: FakeDiscord, message_id: str) -> JobEvent:
    origin = Origin(
        platform=Platform.DISCORD,
        user_id=snowflake(),
        channel_id=fake.channel_id,
        guild_id=fake.guild_id,
        message_id=message_id,
    )
    return JobEvent(kind=EventKind.PROGRESS, job_id=uuid.uuid4(), origin=origin, step=1, total_steps=4)


async def test_results_loop_survives_a_failed_ack(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    async with start_bot() as bot:
        delivery = bot.delivery
        real = delivery.stream
        delivery.stream = FlakyAckStream(real.redis, real.keys, real.platform, codec=real.codec)
        first, second = snowflake(), snowflake()
        await real.publish(_progress(fake, first))  # its ack fails
        await fake.wait_for(lambda: fake.find("PATCH", f"/channels/{fake.channel_id}/messages/{first}"))
        await asyncio.sleep(0.2)
        await real.publish(_progress(fake, second))  # the loop must still be there for this one
        await fake.wait_for(
            lambda: fake.find("PATCH", f"/channels/{fake.channel_id}/messages/{second}"),
            what="progress of a job after the failed ack",
        )
        assert delivery.alive and not delivery._task.done()
        await delivery_check(bot)()  # ready


async def test_a_dead_results_loop_makes_the_bot_unready(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    async with start_bot() as bot:
        delivery = bot.delivery
        await delivery_check(bot)()
        # The loop ends while the bot keeps running. (Ended through its stop flag rather than
        # Task.cancel(): a cancel that lands inside a blocking Redis read can be swallowed by the
        # client under load, which would hang this test, not the bot — stop() sets the flag too.)
        delivery._stopping.set()
        await asyncio.wait_for(asyncio.gather(delivery._task, return_exceptions=True), 60)
        delivery._stopping.clear()  # …as if it had ended on its own: the bot is not stopping
        assert not delivery.alive
        try:
            await delivery_check(bot)()
        except RuntimeError:
            pass
        else:
            raise AssertionError("readiness passed with no results loop")


async def test_throttle_final_without_close_lets_progress_through() -> None:
    # A storyboard shot's outcome must not hide the next shots' progress on the same message.
    throttle = EditThrottle(0.05)
    sent: list[str] = []

    def edit(value: str) -> Any:
        async def run() -> None:
            sent.append(value)

        return run

    await throttle.final("board", edit("shot 1 done"), close=False)
    throttle.update("board", edit("shot 2: 50%"))
    await asyncio.sleep(0.2)
    await throttle.final("board", edit("draft ready"))  # close=True: the last word
    throttle.update("board", edit("late progress"))
    await asyncio.sleep(0.2)
    assert sent == ["shot 1 done", "shot 2: 50%", "draft ready"]
    await throttle.aclose()


async def test_a_button_nobody_handles_gets_one_answer(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    async with start_bot():
        # A message carrying a button of ours whose action this version no longer has.
        cid = custom_id("bogus", uuid.uuid4())
        message = fake.user_message("an old message")
        message["components"] = [
            {"type": 1, "components": [{"type": 2, "style": 2, "label": "old", "custom_id": cid}]}
        ]
        inter = await fake.send_interaction(fake.click(message, cid))
        callback = await fake.answered(inter)
        assert "button" in (callback.json or {}).get("data", {}).get("content", "").lower()
        await asyncio.sleep(0.5)  # a second answer, if any, would come now
        answers = fake.find("POST", f"/interactions/{inter.id}/") + followups(fake, inter.token)
        assert len(answers) == 1, fake.summary()


def test_prompts_cannot_break_out_of_the_formatting() -> None:
    # A prompt with its own ** / || / ` would end the bold header and format the rest of it.
    from reelbot.bots.discord.boards import board_header
    from reelbot.bots.discord.jobs import status_header

    prompt = "a cat** in ||spoiler|| `code` __under__"
    origin = Origin(platform=Platform.DISCORD, user_id="42", locale="en")
    for text in (status_header(prompt, origin), board_header(prompt, origin)):
        assert "cat\\*\\* in \\|\\|spoiler\\|\\| \\`code\\` \\_\\_under\\_\\_" in text, text
    line = Origin(platform=Platform.LINE, user_id="U1", display_name="**Bob**", locale="en")
    assert "\\*\\*Bob\\*\\*" in status_header("x", line)


BOARD3 = """
title: Three
shots:
  - {prompt: one, seconds: 1}
  - {prompt: two, seconds: 1}
  - {prompt: three, seconds: 1}
"""


async def test_storyboard_and_reroll_obey_the_server_limits(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    from tests.bots.discord.test_storyboard import channel_posts, send_board

    ann = fake.user(name="ann")
    await service.save_community_settings(
        Platform.DISCORD, fake.guild_id, {"clips_per_hour_per_user": 2}, by="admin"
    )
    async with start_bot():
        # Three shots are three clips: over a limit of 2 per hour, so nothing is queued.
        answer = await send_board(fake, ann, BOARD3)
        assert "limit" in answer.lower() and "2" in answer, answer
        assert await service.jobs_for(Platform.DISCORD, ann["id"], active_only=False) == []
        assert channel_posts(fake) == []

        # Two shots fit; a re-roll would be the third clip this hour and is refused.
        await send_board(fake, ann, BOARD3.replace("  - {prompt: three, seconds: 1}\n", ""))
        jobs = await wait_jobs(fake, service, ann["id"], 2)
        cid = custom_id("sbreroll", jobs[0].id)
        message = fake.user_message("board")
        message["components"] = [
            {"type": 1, "components": [{"type": 2, "style": 2, "label": "re-roll", "custom_id": cid}]}
        ]
        inter = await fake.send_interaction(fake.click(message, cid, user=ann))
        refusal = await answer_of(fake, inter)
        assert "limit" in refusal["content"].lower(), refusal
        assert len(await service.jobs_for(Platform.DISCORD, ann["id"], active_only=False)) == 2


async def test_clip_marker_is_set_before_the_status_edit(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    # The marker must not wait for the (best-effort) status edit: a crash or a failing edit
    # in between would post the clip a second time after a restart.
    from tests.bots.discord.helpers import clip_posts, render_all

    ann = fake.user(name="ann")
    async with start_bot():
        await fake.send_interaction(fake.slash("video", {"prompt": "a red kite"}, user=ann))
        (job,) = await wait_jobs(fake, service, ann["id"], 1)
        status_id = job.request.origin.message_id
        assert status_id is not None
        # Discord is slow to answer the status edits: they wait until the gate opens.
        gate = fake.hold_edits(status_id)
        assert await render_all(service) == 1
        await fake.wait_for(lambda: clip_posts(fake), what="clip posted")
        marker = service.keys.bot_delivered(Platform.DISCORD.value, str(job.id))
        for _ in range(600):  # a timeout, not a margin: the marker comes right after the upload
            if await service.redis.exists(marker):
                break
            await asyncio.sleep(0.05)
        assert await service.redis.exists(marker)
        assert "Done" not in fake.messages[status_id]["content"]  # the edit is still waiting
        gate.set()
        await fake.wait_for(lambda: "Done" in fake.messages[status_id]["content"], what="final edit")


async def test_a_draft_claim_left_by_a_dead_process_runs_out(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    from reelbot.bots.discord import boards

    async with start_bot() as bot:
        claim = bot.delivery.boards._claim
        posted = service.keys.bot_delivered(Platform.DISCORD.value, f"draft-{uuid.uuid4()}-a")
        await service.redis.set(posted, boards.POSTED)
        assert not await claim(posted)  # posted before: nothing to do
        stale = service.keys.bot_delivered(Platform.DISCORD.value, f"draft-{uuid.uuid4()}-b")
        await service.redis.set(stale, boards.CLAIMED, px=300)  # a process died mid-upload
        assert await claim(stale)  # waited out, then taken: the draft is not lost
        assert 0 < await service.redis.ttl(stale) <= boards.DRAFT_CLAIM_S  # a claim, not "posted"
