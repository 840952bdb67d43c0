"""作品集 / gallery in LINE: a private link in 1:1, the group's link only once the group switched
it on (開啟作品集 / 關閉作品集), links refused again once switched off.

Real line-bot-sdk against the fake Messaging API, the real service and gallery links.
"""

from __future__ import annotations

import asyncio
import re
import uuid

import pytest

from reelbot.app.gallery import Gallery, Scope
from reelbot.domain.errors import Forbidden
from reelbot.domain.messages import render
from reelbot.domain.types import Platform
from tests.bots.line.conftest import Harness, reply_texts, text_event

TOKEN = re.compile(r"/g/([A-Za-z0-9_.\-]+)")


def token_in(text: str) -> str:
    match = TOKEN.search(text)
    assert match, text
    return match[1]


async def test_a_private_link_in_one_to_one(harness: Harness) -> None:
    await harness.send(text_event("作品集"))
    reply = reply_texts(harness.fake)[-1]
    assert reply.startswith("你的作品集")
    gallery = Gallery(harness.service)
    scope = await gallery.open(token_in(reply))
    expected = await gallery.link_for_user(Platform.LINE, "Ualice")
    assert scope.kind == "user" and scope == await gallery.open(token_in(expected))  # Alice's own
    await harness.send(text_event("作品集", user="Ubob"))
    assert await gallery.open(token_in(reply_texts(harness.fake)[-1])) != scope  # Bob gets his own


async def test_a_group_gallery_only_once_the_group_switched_it_on(harness: Harness) -> None:
    group = "Cgroup9"
    await harness.send(text_event("/video 作品集", group=group))
    assert reply_texts(harness.fake)[-1] == render("line.gallery_group_off", "zh-TW")

    await harness.send(text_event("/video 開啟作品集", group=group, user="Ubob"))
    assert reply_texts(harness.fake)[-1] == render("line.gallery_on", "zh-TW")
    await harness.send(text_event("/video 作品集", group=group))
    token = token_in(reply_texts(harness.fake)[-1])
    gallery = Gallery(harness.service)
    assert await gallery.open(token) == Scope("community", platform=Platform.LINE, community_id=group)

    await harness.send(text_event("/video 關閉作品集", group=group))
    assert reply_texts(harness.fake)[-1] == render("line.gallery_off", "zh-TW")
    with pytest.raises(Forbidden):
        await gallery.open(token)  # switched off: the link sent before stops working


async def test_switching_is_for_groups(harness: Harness) -> None:
    await harness.send(text_event("開啟作品集"))
    assert reply_texts(harness.fake)[-1] == render("line.gallery_group_only", "zh-TW")


def group_event(kind: str, group: str, **extra: object) -> dict[str, object]:
    """A group lifecycle event as LINE sends it: the source names the group, never a person."""
    event: dict[str, object] = {
        "type": kind,
        "mode": "active",
        "timestamp": 1_700_000_000_000,
        "webhookEventId": uuid.uuid4().hex,
        "deliveryContext": {"isRedelivery": False},
        "source": {"type": "group", "groupId": group},
        **extra,
    }
    return event


async def departed(harness: Harness, group: str) -> set[str]:
    from sqlmodel import select

    from reelbot.storage.db import session_scope
    from reelbot.storage.models import CommunityDeparture

    def load() -> set[str]:
        with session_scope(harness.service.db) as session:
            rows = session.exec(select(CommunityDeparture).where(CommunityDeparture.community_id == group))
            return {row.platform_user_id for row in rows}

    return await asyncio.to_thread(load)


async def test_joining_a_group_greets_it(harness: Harness) -> None:
    await harness.send(group_event("join", "Cgroup3", replyToken=f"rt-{uuid.uuid4().hex}"))
    assert reply_texts(harness.fake)[-1] == harness.bot.handler.help_text("zh-TW")


async def test_members_who_leave_drop_out_of_the_group_gallery_and_come_back(harness: Harness) -> None:
    members = {"members": [{"type": "user", "userId": "Ubob"}]}
    await harness.send(group_event("memberLeft", "Cgroup4", left=members))
    assert await departed(harness, "Cgroup4") == {"Ubob"}
    await harness.send(group_event("memberJoined", "Cgroup4", joined=members, replyToken="rt-join"))
    assert await departed(harness, "Cgroup4") == set()
