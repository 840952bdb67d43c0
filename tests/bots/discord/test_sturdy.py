"""What Discord really sends, replayed: foreign buttons, missing members, malformed events.

The real discord.py bot runs against the fake gateway. Each case expects an answer (or a
deliberate silence) and a bot that still answers the next interaction afterwards.
"""

from __future__ import annotations

import asyncio
from typing import Any

from reelbot.app.service import ReelbotService
from reelbot.domain.messages import render
from reelbot.domain.types import Platform
from tests.bots.discord.helpers import answer_of
from tests.fakes.discord_api import FakeDiscord


async def still_answers(fake: FakeDiscord) -> None:
    inter = await fake.send_interaction(fake.slash("help"))
    answer = await answer_of(fake, inter)
    assert "/video" in answer["content"]


async def test_foreign_button_is_answered_ephemerally(fake: FakeDiscord, start_bot: Any) -> None:
    async with start_bot():
        for cid, locale in (("reroll:1234", "en-US"), ("v1|vary|abc", "zh-TW"), ("", "en-US")):
            message = fake.user_message("an old clip")
            button = {"type": 2, "style": 2, "label": "x", "custom_id": cid}
            message["components"] = [{"type": 1, "components": [button]}]
            inter = await fake.send_interaction(fake.click(message, cid, locale=locale))
            answer = await answer_of(fake, inter)
            assert answer["content"] == render("button.invalid", locale)
            assert answer["flags"] & 64  # only the person who clicked sees it
        assert render("button.invalid", "zh-TW") != render("button.invalid", "en")


async def test_malformed_interaction_does_not_end_the_gateway(fake: FakeDiscord, start_bot: Any) -> None:
    async with start_bot() as bot:
        broken = fake.click(fake.user_message("x"), "reelbot:info:nope")
        del broken["data"]  # a component interaction without data: discord.py's parser raises
        await fake.dispatch("INTERACTION_CREATE", broken)
        no_token = fake.slash("help")
        del no_token["token"]  # cannot be answered at all: dropped on purpose
        await fake.dispatch("INTERACTION_CREATE", no_token)
        await fake.dispatch("INTERACTION_CREATE", {"unexpected": True})
        await fake.dispatch("GUILD_UPDATE", {"id": "not-a-number"})  # any other parse error
        await still_answers(fake)
        assert not bot.is_closed()
        assert bot.ws is not None and bot.ws.open


async def test_guild_interaction_without_member_still_makes_a_video(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    user = fake.user(name="oldclient")
    async with start_bot():
        payload = fake.slash("video", {"prompt": "a lantern drifting over a river"})
        del payload["member"]
        payload["user"] = user
        for optional in ("locale", "guild_locale", "app_permissions", "version", "attachment_size_limit"):
            payload.pop(optional, None)
        inter = await fake.send_interaction(payload)
        answer = await answer_of(fake, inter)
        assert "job" in answer["content"].lower(), answer["content"]
        jobs = await service.jobs_for(Platform.DISCORD, user["id"])
        assert len(jobs) == 1
        await still_answers(fake)


async def test_attachment_without_content_type(fake: FakeDiscord, start_bot: Any) -> None:
    from tests.bots.discord.test_bad_input import png

    async with start_bot():
        att = fake.add_attachment("frame.png", png())
        del att["content_type"]
        message = fake.user_message("a paper boat sails away", attachments=[att])
        inter = await fake.send_interaction(fake.message_command("Animate this image", message))
        answer = await answer_of(fake, inter)
        assert "job" in answer["content"].lower(), answer["content"]
        await asyncio.sleep(0)
