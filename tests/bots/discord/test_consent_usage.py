"""Issue 8 on Discord: a face in a reference image → consent buttons, nothing queued until the
uploader confirms; another member's click is refused; a decline is never queued; /usage shows
the stored GPU-seconds in the person's language."""

from __future__ import annotations

import asyncio
from importlib import resources
from typing import Any

from reelbot.app.service import ReelbotService
from reelbot.bots.common.actions import custom_id
from reelbot.domain.types import JobState, Platform
from reelbot.storage.db import session_scope
from reelbot.storage.models import Job
from tests.bots.discord.helpers import answer_of, clip_posts, followups, render_all, wait_jobs
from tests.fakes.discord_api import FakeDiscord, custom_ids

FACE = (resources.files("skimage") / "data" / "astronaut.png").read_bytes()


def stored_message_with(fake: FakeDiscord, cid: str) -> dict[str, Any]:
    for message in fake.messages.values():
        if cid in custom_ids(message):
            return message
    raise AssertionError(f"no message carries {cid}")


async def click_answer(fake: FakeDiscord, message: dict[str, Any], cid: str, user: dict[str, Any]) -> str:
    inter = await fake.send_interaction(fake.click(message, cid, user=user))
    answer = await answer_of(fake, inter)
    assert answer["flags"] & 64, answer  # ephemeral
    return str(answer["content"])


async def test_face_needs_consent_and_usage_shows_stored_gpu_seconds(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    alice, bob = fake.user(name="alice"), fake.user(name="bob")
    async with start_bot():
        inter = await fake.send_interaction(
            fake.slash(
                "video",
                {"prompt": "an astronaut waves"},
                attachments={"image": fake.add_attachment("me.png", FACE)},
                user=alice,
            )
        )
        (job,) = await wait_jobs(fake, service, alice["id"], 1)
        answer = await answer_of(fake, inter)
        assert (
            "consent" in answer["content"]
            and str(job.id)[:8] in answer["content"]
            and str(job.id) not in answer["content"]
            and answer["flags"] & 64
        )
        confirm, decline = custom_id("consent", job.id), custom_id("decline", job.id)
        question = stored_message_with(fake, confirm)
        assert custom_ids(question) == [confirm, decline]
        assert (await service.job(job.id)).state is JobState.AWAITING_CONSENT
        assert await service.queue.position(job.id) is None  # not queued

        # Bob clicks Alice's buttons: refused, nothing changes.
        for cid in (confirm, decline):
            text = await click_answer(fake, question, cid, bob)
            assert "Only the person who uploaded" in text, text
        assert (await service.job(job.id)).state is JobState.AWAITING_CONSENT
        assert await service.queue.position(job.id) is None

        # Alice confirms: queued, rendered, delivered to the status message as usual.
        text = await click_answer(fake, question, confirm, alice)
        assert "consent recorded" in text
        assert (await service.job(job.id)).state is JobState.QUEUED
        assert await render_all(service) == 1
        await fake.wait_for(lambda: clip_posts(fake), what="clip of the consented job")

        # A second face job, declined: cancelled, never queued, never rendered.
        second = await fake.send_interaction(
            fake.slash(
                "video",
                {"prompt": "the astronaut again"},
                attachments={"image": fake.add_attachment("me2.png", FACE)},
                user=alice,
            )
        )
        jobs = await wait_jobs(fake, service, alice["id"], 2)
        declined = next(j for j in jobs if j.id != job.id)
        await answer_of(fake, second)
        question2 = stored_message_with(fake, custom_id("decline", declined.id))
        text = await click_answer(fake, question2, custom_id("decline", declined.id), alice)
        assert "cancelled" in text
        assert (await service.job(declined.id)).state is JobState.CANCELLED
        assert await render_all(service) == 0
        assert len(clip_posts(fake)) == 1

        # /usage: the stored GPU-seconds of Alice's finished job, in en and zh-TW.
        def set_gpu_seconds() -> None:
            with session_scope(service.db) as session:
                row = session.get(Job, job.id)
                assert row is not None and row.gpu_seconds is not None  # the worker measured it
                row.gpu_seconds = 123.4
                session.add(row)

        await asyncio.to_thread(set_gpu_seconds)
        usage = await fake.send_interaction(fake.slash("usage", user=alice))
        answer = await answer_of(fake, usage)
        assert answer["flags"] & 64
        assert "Your GPU use today: 123 of 600 GPU-seconds (477 left)" in answer["content"], answer["content"]
        assert "this month: 123 of 6,000" in answer["content"]
        zh = await answer_of(
            fake, await fake.send_interaction(fake.slash("usage", user=alice, locale="zh-TW"))
        )
        assert "你今天的 GPU 用量：已用 123 / 600 GPU 秒（剩 477）" in zh["content"], zh["content"]
        # Bob has used nothing.
        bob_usage = await answer_of(fake, await fake.send_interaction(fake.slash("usage", user=bob)))
        assert "Your GPU use today: 0 of 600" in bob_usage["content"]
        assert len(await service.jobs_for(Platform.DISCORD, bob["id"], active_only=False)) == 0
        assert followups(fake, usage.token)

        # Nearly out of fast quota: the next job goes to the relaxed lane and the ack says so.
        def nearly_spent() -> None:
            with session_scope(service.db) as session:
                row = session.get(Job, job.id)
                assert row is not None
                row.gpu_seconds = 599.9
                session.add(row)

        await asyncio.to_thread(nearly_spent)
        relaxed = await fake.send_interaction(fake.slash("video", {"prompt": "a slow boat"}, user=alice))
        text = (await answer_of(fake, relaxed))["content"]
        assert text.startswith("Queued as job"), text
        assert "relaxed lane" in text, text
