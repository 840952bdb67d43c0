"""``/finish … music:"<description>"`` through the real discord.py and the fake Discord.

The description is moderated and queued as a ``music`` task (real Redis/SQLite); the real
worker renders it with the tiny AceStepPipeline (``tiny-ace-step``); the bot's delivery loop
sees it done and queues the finish with ``audio="music"`` and the task's key — once — which
the worker then makes and the bot posts. A failed music task is told in the channel and
queues no finish. Refusals (no music engine — the default —, music with an own track) get
one ephemeral message in the person's locale and leave nothing queued or stored.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from reelbot.app.service import ReelbotService
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.messages import CATALOGUE, ZH_TW
from reelbot.domain.settings import Settings
from reelbot.domain.tasks import FINISH, MUSIC, music_key
from reelbot.domain.types import Platform
from reelbot.storage.db import session_scope
from reelbot.storage.models import Task
from tests.bots.discord.helpers import followups, render_all
from tests.bots.discord.test_finish import finished_posts, posted_clip
from tests.bots.discord.test_finish_command import ask, sine_wav, track_key
from tests.fakes.discord_api import FakeDiscord


@pytest.fixture
def music_engine() -> str | None:
    """The tiny ACE-Step engine; a test parametrizes None for a server without music."""
    return "tiny-ace-step"


@pytest.fixture
def settings(settings: Settings, music_engine: str | None) -> Settings:
    finish = settings.finish.model_copy(update={"music_engine": music_engine})
    return settings.model_copy(update={"finish": finish})


def tasks_of(service: ReelbotService, kind: str) -> list[Task]:
    with session_scope(service.db) as session:
        return list(session.exec(select(Task).where(Task.kind == kind).order_by(Task.created_at)).all())


async def nothing_pending(service: ReelbotService) -> bool:
    pattern = service.platform_key(Platform.DISCORD, "music-finish", "*")
    return [key async for key in service.redis.scan_iter(match=pattern)] == []


async def test_music_is_composed_then_the_finish_is_queued_with_it(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
) -> None:
    alice = fake.user(name="alice")
    async with start_bot():
        _, clip_id = await posted_clip(fake, service, tmp_path, alice)
        options = {"clip": str(clip_id), "music": "warm lo-fi piano", "lyrics": "paper boat", "fps": 24}
        _, answer = await ask(fake, options, user=alice, locale="en-US")
        assert answer["flags"] & 64 and answer["content"].startswith("🎵 Composing…"), answer
        (music,) = tasks_of(service, MUSIC)
        payload = music.payload_json or {}
        assert (payload["description"], payload["lyrics"], payload["seconds"]) == (
            "warm lo-fi piano",
            "paper boat",
            1.0,  # the clip's length
        )
        assert tasks_of(service, FINISH) == []  # the finish waits for the track

        assert await render_all(service, tasks=2) == 0  # the music, then the finish the bot queued
        (finish,) = tasks_of(service, FINISH)
        stored = finish.payload_json or {}
        assert (stored["audio"], stored["audio_key"], stored["fps"]) == ("music", music_key(music.id), 24)
        assert finish.clip_id == clip_id and finish.idempotency_key == f"discord:music-finish:{music.id}"
        assert service.media.exists(stored["audio_key"])
        (post,) = await fake.wait_for(lambda: finished_posts(fake), what="finished short posted")
        assert post.files[0].data[4:8] == b"ftyp"
        assert await nothing_pending(service)

        # The same done event again (a retried delivery) queues nothing more.
        done = JobEvent(kind=EventKind.DONE, job_id=music.id, origin=finish_origin(music), task=MUSIC)
        await service.events(Platform.DISCORD).publish(done)
        await until(lambda: service_idle(service), "events read")
    assert len(tasks_of(service, FINISH)) == 1
    assert sum(lane["waiting"] for lane in (await service.queue.depth()).values()) == 0


async def until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + 30
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def finish_origin(task: Task) -> Any:
    from reelbot.storage import tasks as task_repo

    return task_repo.task_origin(task)


async def service_idle(service: ReelbotService) -> bool:
    """True once the bot's consumer group has read everything on the events stream."""
    stream = service.keys.events(Platform.DISCORD.value)
    groups = [
        {(k.decode() if isinstance(k, bytes) else k): v for k, v in group.items()}
        for group in await service.redis.xinfo_groups(stream)
    ]
    return bool(groups) and all(int(g["pending"]) == 0 and int(g.get("lag") or 0) == 0 for g in groups)


