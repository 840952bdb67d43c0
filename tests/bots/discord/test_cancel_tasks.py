"""Discord cancels tasks too (music being composed, a finish running), by LINE's rule.

Through the real discord.py and the fake Discord, with the real service (Redis, SQLite):
``/cancel`` with no argument stops the person's newest unfinished work started here — a music
task newer than a video is cancelled and the video keeps its place; a music task a finish
waits on then queues no finish and the channel hears it once; ``/cancel job:`` takes a task's
short id; someone else's task is refused; ``/queue`` and autocomplete list tasks with a
readable label; the Cancel buttons (``reelbot:canceltask:<id>``) under ``/queue``, under the
"Composing…" reply and under a finish's status message work, and the finish's status message
says it was cancelled and loses its button.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from reelbot.app.service import ReelbotService
from reelbot.bots.common.actions import custom_id
from reelbot.bots.discord.components import CANCEL_TASK
from reelbot.cli.wiring import worker_for
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.settings import Settings
from reelbot.domain.tasks import FINISH, MUSIC
from reelbot.domain.types import JobState, Platform
from tests.bots.discord.helpers import answer_of, followups, wait_jobs
from tests.bots.discord.test_finish import posted_clip
from tests.bots.discord.test_finish_command import ask
from tests.bots.discord.test_finish_music import nothing_pending, service_idle, tasks_of, until
from tests.fakes.discord_api import FakeDiscord, custom_ids


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The tiny ACE-Step engine, so ``/finish … music:`` queues a music task."""
    finish = settings.finish.model_copy(update={"music_engine": "tiny-ace-step"})
    return settings.model_copy(update={"finish": finish})


async def command(fake: FakeDiscord, name: str, options: dict[str, Any] | None = None, **kw: Any) -> str:
    """The private answer to a slash command."""
    inter = await fake.send_interaction(fake.slash(name, options or {}, **kw))
    answer = await answer_of(fake, inter)
    assert answer["flags"] & 64, answer
    return str(answer["content"])


async def click(fake: FakeDiscord, message: dict[str, Any], cid: str, user: dict[str, Any]) -> str:
    inter = await fake.send_interaction(fake.click(message, cid, user=user))
    (first,) = await fake.wait_for(lambda: followups(fake, inter.token), what=f"answer to {cid}")
    return str(first.json["content"])


def message_with(fake: FakeDiscord, cid: str) -> dict[str, Any] | None:
    return next((m for m in list(fake.messages.values()) if cid in custom_ids(m)), None)


async def compose(
    fake: FakeDiscord, service: ReelbotService, clip_id: uuid.UUID, user: dict[str, Any]
) -> Any:
    """``/finish clip music:`` → the new music task (the finish waits for it)."""
    before = {t.id for t in tasks_of(service, MUSIC)}
    _, answer = await ask(fake, {"clip": str(clip_id), "music": "warm lo-fi piano"}, user=user)
    assert answer["content"].startswith("🎵 Composing…"), answer
    (task,) = [t for t in tasks_of(service, MUSIC) if t.id not in before]
    return task


async def compose_only(service: ReelbotService) -> None:
    """A real worker renders the tiny ACE-Step track, then stops (SIGTERM's path) as it
    publishes the track's ``done``, so the finish the bot then queues stays waiting."""
    worker = worker_for(service, burst=True)
    publish = worker.parts.publish

    async def then_stop(event: JobEvent) -> None:
        await publish(event)
        if event.kind is EventKind.DONE and event.task == MUSIC:
            worker.stop()

    object.__setattr__(worker.parts, "publish", then_stop)
    await worker.run()
    assert worker.tasks.done == 1


async def test_cancel_newest_stops_the_music_and_the_video_keeps_its_place(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
) -> None:
    alice = fake.user(name="alice")
    async with start_bot():
        _, clip_id = await posted_clip(fake, service, tmp_path, alice)
        await command(fake, "video", {"prompt": "a paper boat on a lake"}, user=alice)
        (job,) = [j for j in await wait_jobs(fake, service, alice["id"], 2) if j.state is JobState.QUEUED]
        assert await service.queue.position(job.id) == 1
        music = await compose(fake, service, clip_id, alice)

        said = await command(fake, "cancel", user=alice)  # the newest work here: the music
        assert said == f"Cancelled music: warm lo-fi piano (`{str(music.id)[:8]}`).", said
        (stored,) = tasks_of(service, MUSIC)
        assert JobState(stored.state) is JobState.CANCELLED
        assert (await service.job(job.id)).state is JobState.QUEUED
        assert await service.queue.position(job.id) == 1  # the video keeps its place

        # The finish that waited for the music is dropped, and the channel is told once.
        told = "🎵 The music (job"
        await fake.wait_for(
            lambda: any(told in m["content"] for m in fake.channel_messages()), what="cancel told"
        )
        await until(lambda: nothing_pending(service), "pending finish dropped")
        await until(lambda: service_idle(service), "events read")
        assert sum(told in m["content"] for m in fake.channel_messages()) == 1

        # Again: now the video is the newest unfinished work here.
        said = await command(fake, "cancel", user=alice, locale="zh-TW")
        assert said == f"已取消工作 `{str(job.id)[:8]}`。", said
        assert (await service.job(job.id)).state is JobState.CANCELLED
        assert "你沒有可以取消的工作" in await command(fake, "cancel", user=alice, locale="zh-TW")
    assert tasks_of(service, FINISH) == []
    assert sum(lane["waiting"] for lane in (await service.queue.depth()).values()) == 0


