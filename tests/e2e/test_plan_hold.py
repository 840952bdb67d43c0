"""The up-front plan check *holds* the tasks' shares (``app.task_costs.check_plan``): one open
reservation per task under the id the task will be queued with, tied to the note the tasks
wait with. What the settle sweep does with a hold, and how a task takes a hold over. Real
Redis ledger, SQLite, media store and ffmpeg (a stored clip); no render (the Discord path is
tests/bots/discord/test_plan_hold.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select

from reelbot.app.finish import FinishOptions, finish_clip
from reelbot.app.plan_holds import hold_for, release_holds, tag_holds
from reelbot.app.service import ReelbotService
from reelbot.app.task_costs import check_clip_and_finish
from reelbot.domain.settings import Settings
from reelbot.domain.tasks import FINISH, MUSIC
from reelbot.storage.db import session_scope
from reelbot.storage.models import Task
from tests.e2e.test_plan_quota import BOAT, opened
from tests.e2e.test_task_reservations import ALICE
from tests.finishclips import stored_clip

NOTE = "test:note:plan-hold"


@pytest.fixture
async def service(settings: Settings) -> AsyncIterator[ReelbotService]:
    svc = await opened(settings, user_daily=600.0)
    try:
        yield svc
    finally:
        await svc.close()


async def counters(service: ReelbotService) -> float:
    """The sum of every estimate the ledger holds for Alice's windows (its Redis counters)."""
    total = 0.0
    for task_id in await service.limits.open_reservations():
        held = await service.limits.held(task_id)
        total += held.estimate_s if held is not None else 0.0
    return total


async def test_a_plan_holds_its_music_and_finish_until_its_note_goes(service: ReelbotService) -> None:
    cost = await check_clip_and_finish(service, BOAT, music=True)
    assert [hold.kind for hold in cost.holds] == [MUSIC, FINISH]
    assert [hold.estimate_s for hold in cost.holds] == [pytest.approx(s) for _k, _u, s in cost.tasks]
    assert set(await service.limits.open_reservations()) == {hold.task_id for hold in cost.holds}
    assert await counters(service) == pytest.approx(cost.tasks_s)

    await service.redis.set(NOTE, "{}", ex=60)
    await tag_holds(service, cost.holds, NOTE)
    assert await service.settle_limits(grace_s=0.0) == 0  # past any grace: its note still lives
    assert len(await service.limits.open_reservations()) == 2

    await service.redis.delete(NOTE)  # the bot died and the note's TTL ran out
    assert await service.settle_limits() == 2
    assert await service.limits.open_reservations() == {}


async def test_an_untagged_hold_goes_after_the_grace(service: ReelbotService) -> None:
    """A request refused between the check and its note: released by its caller, or else by
    the sweep after the grace every row-less reservation gets."""
    cost = await check_clip_and_finish(service, BOAT)
    assert await service.settle_limits() == 0
    assert await service.settle_limits(grace_s=0.0) == 1
    assert await service.limits.open_reservations() == {}
    again = await check_clip_and_finish(service, BOAT)
    await release_holds(service, again.holds, None)
    assert await service.limits.open_reservations() == {}
    assert cost.holds[0].task_id != again.holds[0].task_id


async def test_the_finish_queued_under_its_hold_is_counted_once(
    service: ReelbotService, tmp_path: Path
) -> None:
    cost = await check_clip_and_finish(service, BOAT)
    await service.redis.set(NOTE, "{}", ex=60)
    await tag_holds(service, cost.holds, NOTE)
    finish_id = hold_for(cost.holds, FINISH)
    assert finish_id is not None and hold_for(cost.holds, MUSIC) is None
    clip_id = stored_clip(service, tmp_path, ALICE, seconds=2.0)  # longer than planned: no re-pricing
    ticket = await finish_clip(
        service, clip_id, ALICE, idempotency_key="after", options=FinishOptions(), task_id=finish_id
    )
    assert ticket.task_id == finish_id
    with session_scope(service.db) as session:
        (task,) = session.exec(select(Task).where(Task.kind == FINISH)).all()
    assert task.estimate_s == pytest.approx(cost.tasks_s)  # the hold's figure is the task's
    assert set(await service.limits.open_reservations()) == {finish_id}
    assert await counters(service) == pytest.approx(cost.tasks_s)

    await release_holds(service, cost.holds, NOTE)  # the note is dropped once the finish is queued
    await service.redis.delete(NOTE)
    await service.settle_limits(grace_s=0.0)
    assert set(await service.limits.open_reservations()) == {finish_id}  # the task's, settled by its row


async def test_a_later_note_takes_the_holds_over(service: ReelbotService) -> None:
    """Music composing for the finish that follows: the music note takes the holds, so the
    first note's drop gives back nothing, and the music note's gives back all."""
    cost = await check_clip_and_finish(service, BOAT, music=True)
    await tag_holds(service, cost.holds, NOTE)
    await tag_holds(service, cost.holds, NOTE + ":music")
    await release_holds(service, cost.holds, NOTE)
    assert len(await service.limits.open_reservations()) == 2
    await release_holds(service, cost.holds, NOTE + ":music")
    assert await service.limits.open_reservations() == {}


async def test_usage_shows_the_held_share(service: ReelbotService) -> None:
    """``/usage`` / ``用量``: a Short waiting for its video is held out of what is left, and
    said so (en/zh-TW), in the person's and the server's windows; gone with its note."""
    cost = await check_clip_and_finish(service, BOAT)
    await service.redis.set(NOTE, "{}", ex=60)
    await tag_holds(service, cost.holds, NOTE)
    usages = {(u.scope, u.period): u for u in await service.usage(ALICE)}
    for key in (("user", "daily"), ("user", "monthly"), ("community", "daily")):
        usage = usages[key]
        assert usage.held == pytest.approx(cost.tasks_s), key
        assert usage.limit is not None and usage.remaining is not None
        assert usage.remaining == pytest.approx(usage.limit - usage.used - usage.reserved - cost.tasks_s)
    daily = usages[("user", "daily")]
    assert "Another 5 are held for the Short you asked for, until its video is ready." in daily.render("en")
    assert "另有 5 秒預留給影片完成後要輸出的 Shorts。" in daily.render("zh-TW")

    await service.redis.delete(NOTE)
    daily = next(u for u in await service.usage(ALICE) if (u.scope, u.period) == ("user", "daily"))
    assert daily.held == 0.0 and "held" not in daily.render("en") and "預留" not in daily.render("zh-TW")
