"""Cost and wait from measured renders: the refit table (real SQLite), its cache, and the live
ETA over the workers really serving (real Redis queue, real service)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from reelbot.app.estimates import Estimator, profile_cost
from reelbot.app.service import ReelbotService
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, Origin, Platform, SpeedMode
from reelbot.queue.keys import Lane
from reelbot.storage import jobs as job_repo
from reelbot.storage.db import session_scope
from tests.jobrecords import finish_job

ORIGIN = Origin(platform=Platform.CLI, user_id="tester")


@pytest.fixture
async def service(settings: Settings, redis_client: Any) -> AsyncIterator[ReelbotService]:
    svc = await ReelbotService.open(settings)
    try:
        yield svc
    finally:
        await svc.close()


def request(**fields: Any) -> GenerationRequest:
    return GenerationRequest(
        **{"prompt": "a paper boat", "origin": ORIGIN, "preset": "tiny", "seed": 1, **fields}
    )


def measured(service: ReelbotService, gpu_seconds: float, **fields: Any) -> uuid.UUID:
    """A finished job as a worker leaves it: the recipe and the GPU-seconds it took."""
    with session_scope(service.db) as session:
        job_id = job_repo.create_job(
            session=session, request=request(**fields), idempotency_key=uuid.uuid4().hex
        ).id
    finish_job(service.db, job_id, gpu_seconds=gpu_seconds)
    return job_id


async def test_too_few_renders_keep_the_profile_and_say_so(service: ReelbotService) -> None:
    for seconds in (40.0, 50.0):
        await asyncio.to_thread(measured, service, seconds)
    estimate = await service.estimates.estimate(request())
    profile = profile_cost(request(), service.settings).seconds
    assert (estimate.source, estimate.samples) == ("profile", 2)
    assert estimate.seconds == pytest.approx(profile)
    (row,) = [
        r for r in (await service.estimates.table()).rows() if (r.preset, r.mode) == ("tiny", "quality")
    ]
    assert (row.samples, row.median_s, row.source) == (2, 45.0, "profile")


async def test_median_of_measured_renders_scales_the_profile(service: ReelbotService) -> None:
    for seconds in (4.0, 9.0, 5.0, 6.0, 100.0):  # one cold start (engine load) among them
        await asyncio.to_thread(measured, service, seconds)
    await asyncio.to_thread(measured, service, 2.0, speed=SpeedMode.DRAFT)  # another mode: apart
    table = await service.estimates.table()
    quality = table.fit_for("tiny", "quality")
    assert (quality.samples, quality.median_s, quality.source) == (5, 6.0, "measured")
    # The same recipe costs the median; a clip twice as long costs the profile's ratio of it.
    same = await service.estimates.estimate(request())
    assert (same.seconds, same.source, same.samples) == (pytest.approx(6.0), "measured", 5)
    longer = await service.estimates.estimate(request(seconds=2))
    ratio = (
        profile_cost(request(seconds=2), service.settings).seconds
        / profile_cost(request(), service.settings).seconds
    )
    assert ratio > 1.2 and longer.seconds == pytest.approx(6.0 * ratio)
    draft = table.fit_for("tiny", "draft")
    assert (draft.samples, draft.source) == (1, "profile")


async def test_last_n_per_preset_and_mode(settings: Settings, service: ReelbotService) -> None:
    for seconds in (1.0, 1.0, 1.0, 10.0, 10.0, 10.0):  # oldest first: the newest three are 10 s
        await asyncio.to_thread(measured, service, seconds)
    estimator = Estimator(settings, service.db, last_n=3)
    fit = (await estimator.table()).fit_for("tiny", "quality")
    assert (fit.samples, fit.median_s) == (3, 10.0)


async def test_the_table_is_cached_until_its_ttl(settings: Settings, service: ReelbotService) -> None:
    now = [0.0]
    estimator = Estimator(settings, service.db, ttl_s=60.0, clock=lambda: now[0])
    assert (await estimator.estimate(request())).source == "profile"
    for seconds in (3.0, 3.0, 3.0):
        await asyncio.to_thread(measured, service, seconds)
    now[0] = 59.0
    assert (await estimator.estimate(request())).source == "profile"  # cached: no SQL
    assert estimator.refits == 1
    now[0] = 60.0
    assert (await estimator.estimate(request())).seconds == pytest.approx(3.0)
    assert estimator.refits == 2


async def submit(service: ReelbotService, lane: Lane = Lane.FAST, user: str = "tester") -> uuid.UUID:
    origin = ORIGIN.model_copy(update={"user_id": user})
    ticket = await service.submit(
        GenerationRequest(prompt="a paper boat", origin=origin, preset="tiny", seed=1),
        idempotency_key=uuid.uuid4().hex,
        lane=lane,
    )
    return ticket.job_id


async def test_eta_is_work_ahead_over_live_workers_plus_its_own(service: ReelbotService) -> None:
    for seconds in (10.0, 10.0, 10.0):  # every tiny clip is measured at 10 GPU-seconds
        await asyncio.to_thread(measured, service, seconds)
    jobs = [await submit(service, user=f"person-{i}") for i in range(4)]  # the cap is per person
    # Nobody serves the queue yet: the place is known, the wait is not.
    wait = await service.waits.wait_for(jobs[3])
    assert wait is not None and (wait.position, wait.workers, wait.eta_s) == (4, 0, None)
    assert wait.ahead_s == pytest.approx(30.0) and wait.own_s == pytest.approx(10.0)

    # One worker takes the first job and is half-way through it: 5 + 10 + 10 ahead, alone.
    (first,) = (await service.queue.claim("w1")).deliveries
    with session_scope(service.db) as session:
        assert job_repo.mark_running(session=session, job_id=first.job_id, worker="w1")
        assert job_repo.record_progress(session=session, job_id=first.job_id, step=2, total_steps=4)
    wait = await service.waits.wait_for(jobs[3])
    assert wait is not None and (wait.position, wait.workers, wait.source) == (3, 1, "measured")
    assert wait.eta_s == pytest.approx(25.0 / 1 + 10.0)

    # A second worker takes the next one: the same work ahead is shared by two.
    assert (await service.queue.claim("w2")).deliveries
    wait = await service.waits.wait_for(jobs[3])
    assert wait is not None and (wait.position, wait.workers) == (2, 2)
    assert wait.eta_s == pytest.approx((5.0 + 10.0 + 10.0) / 2 + 10.0)
    assert await service.waits.wait_for(first.job_id) is None  # running: not waiting any more


async def test_positions_per_lane_for_one_person(service: ReelbotService) -> None:
    await submit(service, user="someone-else")
    fast = await submit(service)
    relaxed = await submit(service, Lane.RELAXED)
    waits = await service.waits.waits_for([fast, relaxed])
    assert (waits[fast].lane, waits[fast].lane_position, waits[fast].position) == ("fast", 2, 2)
    # First in the relaxed lane, behind both fast jobs.
    assert (waits[relaxed].lane, waits[relaxed].lane_position, waits[relaxed].position) == ("relaxed", 1, 3)
    assert waits[relaxed].ahead_s == pytest.approx(2 * waits[fast].own_s)


async def test_the_quota_reserves_the_measured_estimate(service: ReelbotService) -> None:
    """The reservation charges what the ack shows: the refit figure, not the profile's."""
    for seconds in (7.0, 7.0, 7.0):
        await asyncio.to_thread(measured, service, seconds)
    job_id = await submit(service)
    with session_scope(service.db) as session:
        job = job_repo.get_job(session=session, job_id=job_id)
        assert job is not None and job.moderation_json is not None
        assert job.moderation_json["estimate_gpu_s"] == pytest.approx(7.0)


