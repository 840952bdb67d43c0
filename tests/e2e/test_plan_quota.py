"""A clip and the finish (and music) asked for with it, checked against the quota windows
before any of it is queued (``app.task_costs.check_clip_and_finish``): the same ledger rule
and refit table the clip's submit and each task's ``reserve_task`` use, nothing reserved when
refused (a plan that fits holds its tasks' shares: test_plan_hold.py); the prompts moderated
first, as the submit moderates them. Real Redis ledger and SQLite; no render
(the Discord path is tests/bots/discord/test_after_render_quota.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select

from reelbot.app.finish import FinishOptions, finish_clip
from reelbot.app.plan_holds import release_holds
from reelbot.app.safety.moderation import ModerationRefused
from reelbot.app.service import ReelbotService
from reelbot.app.task_costs import (
    check_board_and_finish,
    check_clip_and_finish,
    check_plan,
    plan_cost,
    planned_board,
    planned_clip,
)
from reelbot.domain.errors import LimitReached
from reelbot.domain.settings import Settings
from reelbot.domain.tasks import FINISH, MUSIC
from reelbot.domain.types import GenerationRequest
from reelbot.storage.db import session_scope
from reelbot.storage.models import ModerationEvent
from tests.e2e.test_task_reservations import ALICE, done_task
from tests.finishclips import stored_clip

BOAT = GenerationRequest(prompt="a red paper boat", seed=7, origin=ALICE)


async def opened(
    settings: Settings, *, user_daily: float = 600.0, community_daily: float = 6000.0
) -> ReelbotService:
    q = settings.quotas
    quotas = q.model_copy(
        update={
            "user": q.user.model_copy(update={"daily_gpu_s": user_daily}),
            "community": q.community.model_copy(update={"daily_gpu_s": community_daily}),
        }
    )
    return await ReelbotService.open(settings.model_copy(update={"quotas": quotas}))


@pytest.fixture
async def tight(settings: Settings) -> AsyncIterator[ReelbotService]:
    """The person's day: 1 s fast, 2 s with the relaxed lane (the tiny clip ≈ 0.71 s fits)."""
    svc = await opened(settings, user_daily=1.0)
    try:
        yield svc
    finally:
        await svc.close()


async def test_the_plan_is_the_clip_plus_the_finish_and_reserves_nothing(tight: ReelbotService) -> None:
    service = tight
    routed, seconds = planned_clip(service, BOAT)
    assert (routed.preset, seconds) == ("tiny", 9 / 8)  # 9 frames at 8 fps: the clip's duration_s
    with pytest.raises(LimitReached) as err:
        await check_clip_and_finish(service, BOAT)
    clip = (await service.estimates.estimate(routed)).seconds
    finish = (await service.estimates.estimate_task(FINISH, seconds)).seconds
    assert err.value.key == "quota.exceeded_short_user_daily"
    assert err.value.details["needed"] == f"{clip + finish:,.0f}"
    assert "the video alone fits" in err.value.render("en")
    assert "只做影片的額度還夠" in err.value.render("zh-TW")
    assert await service.limits.open_reservations() == {}
    ticket = await service.submit(BOAT, [], idempotency_key="alone")  # the clip alone is admitted
    assert ticket.job_id in await service.limits.open_reservations()


async def test_with_music_the_track_is_as_long_as_the_clip(tight: ReelbotService) -> None:
    routed, seconds = planned_clip(tight, BOAT)
    cost = await plan_cost(tight, [routed], video_s=seconds, music=True)
    assert [(kind, units) for kind, units, _ in cost.tasks] == [(MUSIC, seconds), (FINISH, seconds)]
    assert cost.tasks[0][2] == pytest.approx(5.0 + 0.5 * seconds)  # the music profile
    with pytest.raises(LimitReached) as err:
        await check_plan(tight, ALICE, cost)
    assert "to compose its music and finish it as a Short" in err.value.render("en")
    assert "生成音樂並輸出成 Shorts" in err.value.render("zh-TW")


async def test_measured_finishes_price_the_plan(tight: ReelbotService) -> None:
    """Three done finishes at 2 s per output second: the plan's finish is the refit figure."""
    for _ in range(3):
        done_task(tight, FINISH, 4.0, duration_s=2.0)
    tight.estimates.invalidate()
    routed, seconds = planned_clip(tight, BOAT)
    cost = await plan_cost(tight, [routed], video_s=seconds)
    assert cost.tasks == ((FINISH, seconds, pytest.approx(2.0 * seconds)),)
    with pytest.raises(LimitReached) as err:  # done tasks' 12 s count in the window: over already
        await check_clip_and_finish(tight, BOAT)
    assert "The video alone would not fit either." in err.value.render("en")
    assert "只做影片的額度也不夠。" in err.value.render("zh-TW")


