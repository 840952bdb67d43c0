"""GPU-second quotas against the real database (SQLite and PostgreSQL) and the real queue."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import redis.asyncio as aioredis
from sqlalchemy import Engine

from reelbot.app.safety.costs import Sample, estimate_gpu_seconds, estimate_request, fit_profile
from reelbot.app.safety.quotas import Window, decide_lane, quota_windows, usage_for, window_bounds
from reelbot.domain.errors import ConfigError, LimitReached
from reelbot.domain.presets import PRESETS, CostProfile
from reelbot.domain.settings import Settings, load_settings
from reelbot.domain.types import GenerationRequest, Origin
from reelbot.queue.keys import Keys, Lane
from reelbot.queue.streams import JobQueue
from reelbot.storage import jobs as job_repo
from reelbot.storage.communities import CommunitySettings
from reelbot.storage.db import session_scope

from ..jobrecords import finished_job

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _window(used: float, limit: float | None, reserved: float = 0.0, scope: str = "user") -> Window:
    start, end = window_bounds("daily", NOW, "UTC")
    return Window(scope, "daily", start, end, used, reserved, limit)  # type: ignore[arg-type]


def test_lane_decision_fast_relaxed_refused() -> None:
    assert decide_lane(10, [_window(0, 100)], relaxed_multiplier=2).lane is Lane.FAST
    moved = decide_lane(10, [_window(95, 100)], relaxed_multiplier=2)
    assert moved.lane is Lane.RELAXED and moved.notice_key == "quota.relaxed_notice"
    assert (
        decide_lane(10, [_window(0, 100)], relaxed_multiplier=2, requested=Lane.RELAXED).lane is Lane.RELAXED
    )
    assert decide_lane(10**6, [_window(0, None)], relaxed_multiplier=2).lane is Lane.FAST  # unlimited
    with pytest.raises(LimitReached) as err:
        decide_lane(10, [_window(150, 100, reserved=45, scope="community")], relaxed_multiplier=2)
    assert err.value.key == "quota.exceeded_community_daily"
    assert err.value.details["remaining"] == "5" and err.value.details["limit"] == "200"
    assert "5" in err.value.render("zh-TW") and "伺服器" in err.value.render("zh-TW")
    with pytest.raises(LimitReached):  # multiplier 1: no relaxed lane at all
        decide_lane(10, [_window(95, 100)], relaxed_multiplier=1)


def test_negative_or_bad_quota_config_is_a_clear_error() -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(_env_file=None, quotas={"community": {"monthly_gpu_s": -1}})
    assert err.value.details["variable"] == "REELBOT_QUOTAS__COMMUNITY__MONTHLY_GPU_S"
    assert "REELBOT_QUOTAS__COMMUNITY__MONTHLY_GPU_S" in err.value.render("zh-TW")
    with pytest.raises(ConfigError):
        load_settings(_env_file=None, quotas={"price_per_gpu_hour": -0.5})
    with pytest.raises(ConfigError):
        load_settings(_env_file=None, quotas={"relaxed_multiplier": 0.5})
    with pytest.raises(ConfigError):
        load_settings(_env_file=None, quotas={"timezone": "Mars/Olympus"})


def test_windows_follow_the_configured_time_zone() -> None:
    start, end = window_bounds("daily", NOW, "Asia/Taipei")  # 20:00 local
    assert (start.hour, end.hour) == (16, 16) and (end - start).days == 1
    start, end = window_bounds("monthly", NOW, "UTC")
    assert (start.day, start.month, end.day, end.month) == (1, 11, 1, 12)


def test_estimate_grows_with_size_and_steps() -> None:
    wan = PRESETS["wan-2.1-t2v-1.3b"]
    small = estimate_gpu_seconds(wan, width=832, height=480, num_frames=49, steps=30)
    longer = estimate_gpu_seconds(wan, width=832, height=480, num_frames=81, steps=30)
    more_steps = estimate_gpu_seconds(wan, width=832, height=480, num_frames=49, steps=50)
    assert 10 < small < longer and small < more_steps
    big = estimate_gpu_seconds(
        PRESETS["wan-2.1-flf2v-14b-720p"], width=1280, height=720, num_frames=81, steps=50
    )
    assert big > 10 * small  # a 14B 720p clip costs an order of magnitude more


def test_fit_profile_recovers_a_known_model() -> None:
    truth = CostProfile(
        overhead_s=2.0, per_token_step_s=3e-5, per_token2_step_s=4e-10, per_pixel_frame_s=1e-7
    )
    samples = [
        Sample(t, s, p, truth.seconds(tokens=t, steps=s, pixel_frames=p))
        for t, s, p in [
            (8000, 30, 20_000_000),
            (16000, 30, 40_000_000),
            (32760, 30, 32_000_000),
            (32760, 50, 32_000_000),
            (4000, 20, 5_000_000),
            (60000, 40, 90_000_000),
        ]
    ]
    fitted = fit_profile(samples)
    for t, s, p in [(20000, 35, 25_000_000), (50000, 30, 70_000_000)]:
        assert fitted.seconds(tokens=t, steps=s, pixel_frames=p) == pytest.approx(
            truth.seconds(tokens=t, steps=s, pixel_frames=p), rel=1e-3
        )
    # noisy data that would want a negative coefficient is fitted without one
    noisy = fit_profile(
        [Sample(100, 4, 10**6, 2.0), Sample(1000, 4, 2 * 10**6, 3.9), Sample(2000, 4, 4 * 10**6, 8.1)]
    )
    assert (
        min(noisy.overhead_s, noisy.per_token_step_s, noisy.per_token2_step_s, noisy.per_pixel_frame_s) >= 0
    )
    with pytest.raises(ValueError):
        fit_profile(samples[:1])


def test_usage_matches_stored_gpu_seconds(
    db_engine: Engine, settings: Settings, new_origin: Callable[..., Origin]
) -> None:
    origin = new_origin()
    neighbour = origin.model_copy(update={"user_id": uuid.uuid4().hex})  # same server, other person
    for seconds in (12.5, 7.25, 30.0):
        finished_job(db_engine, origin, seconds)
    finished_job(db_engine, neighbour, 100.0)
    with session_scope(db_engine) as session:
        report = usage_for(session, settings, origin)
    by = {(u.scope, u.period): u for u in report}
    assert set(by) == {
        ("user", "daily"),
        ("user", "monthly"),
        ("community", "daily"),
        ("community", "monthly"),
    }
    assert by["user", "daily"].used == pytest.approx(49.75)
    assert by["user", "monthly"].used == pytest.approx(49.75)
    assert by["community", "daily"].used == pytest.approx(149.75)
    assert by["user", "daily"].remaining == pytest.approx(settings.quotas.user.daily_gpu_s - 49.75)
    typical = (12.5 + 7.25 + 30.0) / 3
    assert by["user", "daily"].est_gpu_s_per_clip == pytest.approx(typical)
    assert by["user", "daily"].est_cost_per_clip == pytest.approx(
        typical / 3600 * settings.quotas.price_per_gpu_hour
    )
    text_en, text_zh = by["user", "daily"].render("en"), by["user", "daily"].render("zh-TW")
    assert "50" in text_en and "USD" in text_en and "今天" in text_zh

    # a direct chat (no server): only the person's own windows
    with session_scope(db_engine) as session:
        alone = usage_for(session, settings, origin.model_copy(update={"guild_id": None}))
    assert {u.scope for u in alone} == {"user"}


def test_queued_jobs_reserve_their_estimate(
    db_engine: Engine, settings: Settings, new_origin: Callable[..., Origin]
) -> None:
    origin = new_origin()
    request = GenerationRequest(prompt="a dog", origin=origin, preset="tiny", seed=3)
    with session_scope(db_engine) as session:
        job_repo.create_job(session=session, request=request, idempotency_key=uuid.uuid4().hex)
    with session_scope(db_engine) as session:
        windows = quota_windows(session, settings, origin)
    user_daily = next(w for w in windows if (w.scope, w.period) == ("user", "daily"))
    assert user_daily.used == 0 and user_daily.reserved == pytest.approx(estimate_request(request, settings))


def test_quota_stops_the_job_that_would_exceed_it(
    db_engine: Engine, settings: Settings, new_origin: Callable[..., Origin]
) -> None:
    origin = new_origin()
    strict = settings.model_copy(
        update={
            "quotas": settings.quotas.model_copy(
                update={"user": settings.quotas.user.model_copy(update={"daily_gpu_s": 10.0})}
            )
        }
    )
    finished_job(db_engine, origin, 9.5)
    request = GenerationRequest(prompt="a cat", origin=origin, preset="tiny", seed=1)
    estimate = estimate_request(request, strict)
    assert 0 < estimate < 2
    with session_scope(db_engine) as session:
        decision = decide_lane(estimate, quota_windows(session, strict, origin), relaxed_multiplier=2)
    assert decision.lane is Lane.RELAXED  # 9 + est > 10 but ≤ 20
    finished_job(db_engine, origin, 10.0)  # now 19.5 of 20 used
    with session_scope(db_engine) as session, pytest.raises(LimitReached) as err:
        decide_lane(estimate, quota_windows(session, strict, origin), relaxed_multiplier=2)
    assert err.value.key == "quota.exceeded_user_daily"

    # a community override replaces the default: generous server, then a stingy one
    generous = CommunitySettings(user_daily_gpu_seconds=1000.0)
    with session_scope(db_engine) as session:
        windows = quota_windows(session, strict, origin, community=generous)
    assert decide_lane(estimate, windows, relaxed_multiplier=2).lane is Lane.FAST
    stingy = CommunitySettings(daily_gpu_seconds=0.0, user_daily_gpu_seconds=1000.0)
    with session_scope(db_engine) as session, pytest.raises(LimitReached) as err:
        decide_lane(estimate, quota_windows(session, strict, origin, community=stingy), relaxed_multiplier=2)
    assert err.value.key == "quota.exceeded_community_daily"


async def test_relaxed_lane_yields_to_fast_under_load(
    redis_client: aioredis.Redis, settings: Settings
) -> None:
    queue = JobQueue(redis_client, Keys(settings.redis_prefix), settings.queue)
    await queue.ensure_groups()
    relaxed = [uuid.uuid4() for _ in range(3)]
    fast = [uuid.uuid4() for _ in range(3)]
    for job_id in relaxed:  # the relaxed jobs were there first
        await queue.enqueue(
            job_id, idempotency_key=str(job_id), user_key="discord:heavy", max_pending=10, lane=Lane.RELAXED
        )
    for job_id in fast:
        await queue.enqueue(
            job_id, idempotency_key=str(job_id), user_key="discord:light", max_pending=10, lane=Lane.FAST
        )
    order = []
    for _ in range(6):
        claimed = await queue.claim("worker-1", count=1)
        assert len(claimed.deliveries) == 1
        delivery = claimed.deliveries[0]
        order.append(delivery.lane)
        await queue.ack(delivery)
        if len(order) == 1:  # more fast work arrives while the relaxed jobs still wait
            late = uuid.uuid4()
            fast.append(late)
            await queue.enqueue(late, idempotency_key=str(late), user_key="discord:light", max_pending=10)
    assert order[:4] == [Lane.FAST] * 4 and order[4:] == [Lane.RELAXED] * 2