def reported(service: ReelbotService, gpu_seconds: float, report: dict[str, Any], **fields: Any) -> None:
    """A finished job whose worker stored its render report (what really ran)."""
    with session_scope(service.db) as session:
        job_id = job_repo.create_job(
            session=session, request=request(**fields), idempotency_key=uuid.uuid4().hex
        ).id
        assert job_repo.mark_running(session=session, job_id=job_id, worker="w1")
        clip = job_repo.mark_done(
            session=session, job_id=job_id, video_key=f"clips/{job_id}.mp4", thumbnail_key=None,
            size_bytes=1000, width=144, height=256, fps=8, num_frames=9, duration_s=1.1,
            gpu_seconds=gpu_seconds, render_report=report,
        )  # fmt: skip
        assert clip is not None


async def test_the_stored_render_report_says_which_mode_and_passes_ran(service: ReelbotService) -> None:
    """A quality request the worker ran as draft files under draft; its counted passes price it."""
    report = {"preset": "tiny", "mode": "draft", "steps": 2, "passes": 2, "passes_skipped": 0}
    for _ in range(3):
        await asyncio.to_thread(reported, service, 4.0, report)
    table = await service.estimates.table()
    assert table.fit_for("tiny", "quality").samples == 0
    draft = table.fit_for("tiny", "draft")
    assert (draft.samples, draft.median_s, draft.source) == (3, 4.0, "measured")
    counted = profile_cost(request(), service.settings, report)
    assert counted.mode == "draft" and draft.scale == pytest.approx(4.0 / counted.seconds)
    # The counted passes price it (tiny's profile is all overhead; a real preset's is not).
    wan = request(preset="wan-2.1-t2v-1.3b")
    full, four = profile_cost(wan, service.settings), profile_cost(wan, service.settings, {"passes": 4})
    assert four.seconds < full.seconds / 3
