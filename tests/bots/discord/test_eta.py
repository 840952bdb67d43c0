"""Live ETA on Discord: the status message of a waiting job says its lane, place and expected
wait from measured renders over the live workers, and is edited again when that changes
(not when it does not); the ack prices the clip from measurements; /queue shows lane and ETA.

Real discord.py against the fake Discord, the real service (Redis queue, SQLite); "workers"
are names stamped alive in the queue, as a worker's claims stamp them.
"""

from __future__ import annotations

import asyncio
from typing import Any

from reelbot.bots.discord.config import DiscordConfig
from reelbot.domain.types import JobState, Platform
from tests.bots.discord.helpers import followups, wait_jobs
from tests.fakes.discord_api import FakeDiscord
from tests.jobrecords import finish_job


def measure(service: Any, request: Any, seconds: float) -> None:
    """A finished job with the same recipe as ``request``, measured at ``seconds``."""
    import uuid

    from reelbot.storage import jobs as job_repo
    from reelbot.storage.db import session_scope

    with session_scope(service.db) as session:
        job_id = job_repo.create_job(session=session, request=request, idempotency_key=uuid.uuid4().hex).id
    finish_job(service.db, job_id, gpu_seconds=seconds)


def edits_of(fake: FakeDiscord, message_id: str) -> list[str]:
    return [
        (c.json or {}).get("content", "")
        for c in fake.find("PATCH", f"/channels/{fake.channel_id}/messages/{message_id}")
    ]


async def test_status_message_shows_and_updates_the_live_eta(
    fake: FakeDiscord, service: Any, config: DiscordConfig, start_bot: Any
) -> None:
    quiet = config.model_copy(update={"eta_refresh_s": 3600.0})  # the test calls the refresh itself
    alice, bob = fake.user(name="alice"), fake.user(name="bob")
    await service.queue.mark_seen("worker-1")  # one GPU worker serves the queue
    async with start_bot(quiet) as bot:
        first = await fake.send_interaction(
            fake.slash("video", {"prompt": "a paper boat", "seed": 3}, user=bob)
        )
        (bob_job,) = await wait_jobs(fake, service, bob["id"], 1)
        # Every clip of this recipe measured at 12 GPU-seconds (three renders: enough to refit).
        for _ in range(3):
            await asyncio.to_thread(measure, service, bob_job.request, 12.0)
        service.estimates.invalidate()
        await fake.wait_for(lambda: followups(fake, first.token), what="bob's ack")

        inter = await fake.send_interaction(
            fake.slash("video", {"prompt": "a paper boat", "seed": 3}, user=alice)
        )
        (job,) = await wait_jobs(fake, service, alice["id"], 1)
        # The ack prices the clip from the measurements and says when it should be ready.
        ack = (await fake.wait_for(lambda: followups(fake, inter.token), what="alice's ack"))[0]
        assert "about 12 GPU-seconds" in ack.json["content"], ack.json["content"]
        assert "Measured from the last 3 renders" in ack.json["content"]
        assert "Expected to be ready in about 24.0 s." in ack.json["content"]

        status = fake.messages[job.request.origin.message_id]  # the status message it edits
        # Behind Bob's 12 s on one worker, plus its own 12 s.
        one = "Queued — number 2 in the fast lane, ready in about 24.0 s."
        await fake.wait_for(lambda: any(one in e for e in edits_of(fake, status["id"])), what="ETA edit")

        delivery = bot.delivery
        assert delivery is not None and job.id in delivery.eta.tracked
        # Bob's line was written before the measurements existed (the profile's figure): the
        # refresh corrects his message only; a second refresh finds nothing changed, no edit.
        before = len(edits_of(fake, status["id"]))
        assert await delivery.eta.refresh_once() == 1
        bob_status = bob_job.request.origin.message_id
        fixed = "Queued — number 1 in the fast lane, ready in about 12.0 s."  # nobody ahead
        await fake.wait_for(lambda: any(fixed in e for e in edits_of(fake, bob_status)), what="bob's ETA")
        assert await delivery.eta.refresh_once() == 0
        assert len(edits_of(fake, status["id"])) == before
        # A second worker comes: Bob's 12 s are shared by two, 6 + 12.
        await service.queue.mark_seen("worker-2")
        assert await delivery.eta.refresh_once() >= 1
        two = "Queued — number 2 in the fast lane, ready in about 18.0 s."
        await fake.wait_for(lambda: any(two in e for e in edits_of(fake, status["id"])), what="new ETA edit")
        assert len(edits_of(fake, status["id"])) == before + 1

        # /queue: lane, place and ETA of each waiting job (zh-TW for a zh-TW client).
        listing = await fake.send_interaction(fake.slash("queue", user=alice, locale="zh-TW"))
        answer = (await fake.wait_for(lambda: followups(fake, listing.token), what="/queue"))[0]
        assert "排隊中：快速通道第 2 位，預計約 18.0 秒後完成：a paper boat" in answer.json["content"]

        # The job leaves the queue (cancelled): the refresher stops tracking it.
        await service.cancel(job.id, by=job.request.origin)
        await delivery.eta.refresh_once()
        assert job.id not in delivery.eta.tracked
        assert not [c for c in fake.calls if c.status == 429]
        (cancelled,) = await service.jobs_for(Platform.DISCORD, alice["id"], active_only=False)
        assert cancelled.state is JobState.CANCELLED
