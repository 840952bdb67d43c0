"""``/video`` with after-render finish options is refused *up front* when the clip plus its
finish (plus its music) would not fit the person's quota — not after the clip was rendered.

Real discord.py against the fake Discord, real Redis ledger and SQLite, the real worker
(tiny preset) and ffmpeg finish. Tiny figures from the profile (nothing measured yet): a
1-s clip plans 9 frames at 8 fps (1.125 s) and costs ≈ 0.71 GPU-s; its finish 4.8 × 1.125
= 5.4 s; music for it 5 + 0.5 × 1.125 s. A 1-s daily quota (2 s with the relaxed lane)
fits the clip, not clip + finish: one private en/zh-TW answer naming the total and that the
clip alone fits, no job, no task, no note, nothing queued, no track in the media store. A
30-s quota fits both: the clip renders and is posted, its finish is queued, and what was
checked up front is what the two reserved — estimate(clip) + estimate_task(finish, the clip's seconds).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from reelbot.app.service import ReelbotService
from reelbot.app.task_costs import plan_cost, planned_clip
from reelbot.cli.wiring import worker_for
from reelbot.domain.settings import Settings
from reelbot.domain.tasks import FINISH, MUSIC
from reelbot.domain.types import GenerationRequest, Platform
from reelbot.storage.db import session_scope
from reelbot.storage.models import Job
from tests.bots.discord.helpers import clip_posts, followups, wait_jobs
from tests.bots.discord.test_after_render import BOAT, notes_left, track_files, video
from tests.bots.discord.test_finish_command import sine_wav
from tests.bots.discord.test_finish_music import tasks_of, until
from tests.fakes.discord_api import FakeDiscord


def with_quota(settings: Settings, daily_gpu_s: float) -> Settings:
    user = settings.quotas.user.model_copy(update={"daily_gpu_s": daily_gpu_s})
    finish = settings.finish.model_copy(update={"music_engine": "tiny-ace-step"})
    quotas = settings.quotas.model_copy(update={"user": user})
    return settings.model_copy(update={"quotas": quotas, "finish": finish})


class TestOverQuota:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        """1 GPU-second a day (2 with the relaxed lane): the clip fits, clip + finish does not."""
        return with_quota(settings, 1.0)

    async def test_refused_before_anything_is_queued_or_stored(
        self, fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
    ) -> None:
        alice = fake.user(name="alice")
        song = sine_wav(tmp_path / "song.wav", seconds=1.0)
        cases = [
            ({"caption": "紙船出航"}, True, "en-US", [
                "This video and the Short you asked for need about 6 GPU-seconds "
                "(1 for the video, 5 to finish it as a Short), but you have 2 left today (limit 2) — 4 over.",
                "Nothing was queued. Without audio, music and caption, the video alone fits.",
            ]),
            ({"audio_mode": "replace"}, True, "zh-TW", [
                "這支影片加上你要的 Shorts 大約需要 6 GPU 秒（影片約 1，輸出成 Shorts 約 5），"
                "但你今天只剩 2（上限 2），超出 4。",
                "沒有排入任何工作。不加音訊、音樂和字幕的話，只做影片的額度還夠。",
            ]),
            ({"music": "lo-fi piano"}, False, "en-US", [  # 0.71 + (5 + 0.56) + 5.4 ≈ 12
                "need about 12 GPU-seconds (1 for the video, 11 to compose its music and finish it as a",
            ]),
        ]  # fmt: skip
        async with start_bot():
            for options, with_track, locale, expected in cases:
                files = {"audio": fake.add_attachment("song.wav", song, "audio/wav")} if with_track else {}
                inter, answer = await video(fake, {**BOAT, **options}, alice, locale, **files)
                assert answer["flags"] & 64, answer
                for part in expected:
                    assert part in answer["content"], (part, answer["content"])
                assert len(followups(fake, inter.token)) == 1  # one message
            assert fake.channel_messages() == []  # no status message
        assert await service.jobs_for(Platform.DISCORD, alice["id"], active_only=False) == []
        assert tasks_of(service, FINISH) == tasks_of(service, MUSIC) == []
        assert await notes_left(service) == []
        assert sum(lane["waiting"] for lane in (await service.queue.depth()).values()) == 0
        assert track_files(service) == []  # the track checked and stored up front was removed
        assert await service.limits.open_reservations() == {}  # checked, nothing reserved

    async def test_without_the_finish_options_the_clip_alone_is_queued(
        self, fake: FakeDiscord, service: ReelbotService, start_bot: Any
    ) -> None:
        alice = fake.user(name="alice")
        async with start_bot():
            _, answer = await video(fake, BOAT, alice)
            assert "Queued as job" in answer["content"] and "Short" not in answer["content"], answer
            (job,) = await wait_jobs(fake, service, alice["id"], 1)
        assert job.state.value == "queued" and tasks_of(service, FINISH) == []


class TestWithinQuota:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        """30 GPU-seconds a day: clip + finish fit (with room for a slow CPU's measured clip)."""
        return with_quota(settings, 30.0)

    async def test_clip_and_finish_both_happen_charged_what_was_checked(
        self, fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
    ) -> None:
        """The clip renders and is posted, then its finish is queued holding its reservation
        (running the finish itself is test_after_render's: here only what it is charged)."""
        alice = fake.user(name="alice")
        song = sine_wav(tmp_path / "song.wav", seconds=1.0)
        async with start_bot():
            attachment = fake.add_attachment("song.wav", song, "audio/wav")
            _, answer = await video(fake, {**BOAT, "caption": "紙船出航"}, alice, audio=attachment)
            assert "Once the clip is rendered I finish it for Shorts" in answer["content"], answer
            (job,) = await wait_jobs(fake, service, alice["id"], 1)
            # What the check priced, from the same table, before anything ran.
            routed, seconds = planned_clip(service, GenerationRequest(**BOAT, origin=job.request.origin))
            cost = await plan_cost(service, [routed], video_s=seconds)
            clip_est = (await service.estimates.estimate(routed)).seconds
            finish_est = (await service.estimates.estimate_task(FINISH, seconds)).seconds
            assert (cost.work_s, cost.tasks_s) == (pytest.approx(clip_est), pytest.approx(finish_est))
            assert cost.total_s == pytest.approx(clip_est + finish_est)
            await _render_the_clip_only(service)
            await fake.wait_for(lambda: clip_posts(fake), what="clip posted")
            await until(lambda: _finish_queued(service), "finish queued after the clip")
        (finish,) = tasks_of(service, FINISH)
        assert finish.idempotency_key == f"discord:after-render:{job.id}"
        clip = await service.clip((await service.job(job.id)).clip_id)
        assert clip.duration_s == pytest.approx(seconds)  # the finish's units: the planned seconds
        assert finish.estimate_s == pytest.approx(finish_est)  # it reserved what was checked
        with session_scope(service.db) as session:
            stored = session.get(Job, job.id)
            assert stored is not None and stored.moderation_json is not None
            assert stored.moderation_json["estimate_gpu_s"] == pytest.approx(clip_est, abs=1e-3)


async def _render_the_clip_only(service: ReelbotService) -> None:
    """A real worker renders the clip and is stopped once it has (the finish the bot queues
    afterwards is left waiting; should the worker claim it first, it only takes longer)."""
    worker = worker_for(service, warm_up=False)  # not burst: it must not leave before the clip
    run = asyncio.create_task(worker.run())

    async def rendered() -> bool:
        return worker.jobs_done >= 1 or run.done()

    await until(rendered, "the clip rendered")
    worker.stopping.set()
    await run
    assert worker.jobs_done == 1


async def _finish_queued(service: ReelbotService) -> bool:
    return len(tasks_of(service, FINISH)) == 1
