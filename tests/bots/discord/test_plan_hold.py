"""``/video`` with a finish option *holds* the Short's quota share from the up-front plan check
on, so spending elsewhere while the clip renders cannot cost the person their Short.

Real discord.py against the fake Discord, real Redis ledger and SQLite, the real worker (tiny
preset). Tiny figures from the profile (nothing measured yet): the clip ≈ 0.71 GPU-s, its
finish 4.8 × 1.125 = 5.4 s. A 3.2-s daily quota (6.4 s with the relaxed lane) fits clip +
finish (6.1 s); with the finish held, one more clip (0.71 s) no longer fits — without the
hold it would (0.71 + 0.71). The Short is queued all the same once the clip is posted, under
the hold's id: the hold *is* its reservation (counted once, in the ledger's counter). A
cancelled or failed clip drops its note and gives the hold back (quota back to zero).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from reelbot.app.plan_holds import TaskHold
from reelbot.app.safety.quotas import quota_windows
from reelbot.app.service import ReelbotService
from reelbot.app.task_costs import plan_cost, planned_clip
from reelbot.bots.discord.pending_finish import PendingFinish
from reelbot.domain.errors import LimitReached
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.settings import Settings
from reelbot.domain.tasks import FINISH, MUSIC
from reelbot.domain.types import GenerationRequest, Origin, Platform
from reelbot.storage import jobs as job_repo
from tests.bots.discord.helpers import clip_posts, render_all, wait_jobs
from tests.bots.discord.test_after_render import BOAT, notes_left, video
from tests.bots.discord.test_after_render_quota import _finish_queued, _render_the_clip_only, with_quota
from tests.bots.discord.test_finish_music import tasks_of, until
from tests.fakes.discord_api import FakeDiscord
from tests.finishclips import lavfi_clip

CAPTIONED = {**BOAT, "caption": "紙船出航"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return with_quota(settings, 3.2)


async def the_holds(service: ReelbotService) -> tuple[TaskHold, ...]:
    """The holds the request's one note carries."""
    (key,) = await notes_left(service)
    return PendingFinish.model_validate_json(await service.redis.get(key)).holds


async def the_hold(service: ReelbotService) -> TaskHold:
    """The one hold the request's note carries (its finish's)."""
    (hold,) = await the_holds(service)
    assert hold.kind == FINISH
    return hold


async def daily_counter(service: ReelbotService, origin: Origin) -> float:
    """What the ledger's Redis counter of the person's daily window holds (estimates)."""

    def windows(session: Any) -> list[Any]:
        return quota_windows(session, service.settings, origin)

    window = next(w for w in await service.run_db(windows) if w.scope == "user" and w.period == "daily")
    return await service.limits.counter(origin, window) or 0.0