async def test_what_the_ledger_holds_counts(settings: Settings, tmp_path: Path) -> None:
    """A plan's own hold (its finish: 5.4 s) and then a queued finish (4.8 s) each take their
    share of a 10-s cap (5 s fast): clip + finish (≈ 6.1 s) no longer fits beside either."""
    service = await opened(settings, user_daily=5.0)
    try:
        cost = await check_clip_and_finish(service, BOAT)  # fits while nothing else is held
        with pytest.raises(LimitReached) as err:
            await check_clip_and_finish(service, BOAT)
        assert err.value.details["remaining"] == "5"  # 10 − 5.4 held
        await release_holds(service, cost.holds, None)  # the request refused before its note
        assert await service.limits.open_reservations() == {}
        clip_id = stored_clip(service, tmp_path, ALICE, seconds=1.0)
        await finish_clip(service, clip_id, ALICE, idempotency_key="held", options=FinishOptions())
        with pytest.raises(LimitReached) as err:
            await check_clip_and_finish(service, BOAT)
        assert err.value.details["remaining"] == "5"  # 10 − 4.8
        assert len(await service.limits.open_reservations()) == 1  # the finish's own only
    finally:
        await service.close()


async def test_a_server_window_and_a_storyboard_wording(settings: Settings) -> None:
    service = await opened(settings, community_daily=1.0)
    try:
        routed, seconds = planned_clip(service, BOAT)
        cost = await plan_cost(service, [routed, routed], video_s=2 * seconds)
        with pytest.raises(LimitReached) as err:
            await check_plan(service, ALICE, cost, board=True)
        assert err.value.key == "quota.exceeded_short_community_daily"
        en, zh = err.value.render("en"), err.value.render("zh-TW")
        assert (
            en.startswith("This storyboard and the Short you asked for need about") and "for its shots" in en
        )
        assert "but this server or group has 2 left today (limit 2)" in en
        assert "the storyboard alone fits" in en
        assert zh.startswith("這個分鏡腳本加上你要的 Shorts") and "這個伺服器或群組今天只剩 2" in zh
    finally:
        await service.close()


BOARD = (
    "title: Two\nseed: 2\ntransition: crossfade\nshots:\n"
    "  - prompt: a paper boat\n    seconds: 1\n  - prompt: the boat at dusk\n    seconds: 1\n"
)


async def test_a_storyboard_plans_its_shots_and_its_draft(tight: ReelbotService) -> None:
    """Two 1-s shots (9 frames at 8 fps each) joined by a crossfade of 2 frames (0.25 s × 8):
    the draft the finish works on is 16 frames, 2 s — the assembly's own join rule."""
    from reelbot.domain.storyboard import Transition, join_overlaps, parse_storyboard

    board = parse_storyboard(BOARD, "yaml")
    requests, seconds = planned_board(tight, board, ALICE)
    assert [(r.preset, r.seconds) for r in requests] == [("tiny", 1.0), ("tiny", 1.0)]
    overlaps = join_overlaps([9, 9], [Transition.CROSSFADE], 2)
    assert seconds == (18 - sum(overlaps)) / 8 == 2.0
    with pytest.raises(LimitReached) as err:
        await check_board_and_finish(tight, board, ALICE)
    shots = sum([(await tight.estimates.estimate(r)).seconds for r in requests])
    finish = (await tight.estimates.estimate_task(FINISH, 2.0)).seconds
    assert err.value.details["needed"] == f"{shots + finish:,.0f}"
    assert err.value.render("en").startswith("This storyboard and the Short you asked for")
    assert "只做分鏡草稿的額度還夠" in err.value.render("zh-TW")  # 2 × 0.71 s fit the 2-s cap
    assert await tight.limits.open_reservations() == {}


async def test_a_refused_prompt_is_moderated_before_the_quota(tight: ReelbotService) -> None:
    """Over quota, a prompt moderation refuses is its refusal and audit-log row, as from the
    submit (any chat that calls the plan check); a clean prompt is the quota refusal."""
    from reelbot.domain.storyboard import parse_storyboard

    with pytest.raises(LimitReached):
        await check_clip_and_finish(tight, BOAT)
    banned = BOAT.model_copy(update={"prompt": "a ｎ.ｕ.ｄ.ｅ dancer"})
    with pytest.raises(ModerationRefused) as err:
        await check_clip_and_finish(tight, banned, music=True)
    assert err.value.key == "safety.refused.sexual"
    board = BOARD.replace("the boat at dusk", "nude dancers")  # the second shot's
    with pytest.raises(ModerationRefused):
        await check_board_and_finish(tight, parse_storyboard(board, "yaml"), ALICE)
    with session_scope(tight.db) as session:
        rows = session.exec(select(ModerationEvent).where(ModerationEvent.platform_user_id == ALICE.user_id))
        logged = sorted((row.kind, row.excerpt) for row in rows)
    assert logged == [("prompt", "a ｎ.ｕ.ｄ.ｅ dancer"), ("prompt", "nude dancers")]
    assert await tight.limits.open_reservations() == {}