async def test_tasks_by_short_id_autocomplete_queue_and_buttons(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
) -> None:
    alice, bob = fake.user(name="alice"), fake.user(name="bob")
    async with start_bot():
        _, clip_id = await posted_clip(fake, service, tmp_path, alice)
        first = await compose(fake, service, clip_id, alice)
        short = str(first.id)[:8]

        # Someone else's task: refused by its full id, unknown by its short id; nothing changes.
        said = await command(fake, "cancel", {"job": str(first.id)}, user=bob)
        assert said == f"Job {first.id} belongs to someone else.", said
        assert f"can't find job {short}" in await command(fake, "cancel", {"job": short}, user=bob)

        # Autocomplete and /queue list it by what it is; /queue's button is the task's own.
        auto = await fake.send_interaction(fake.slash("cancel", {"job": ""}, focused="job", user=alice))
        choices = (await fake.answered(auto)).json["data"]["choices"]
        assert {"name": f"{short} · music: warm lo-fi piano", "value": str(first.id)} in choices, choices
        listing = await command(fake, "queue", user=alice, locale="zh-TW")
        assert (
            "你的影片與工作（1 項）" in listing
            and f"`{short}` — 音樂：warm lo-fi piano · 排隊中，第 1 位" in listing
        )
        button = custom_id(CANCEL_TASK, first.id)
        queue_message = await fake.wait_for(lambda: message_with(fake, button), what="/queue's button")
        refused = await click(fake, queue_message, button, bob)
        assert refused == f"Job {first.id} belongs to someone else.", refused
        assert JobState(tasks_of(service, MUSIC)[0].state) is JobState.QUEUED

        # Alice by the short id.
        said = await command(fake, "cancel", {"job": short}, user=alice)
        assert said == f"Cancelled music: warm lo-fi piano (`{short}`).", said

        # A second track, cancelled from the Cancel button under its "Composing…" reply.
        second = await compose(fake, service, clip_id, alice)
        composing = message_with(fake, custom_id(CANCEL_TASK, second.id))
        assert composing is not None and composing["content"].startswith("🎵 Composing…")
        said = await click(fake, composing, custom_id(CANCEL_TASK, second.id), alice)
        assert said == f"Cancelled music: warm lo-fi piano (`{str(second.id)[:8]}`).", said
        again = await click(fake, composing, custom_id(CANCEL_TASK, second.id), alice)
        assert "already cancelled and can't be cancelled" in again, again
        await until(lambda: nothing_pending(service), "pending finishes dropped")
    states = {JobState(t.state) for t in tasks_of(service, MUSIC)}
    assert states == {JobState.CANCELLED} and tasks_of(service, FINISH) == []


async def test_the_finish_status_message_has_a_cancel_button(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
) -> None:
    alice, bob = fake.user(name="alice"), fake.user(name="bob")
    async with start_bot():
        clip_message, clip_id = await posted_clip(fake, service, tmp_path, alice)
        inter = await fake.send_interaction(
            fake.click(clip_message, custom_id("finish", clip_id), user=alice)
        )
        await fake.wait_for(lambda: followups(fake, inter.token), what="finish queued")
        (finish,) = tasks_of(service, FINISH)
        button = custom_id(CANCEL_TASK, finish.id)
        status = await fake.wait_for(lambda: message_with(fake, button), what="Cancel under the status")
        assert status["id"] == json.loads(finish.origin_json)["message_id"]  # the status message

        refused = await click(fake, status, button, bob)
        assert refused == f"Job {finish.id} belongs to someone else.", refused
        said = await click(fake, status, button, alice)
        assert said == f"Cancelled finish: {str(clip_id)[:8]} (`{str(finish.id)[:8]}`).", said
        assert JobState(tasks_of(service, FINISH)[0].state) is JobState.CANCELLED
        edited = await fake.wait_for(
            lambda: (
                fake.messages[status["id"]] if "Cancelled" in fake.messages[status["id"]]["content"] else None
            ),
            what="status says cancelled",
        )
        assert edited["content"] == "🚫 Cancelled." and custom_ids(edited) == []  # the button went
    assert sum(lane["waiting"] for lane in (await service.queue.depth()).values()) == 0
    assert await service.jobs_for(Platform.DISCORD, alice["id"], active_only=True) == []


async def test_the_finishing_message_after_composed_music_has_a_cancel_button(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
) -> None:
    alice = fake.user(name="alice")
    async with start_bot():
        _, clip_id = await posted_clip(fake, service, tmp_path, alice)
        await compose(fake, service, clip_id, alice)
        await compose_only(service)
        finish = await fake.wait_for(lambda: next(iter(tasks_of(service, FINISH)), None), what="finish")
        button = custom_id(CANCEL_TASK, finish.id)
        status = await fake.wait_for(lambda: message_with(fake, button), what="Cancel under 'finishing'")
        assert status["content"].startswith("🎵 The music is ready; finishing the video with it.")
        said = await click(fake, status, button, alice)
        assert said == f"Cancelled finish: {str(clip_id)[:8]} (`{str(finish.id)[:8]}`).", said
        edited = await fake.wait_for(
            lambda: m if (m := fake.messages[status["id"]])["content"] == "🚫 Cancelled." else None,
            what="status says cancelled",
        )
        assert custom_ids(edited) == []
    assert JobState(tasks_of(service, FINISH)[0].state) is JobState.CANCELLED
