"""A mode the preset lacks, asked for in a chat: one clear answer in en and zh-TW naming the modes
the preset offers, nothing stored or queued, no status message left — Discord /video (real
discord.py, fake Discord); LINE's case is tests/bots/line/test_speed_refusal.py."""

from __future__ import annotations

from typing import Any

from reelbot.app.service import ReelbotService
from reelbot.domain.types import Platform
from tests.bots.discord.helpers import answer_of
from tests.fakes.discord_api import FakeDiscord

LACKS = {"prompt": "a kite", "preset": "tiny-ltx", "speed": "draft"}


async def test_discord_video_in_a_mode_the_preset_lacks(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    user = fake.user(name="kit")
    async with start_bot():
        answers = {}
        for locale in ("en-US", "zh-TW"):
            inter = await fake.send_interaction(fake.slash("video", LACKS, user=user, locale=locale))
            answers[locale] = await answer_of(fake, inter)
    for answer in answers.values():
        assert answer["flags"] & 64 and "tiny-ltx" in answer["content"]
    en, zh = answers["en-US"]["content"], answers["zh-TW"]["content"]
    assert "draft" in en and "quality" in en
    assert "模式" in zh and "quality" in zh and "預設" not in zh
    assert await service.jobs_for(Platform.DISCORD, user["id"], active_only=False) == []
    assert fake.channel_messages() == []
    assert sum(lane["waiting"] for lane in (await service.queue.depth()).values()) == 0