async def test_a_failed_music_task_is_told_and_finishes_nothing(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
) -> None:
    alice = fake.user(name="alice")
    async with start_bot():
        _, clip_id = await posted_clip(fake, service, tmp_path, alice)
        await ask(fake, {"clip": str(clip_id), "music": "雨夜的爵士鋼琴"}, user=alice, locale="zh-TW")
        (music,) = tasks_of(service, MUSIC)
        failed = JobEvent(
            kind=EventKind.FAILED,
            job_id=music.id,
            origin=finish_origin(music),
            task=MUSIC,
            error_key="error.internal",
        )
        await service.events(Platform.DISCORD).publish(failed)
        said = await fake.wait_for(
            lambda: next((m for m in fake.channel_messages() if "作曲失敗" in m["content"]), None),
            what="failure told",
        )
        assert "沒有輸出任何影片" in said["content"]
        await until(lambda: nothing_pending(service), "pending finish dropped")
    assert tasks_of(service, FINISH) == []


@pytest.mark.parametrize("music_engine", [None])
async def test_no_music_engine_is_refused_in_both_languages(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
) -> None:
    alice = fake.user(name="alice")
    async with start_bot():
        message, clip_id = await posted_clip(fake, service, tmp_path, alice)
        for locale, expected in (
            ("en-US", "has not enabled music generation"),
            ("zh-TW", "還沒有開啟音樂生成"),
        ):
            inter, answer = await ask(
                fake, {"clip": str(clip_id), "music": "lo-fi"}, user=alice, locale=locale
            )
            assert answer["flags"] & 64 and expected in answer["content"], answer
            assert len(followups(fake, inter.token)) == 1
        assert [m["id"] for m in fake.channel_messages()] == [message["id"]]
    assert tasks_of(service, MUSIC) == [] and tasks_of(service, FINISH) == []
    assert sum(lane["waiting"] for lane in (await service.queue.depth()).values()) == 0
    assert await nothing_pending(service)


async def test_music_and_an_own_track_together_are_refused(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
) -> None:
    alice = fake.user(name="alice")
    song = sine_wav(tmp_path / "song.wav")
    async with start_bot():
        message, clip_id = await posted_clip(fake, service, tmp_path, alice)
        for locale, expected in (("en-US", "Choose one soundtrack"), ("zh-TW", "請只選一種配樂")):
            attachments = {"audio": fake.add_attachment("song.wav", song, "audio/wav")}
            options = {"clip": str(clip_id), "music": "lo-fi"}
            inter, answer = await ask(fake, options, attachments=attachments, user=alice, locale=locale)
            assert answer["flags"] & 64 and expected in answer["content"], answer
            assert len(followups(fake, inter.token)) == 1
        assert [m["id"] for m in fake.channel_messages()] == [message["id"]]
    assert not service.media.exists(track_key(song, ".wav"))
    assert tasks_of(service, MUSIC) == [] and tasks_of(service, FINISH) == []
    assert await nothing_pending(service)


async def test_music_options_are_localised(fake: FakeDiscord, start_bot: Any) -> None:
    async with start_bot():
        command = next(c for c in fake.commands if c["name"] == "finish")
    described = {o["name"]: o for o in command["options"]}
    for name in ("music", "lyrics"):
        assert described[name]["description_localizations"]["zh-TW"] == CATALOGUE[ZH_TW][f"cmd.finish.{name}"]
