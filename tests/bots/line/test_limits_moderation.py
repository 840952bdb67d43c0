"""A LINE prompt or 分鏡 from someone at their hourly rate or their pending-jobs cap, with a prompt
moderation refuses: moderation's answer in their language and its audit-log row, not the limit's
message — and a clean prompt or board still gets the limit's.

A board's early check (``app.early_checks.check_board``) moderates every shot before the limits
for all of them; a prompt's submit admits before it reserves. Real webhook, real service (Redis
ledger, SQLite), the service's real moderator; nothing renders, so queued jobs stay pending.
"""

from __future__ import annotations

from sqlmodel import select

from reelbot.domain.messages import render
from reelbot.domain.types import Platform
from reelbot.storage.db import session_scope
from reelbot.storage.models import ModerationEvent
from tests.bots.line.conftest import Harness, reply_texts, text_event

BANNED = "nude dancers on a stage"
BOARD = "分鏡 紙船\n1. 一艘紙船 1秒\n2. 紙船漂走 1秒\n3. {third} 1秒"
MENTION = "@reelbot "


def refusals(harness: Harness, user_id: str) -> list[tuple[str, str, str | None]]:
    """The moderators' log for one person: (kind, reason, excerpt), oldest first."""
    with session_scope(harness.service.db) as session:
        rows = session.exec(
            select(ModerationEvent)
            .where(ModerationEvent.platform_user_id == user_id)
            .order_by(ModerationEvent.created_at)  # type: ignore[arg-type]
        )
        return [(row.kind, row.reason, row.excerpt) for row in rows]


async def answer(harness: Harness, text: str, user: str, group: str | None = None) -> str:
    """Send ``text`` (with a mention in a group) and return the bot's reply to it."""
    if group is not None:
        event = text_event(MENTION + text, user=user, group=group, mention_self_at=(0, len(MENTION) - 1))
    else:
        event = text_event(text, user=user)
    before = len(reply_texts(harness.fake))
    await harness.send(event)
    texts = reply_texts(harness.fake)
    assert len(texts) == before + 1, texts[before:]
    return texts[-1]


async def test_one_to_one_at_the_hourly_rate_a_refused_prompt_or_shot_gets_the_moderation_refusal(
    harness: Harness,
) -> None:
    harness.bot.config.user_jobs_per_hour = 1
    await harness.bot.state.cache_locale("Ubob", "en")
    for user, locale in (("Ualice", "zh-TW"), ("Ubob", "en")):
        await answer(harness, "一艘紙船在湖上", user)  # the hour's one clip, queued
        refused = render("safety.refused.sexual", locale)
        assert await answer(harness, BANNED, user) == refused
        assert await answer(harness, BOARD.format(third="nude dancers on the deck"), user) == refused
        over = render("line.user_rate_limited", locale, count=1, limit=1)
        assert await answer(harness, "一隻貓在雨中", user) == over
        assert await answer(harness, BOARD.format(third="燈塔亮起"), user) == over
        assert refusals(harness, user) == [
            ("prompt", "safety.refused.sexual", BANNED),
            ("prompt", "safety.refused.sexual", "nude dancers on the deck"),
        ]
    assert await harness.job_count() == 2  # the two clean clips only


async def test_group_at_the_pending_cap_a_refused_prompt_or_shot_gets_the_moderation_refusal(
    harness: Harness,
) -> None:
    """The group's own cap (its admins' setting) with one clip already waiting."""
    await harness.service.save_community_settings(
        Platform.LINE, "Cgroup9", {"max_pending_per_user": 1}, by="admin"
    )
    await answer(harness, "一艘紙船在湖上", "Ua", group="Cgroup9")
    refused = render("safety.refused.sexual", "zh-TW")
    assert await answer(harness, BANNED, "Ua", group="Cgroup9") == refused
    assert (
        await answer(harness, BOARD.format(third="nude dancers on the deck"), "Ua", group="Cgroup9")
        == refused
    )
    capped = render("queue.user_pending_cap", "zh-TW", count=1, limit=1)
    assert await answer(harness, "一隻貓在雨中", "Ua", group="Cgroup9") == capped
    assert await answer(harness, BOARD.format(third="燈塔亮起"), "Ua", group="Cgroup9") == capped
    assert refusals(harness, "Ua") == [
        ("prompt", "safety.refused.sexual", BANNED),
        ("prompt", "safety.refused.sexual", "nude dancers on the deck"),
    ]
    assert await harness.job_count() == 1
