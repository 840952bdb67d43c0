"""Small helpers the Discord tests share: finding the bot's messages and running a worker."""

from __future__ import annotations

import uuid
from typing import Any

from reelbot.app.service import ReelbotService
from reelbot.bots.common.actions import parse_custom_id
from tests.fakes.discord_api import Call, FakeDiscord, custom_ids


def clip_posts(fake: FakeDiscord) -> list[Call]:
    """Channel messages the bot created with an mp4 attached (multipart upload)."""
    return [
        c
        for c in fake.find("POST", f"/channels/{fake.channel_id}/messages")
        if c.status == 200 and any(f.filename.endswith(".mp4") for f in c.files)
    ]


def status_posts(fake: FakeDiscord) -> list[Call]:
    return [
        c
        for c in fake.find("POST", f"/channels/{fake.channel_id}/messages")
        if c.status == 200 and not c.files and not (c.json or {}).get("components")
    ]


def message_for(fake: FakeDiscord, call: Call) -> dict[str, Any]:
    """The stored message a create call produced (matched by its payload content)."""
    content = (call.json or {}).get("content")
    for message in reversed(list(fake.messages.values())):
        if message.get("content") == content and message["author"].get("bot"):
            return message
    raise AssertionError(f"no stored message with content {content!r}")


def clip_id_of(message: dict[str, Any]) -> uuid.UUID:
    ids = [parse_custom_id(cid) for cid in custom_ids(message)]
    found = {target for parsed in ids if parsed for _action, target in [parsed]}
    assert len(found) == 1, custom_ids(message)
    return found.pop()


async def render_all(service: ReelbotService, *, tasks: int = 0) -> int:
    """Run a real worker (tiny preset) until the queue is empty; returns clip jobs done.

    ``tasks``: worker tasks the bot queues by itself on the way (a storyboard's draft once its
    last shot is done, a Finish for Shorts click) that must have run too — workers are run
    again as soon as the bot has queued the next one.
    """
    import asyncio
    import time

    from reelbot.cli.wiring import worker_for

    jobs = done = 0
    deadline = time.monotonic() + 60
    while True:
        worker = worker_for(service, burst=True)
        await worker.run()
        jobs, done = jobs + worker.jobs_done, done + worker.tasks.done
        if done >= tasks:
            assert done == tasks, f"{done} worker tasks ran, expected {tasks}"
            return jobs
        while not any(lane["waiting"] for lane in (await service.queue.depth()).values()):
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot queued {done} of {tasks} worker tasks")
            await asyncio.sleep(0.05)


async def wait_jobs(fake: FakeDiscord, service: ReelbotService, user_id: str, count: int) -> list[Any]:
    """Wait until ``user_id`` has ``count`` jobs stored (the status message comes first), each
    queued one with its queue message too: the row is stored just before the message, and a
    burst worker (:func:`render_all`) started in between would find nothing to render."""
    from reelbot.domain.types import JobState, Platform

    found: list[Any] = []

    async def poll() -> bool:
        found[:] = await service.jobs_for(Platform.DISCORD, user_id, active_only=False)
        if len(found) < count:
            return False
        for job in found:  # no message yet (or a running worker claimed it): look again
            if job.state is JobState.QUEUED and await service.queue.position(job.id) is None:
                return False
        return True

    import asyncio
    import time

    deadline = time.monotonic() + 20
    while not await poll():
        if time.monotonic() > deadline:
            raise AssertionError(f"user {user_id} has {len(found)} jobs, expected {count}; {fake.summary()}")
        await asyncio.sleep(0.05)
    return found


def followups(fake: FakeDiscord, token: str) -> list[Call]:
    """Follow-up messages sent with an interaction's token (the ephemeral replies)."""
    return fake.find("POST", f"/webhooks/{fake.app_id}/{token}")


async def answer_of(fake: FakeDiscord, inter: Any) -> dict[str, Any]:
    """The visible answer to an interaction: the immediate message (type 4) or the first
    follow-up after a defer. Returns its message data (content, flags, components)."""

    def found() -> dict[str, Any] | None:
        cb = inter.callback
        if cb is not None and cb.json.get("type") == 4:
            return dict(cb.json["data"])
        ups = followups(fake, inter.token)
        return dict(ups[0].json) if ups else None

    result: dict[str, Any] = await fake.wait_for(found, what=f"answer to interaction {inter.id}")
    return result
