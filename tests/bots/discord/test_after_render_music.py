"""``/video … music:"<description>"``: the clip, then its music, then the finished Short.

With the tiny ACE-Step engine (real AceStepPipeline, random weights) on the real worker:
the description is moderated before the video job is queued (a refused one queues nothing);
once the clip is posted the bot queues one ``music`` task as long as the clip (keyed by the
job id), and the music path (:mod:`reelbot.bots.discord.finish_music`) queues the finish
with the composed track once it is done — one of each even when the clip's ``done`` comes
twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reelbot.app.service import ReelbotService
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.settings import Settings
from reelbot.domain.tasks import FINISH, MUSIC, music_key
from reelbot.domain.types import Platform
from tests.bots.discord.helpers import followups, render_all, wait_jobs
from tests.bots.discord.test_after_render import BOAT, finished_posts, notes_left, video
from tests.bots.discord.test_finish_music import service_idle, tasks_of, until
from tests.fakes.discord_api import FakeDiscord


@pytest.fixture
def settings(settings: Settings) -> Settings:
    finish = settings.finish.model_copy(update={"music_engine": "tiny-ace-step"})
    return settings.model_copy(update={"finish": finish})


async def test_video_with_music_composes_then_finishes_once(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
) -> None:
    alice = fake.user(name="alice")
    async with start_bot():
        _, answer = await video(fake, {**BOAT, "music": "warm lo-fi piano", "lyrics": "paper boat"}, alice)
        assert "music composed from your description" in answer["content"], answer
        (job,) = await wait_jobs(fake, service, alice["id"], 1)
        assert tasks_of(service, MUSIC) == []  # composed once the clip exists

        assert await render_all(service, tasks=2) == 1  # the clip; its music, then the finish
        (music,) = tasks_of(service, MUSIC)
        assert music.idempotency_key == f"discord:after-music:{job.id}"
        payload = music.payload_json or {}
        clip = await service.clip((await service.job(job.id)).clip_id)  # type: ignore[arg-type]
        assert (payload["description"], payload["lyrics"]) == ("warm lo-fi piano", "paper boat")
        assert payload["seconds"] == pytest.approx(max(1.0, clip.duration_s))
        (finish,) = tasks_of(service, FINISH)
        stored = finish.payload_json or {}
        assert (stored["audio"], stored["audio_key"]) == ("music", music_key(music.id))
        assert finish.clip_id == clip.id
        await fake.wait_for(lambda: finished_posts(fake), what="finished short posted")
        assert await notes_left(service) == []

        done = await service.job(job.id)
        again = JobEvent(kind=EventKind.DONE, job_id=job.id, origin=done.request.origin, clip_id=done.clip_id)
        await service.events(Platform.DISCORD).publish(again)
        await until(lambda: service_idle(service), "events read")
    assert len(tasks_of(service, MUSIC)) == 1 and len(tasks_of(service, FINISH)) == 1


async def test_a_refused_music_description_queues_no_video(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    alice = fake.user(name="alice")
    async with start_bot():
        for locale, expected in (("en-US", "sexual or nude content"), ("zh-TW", "色情或裸露內容")):
            inter, answer = await video(fake, {**BOAT, "music": "nude dancers"}, alice, locale)
            assert answer["flags"] & 64 and expected in answer["content"], answer
            assert len(followups(fake, inter.token)) == 1
        assert fake.channel_messages() == []
    assert await service.jobs_for(Platform.DISCORD, alice["id"]) == []
    assert tasks_of(service, MUSIC) == [] and await notes_left(service) == []
    assert sum(lane["waiting"] for lane in (await service.queue.depth()).values()) == 0
