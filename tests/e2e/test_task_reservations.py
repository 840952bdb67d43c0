"""Tasks are charged like clip jobs: a finish or music task reserves its estimate against the
person's quota windows when it is queued (atomic with the check, in the real Redis ledger),
the done task settles to its measured ``run_s`` (summed by the windows from SQLite), a
failed or cancelled one releases; and the estimate is refit from done tasks per kind.
Real Redis, SQLite, media store, worker and ffmpeg."""

from __future__ import annotations

import statistics
import uuid
from collections.abc import AsyncIterator, Collection
from pathlib import Path
from typing import Any

import pytest

from reelbot.app.estimates import Estimator
from reelbot.app.finish import FinishOptions, finish_clip
from reelbot.app.music import submit_music
from reelbot.app.safety.quotas import Window, quota_windows
from reelbot.app.service import ReelbotService
from reelbot.app.task_costs import FINISH_S_PER_OUTPUT_S
from reelbot.app.tasks import cancel_task, task_view
from reelbot.cli.wiring import worker_for
from reelbot.domain.errors import LimitReached
from reelbot.domain.settings import Settings
from reelbot.domain.tasks import FINISH, MUSIC
from reelbot.domain.types import JobState, Origin, Platform
from reelbot.storage import tasks as task_repo
from reelbot.storage.db import session_scope
from reelbot.storage.models import Task
from tests.finishclips import stored_clip

ALICE = Origin(platform=Platform.DISCORD, user_id="alice", channel_id="c1", guild_id="g1", locale="en")


def with_user_daily(settings: Settings, daily_gpu_s: float) -> Settings:
    user = settings.quotas.user.model_copy(update={"daily_gpu_s": daily_gpu_s})
    return settings.model_copy(update={"quotas": settings.quotas.model_copy(update={"user": user})})


@pytest.fixture
async def tight(settings: Settings) -> AsyncIterator[ReelbotService]:
    """A person may spend 15 s a day at most: 7.5 s fast × the relaxed multiplier 2."""
    assert settings.quotas.relaxed_multiplier == 2.0
    svc = await ReelbotService.open(with_user_daily(settings, 7.5))
    try:
        yield svc
    finally:
        await svc.close()


async def user_daily(service: ReelbotService, exclude: Collection[uuid.UUID] = ()) -> Window:
    """Alice's daily window as the database sees it (``exclude``: what the ledger holds)."""

    def read(session: Any) -> list[Window]:
        return quota_windows(session, service.settings, ALICE, exclude=exclude)

    windows = await service.run_db(read)
    return next(w for w in windows if w.scope == "user" and w.period == "daily")


def stored_task(service: ReelbotService, task_id: uuid.UUID) -> Task:
    with session_scope(service.db) as session:
        task = task_repo.get_task(session=session, task_id=task_id)
        assert task is not None
        return task


async def burst(service: ReelbotService) -> None:
    await worker_for(service, name=f"r-{uuid.uuid4().hex[:6]}", burst=True).run()


async def test_a_finish_reserves_its_estimate_and_settles_to_its_run_s(
    service: ReelbotService, tmp_path: Path
) -> None:
    clip_id = stored_clip(service, tmp_path, ALICE, seconds=2.0)
    options = FinishOptions(fps=24)
    ticket = await finish_clip(service, clip_id, ALICE, idempotency_key="res-1", options=options)
    estimate = FINISH_S_PER_OUTPUT_S * 2.0  # the profile: nothing measured yet
    assert ticket.task_id in await service.limits.open_reservations()
    held = await service.limits.held(ticket.task_id)
    assert held is not None and held.estimate_s == pytest.approx(estimate)
    assert stored_task(service, ticket.task_id).estimate_s == pytest.approx(estimate)
    window = await user_daily(service, exclude=[ticket.task_id])
    assert await service.limits.counter(ALICE, window) == pytest.approx(estimate)  # held in Redis
    assert window.reserved == 0.0 and window.used == 0.0  # so the database's figure leaves it out
    lost = await user_daily(service)  # were Redis to lose the reservation, the row still counts
    assert lost.reserved == pytest.approx(estimate)

    await burst(service)
    view = await task_view(service, ticket.task_id)
    assert view.state is JobState.DONE and view.result is not None, view
    run_s = float(view.result["run_s"])
    assert stored_task(service, ticket.task_id).run_s == pytest.approx(run_s)
    assert await service.settle_limits() == 1
    assert ticket.task_id not in await service.limits.open_reservations()
    assert await service.limits.counter(ALICE, window) == pytest.approx(0.0)
    usages = {(u.scope, u.period): u for u in await service.usage(ALICE)}
    for scope in ("user", "community"):  # the person's windows and the server's
        assert usages[scope, "daily"].used == pytest.approx(run_s)
        assert usages[scope, "daily"].task_used == pytest.approx(run_s)
        assert usages[scope, "daily"].reserved == 0.0
    en, zh = usages["user", "daily"].render("en"), usages["user", "daily"].render("zh-TW")
    assert f"Of that, {run_s:,.0f} went to Finish for Shorts" in en
    assert f"其中 {run_s:,.0f} 秒用於輸出成 Shorts" in zh