async def test_the_held_share_counts_and_becomes_the_finish_reservation(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    alice = fake.user(name="alice")
    async with start_bot():
        _, answer = await video(fake, CAPTIONED, alice)
        assert "Once the clip is rendered I finish it for Shorts" in answer["content"], answer
        (job,) = await wait_jobs(fake, service, alice["id"], 1)
        origin = job.request.origin
        routed, seconds = planned_clip(service, GenerationRequest(**BOAT, origin=origin))
        cost = await plan_cost(service, [routed], video_s=seconds)
        clip_s, finish_s = cost.work_s, cost.tasks_s
        assert clip_s + finish_s <= 6.4 < 2 * clip_s + finish_s and 2 * clip_s <= 6.4  # the figures above
        hold = await the_hold(service)
        assert hold.estimate_s == pytest.approx(finish_s)
        assert set(await service.limits.open_reservations()) == {job.id, hold.task_id}
        assert await daily_counter(service, origin) == pytest.approx(clip_s + finish_s)

        other = GenerationRequest(prompt="a lighthouse at dawn", seed=1, origin=origin)
        with pytest.raises(LimitReached) as err:  # the held finish counts
            await service.submit(other, [], idempotency_key="elsewhere")
        assert err.value.key == "quota.exceeded_user_daily"
        assert len(await service.jobs_for(Platform.DISCORD, alice["id"], active_only=False)) == 1

        await _render_the_clip_only(service)
        await fake.wait_for(lambda: clip_posts(fake), what="clip posted")
        await until(lambda: _finish_queued(service), "finish queued after the clip")
        await until(_notes_gone(service), "note dropped")
    (finish,) = tasks_of(service, FINISH)
    assert finish.id == hold.task_id  # queued under the hold: it took the hold's place
    assert finish.estimate_s == pytest.approx(finish_s)
    assert set(await service.limits.open_reservations()) == {finish.id}  # the clip settled
    held = await service.limits.held(finish.id)
    assert held is not None and held.estimate_s == pytest.approx(finish_s)
    assert await daily_counter(service, origin) == pytest.approx(finish_s)  # counted once


async def test_a_cancelled_clip_gives_the_hold_back(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    alice = fake.user(name="alice")
    async with start_bot():
        await video(fake, CAPTIONED, alice)
        (job,) = await wait_jobs(fake, service, alice["id"], 1)
        hold = await the_hold(service)
        assert hold.task_id in await service.limits.open_reservations()
        await service.cancel(job.id, by=job.request.origin)
        await until(_notes_gone(service), "note dropped")
        await until(_released(service, hold), "hold released with the note")
        await until(_nothing_held(service), "the clip's reservation settled")
        assert await daily_counter(service, job.request.origin) == pytest.approx(0.0)  # quota back
    assert tasks_of(service, FINISH) == []


async def test_a_failed_clip_gives_the_hold_back(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    """As the worker fails a job: the row failed, then its ``failed`` event."""
    alice = fake.user(name="alice")
    async with start_bot():
        await video(fake, CAPTIONED, alice)
        (job,) = await wait_jobs(fake, service, alice["id"], 1)
        hold = await the_hold(service)
        assert await service.run_db(job_repo.mark_failed, job_id=job.id, error_key="job.out_of_memory")
        failed = JobEvent(
            kind=EventKind.FAILED, job_id=job.id, origin=job.request.origin, error_key="job.out_of_memory"
        )
        await service.events(Platform.DISCORD).publish(failed)
        await until(_notes_gone(service), "note dropped")
        await until(_released(service, hold), "hold released with the note")
        await until(_nothing_held(service), "the clip's reservation settled")
        assert await daily_counter(service, job.request.origin) == pytest.approx(0.0)
    assert tasks_of(service, FINISH) == []


def _notes_gone(service: ReelbotService) -> Any:
    async def check() -> bool:
        return await notes_left(service) == []

    return check


class TestWithMusic:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return with_quota(settings, 30.0)  # clip + music + finish ≈ 12 s fit

    async def test_music_then_finish_each_take_their_hold(
        self, fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
    ) -> None:
        """The music task is queued under the music hold; while it composes, the finish's
        hold has moved to the music's note (the clip's note is gone, the hold is not); the
        finish is then queued under its own hold. Nothing else is ever reserved."""
        alice = fake.user(name="alice")
        async with start_bot():
            await video(fake, {**BOAT, "music": "warm lo-fi piano"}, alice)
            (job,) = await wait_jobs(fake, service, alice["id"], 1)
            music_hold, finish_hold = await the_holds(service)
            assert (music_hold.kind, finish_hold.kind) == (MUSIC, FINISH)
            await _done_without_a_worker(service, job, tmp_path)  # no worker to race the checks
            await until(lambda: _queued(service, MUSIC), "music queued after the clip")
            await until(_notes_gone(service), "the clip's note dropped")
            (music,) = tasks_of(service, MUSIC)
            assert music.id == music_hold.task_id and tasks_of(service, FINISH) == []
            music_note = service.platform_key(Platform.DISCORD, "music-finish", str(music.id))
            assert await service.limits.tag_of(finish_hold.task_id) == music_note
            await service.settle_limits(grace_s=0.0)  # the sweep keeps it: its note lives
            assert set(await service.limits.open_reservations()) == {music.id, finish_hold.task_id}

            await render_all(service, tasks=2)  # the music, then the finish
        (finish,) = tasks_of(service, FINISH)
        assert finish.id == finish_hold.task_id
        assert (music.estimate_s, finish.estimate_s) == (
            pytest.approx(music_hold.estimate_s),
            pytest.approx(finish_hold.estimate_s),
        )
        await service.settle_limits()
        assert await service.limits.open_reservations() == {}  # both done: settled, no hold left


async def _done_without_a_worker(service: ReelbotService, job: Any, tmp_path: Path) -> None:
    """The job done with a real clip file, and its ``done`` event, as a worker leaves them."""
    source = lavfi_clip(tmp_path / "clip.mp4", 1.0)
    clip_id = uuid.uuid4()
    video_key = f"clips/{clip_id}.mp4"
    service.media.put_file(video_key, source)

    def finish(session: Any) -> None:
        assert job_repo.mark_running(session=session, job_id=job.id, worker="w0")
        done = job_repo.mark_done(
            session=session, job_id=job.id, clip_id=clip_id, video_key=video_key, thumbnail_key=None,
            size_bytes=source.stat().st_size, width=144, height=256, fps=16, num_frames=16,
            duration_s=1.0,
        )  # fmt: skip
        assert done is not None

    await service.run_db(finish)
    event = JobEvent(kind=EventKind.DONE, job_id=job.id, origin=job.request.origin, clip_id=clip_id)
    await service.events(Platform.DISCORD).publish(event)


async def _queued(service: ReelbotService, kind: str) -> bool:
    return len(tasks_of(service, kind)) == 1


def _released(service: ReelbotService, hold: TaskHold) -> Any:
    """The hold is gone without a settle sweep: dropping the note gave it back."""

    async def check() -> bool:
        return hold.task_id not in await service.limits.open_reservations()

    return check


def _nothing_held(service: ReelbotService) -> Any:
    async def check() -> bool:
        await service.settle_limits()
        return await service.limits.open_reservations() == {}

    return check