async def test_two_finishes_in_a_row_pass_the_quota_and_the_second_is_refused(
    tight: ReelbotService, tmp_path: Path
) -> None:
    service = tight
    clip_id = stored_clip(service, tmp_path, ALICE, seconds=2.0)
    first = await finish_clip(service, clip_id, ALICE, idempotency_key="two-1", options=FinishOptions())
    # 9.6 s > the 7.5-s fast quota, within the 15-s cap: admitted to the relaxed lane
    assert stored_task(service, first.task_id).lane == "relaxed"
    again = await finish_clip(service, clip_id, ALICE, idempotency_key="two-1", options=FinishOptions())
    assert again.task_id == first.task_id and again.duplicate  # a double click reserves nothing more
    assert list(await service.limits.open_reservations()) == [first.task_id]
    with pytest.raises(LimitReached) as err:  # 9.6 reserved + 9.6 > 15
        await finish_clip(service, clip_id, ALICE, idempotency_key="two-2", options=FinishOptions())
    assert err.value.key == "quota.exceeded_user_daily"
    assert err.value.render("en") != err.value.render("zh-TW")
    with session_scope(service.db) as session:
        assert task_repo.get_task_by_key(session=session, idempotency_key="two-2") is None
    depth = await service.queue.depth()
    assert sum(lane["waiting"] for lane in depth.values()) == 1  # only the first
    assert list(await service.limits.open_reservations()) == [first.task_id]


async def test_a_cancelled_finish_releases_and_a_failed_one_too(
    service: ReelbotService, tmp_path: Path
) -> None:
    clip_id = stored_clip(service, tmp_path, ALICE, seconds=1.0)
    cancelled = await finish_clip(service, clip_id, ALICE, idempotency_key="rel-c", options=FinishOptions())
    await cancel_task(service, cancelled.task_id, by=ALICE)
    assert await service.settle_limits() == 1
    assert cancelled.task_id not in await service.limits.open_reservations()

    failing = stored_clip(service, tmp_path, ALICE, seconds=1.0)
    failed = await finish_clip(service, failing, ALICE, idempotency_key="rel-f", options=FinishOptions())
    service.media.delete((await service.clip(failing)).video_key or "")  # the source is gone
    await burst(service)
    assert (await task_view(service, failed.task_id)).state is JobState.FAILED
    assert await service.settle_limits() == 1
    assert await service.limits.open_reservations() == {}
    window = await user_daily(service)
    assert await service.limits.counter(ALICE, window) == pytest.approx(0.0)
    assert window.used == 0.0 and window.reserved == 0.0  # neither is charged anything


async def test_a_music_task_reserves_its_profile(settings: Settings) -> None:
    tiny = settings.model_copy(
        update={"finish": settings.finish.model_copy(update={"music_engine": "tiny-ace-step"})}
    )
    service = await ReelbotService.open(tiny)
    try:
        ticket = await submit_music(service, ALICE, "lo-fi rain", seconds=10.0, idempotency_key="mus-r")
        held = await service.limits.held(ticket.task_id)
        assert held is not None and held.estimate_s == pytest.approx(5.0 + 0.5 * 10.0)
        assert stored_task(service, ticket.task_id).estimate_s == pytest.approx(held.estimate_s)
    finally:
        await service.close()


def done_task(service: ReelbotService, kind: str, run_s: float, **result: float) -> None:
    """A task as the worker leaves it (the real row transitions; the worker's result shape)."""
    payload = {"seconds": result.get("seconds", 1.0)} if kind == MUSIC else {}
    with session_scope(service.db) as session:
        task, _ = task_repo.create_or_get_task(
            session=session, kind=kind, payload=payload, origin=ALICE, idempotency_key=uuid.uuid4().hex
        )
        assert task_repo.mark_running(session=session, task_id=task.id, worker="w")
        assert task_repo.mark_done(session=session, task_id=task.id, result={**result, "run_s": run_s})


async def test_the_refit_switches_to_measured_after_three_done_tasks(
    service: ReelbotService, tmp_path: Path
) -> None:
    samples = [(12.0, 2.0), (3.0, 1.0), (40.0, 5.0)]  # (run_s, output seconds): 6, 3, 8 s per second
    for run_s, seconds in samples[:2]:
        done_task(service, FINISH, run_s, duration_s=seconds)
    table = await Estimator(service.settings, service.db).table()
    fit = table.task_fit(FINISH)
    assert (fit.source, fit.samples, fit.per_unit_s) == ("profile", 2, FINISH_S_PER_OUTPUT_S)
    assert fit.median_s_per_unit == pytest.approx(4.5)

    done_task(service, FINISH, samples[2][0], duration_s=samples[2][1])
    done_task(service, MUSIC, 9.0, seconds=8.0)  # one music task: its profile still
    table = await Estimator(service.settings, service.db).table()
    fit = table.task_fit(FINISH)
    median = statistics.median(run_s / seconds for run_s, seconds in samples)
    assert (fit.source, fit.samples) == ("measured", 3)
    assert fit.per_unit_s == pytest.approx(median) == pytest.approx(6.0)
    assert table.estimate_task(FINISH, 2.0).seconds == pytest.approx(2 * median)
    assert table.task_fit(MUSIC).source == "profile" and table.task_fit(MUSIC).samples == 1

    service.estimates.invalidate()  # what the next finish reserves is the measured figure
    clip_id = stored_clip(service, tmp_path, ALICE, seconds=2.0)
    ticket = await finish_clip(service, clip_id, ALICE, idempotency_key="fit-1", options=FinishOptions())
    held = await service.limits.held(ticket.task_id)
    assert held is not None and held.estimate_s == pytest.approx(2 * median)
