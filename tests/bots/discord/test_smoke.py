"""Login, command sync and a slash command round trip through the real discord.py client."""

from __future__ import annotations

from typing import Any

from reelbot.domain.messages import CATALOGUE, ZH_TW
from tests.fakes.discord_api import FakeDiscord


async def test_login_sync_and_help_in_both_languages(fake: FakeDiscord, start_bot: Any) -> None:
    async with start_bot():
        # The commands were synced with their options and zh-TW descriptions.
        names = {c["name"] for c in fake.commands}
        assert {"video", "queue", "cancel", "help", "reelbot", "Animate this image"} <= names
        video = next(c for c in fake.commands if c["name"] == "video")
        options = {o["name"]: o for o in video["options"]}
        assert options["image"]["type"] == 11 and options["prompt"]["required"] is True
        assert options["preset"]["autocomplete"] is True
        assert [c["value"] for c in options["aspect"]["choices"]] == ["9:16", "1:1", "16:9"]
        assert video["description_localizations"]["zh-TW"] == CATALOGUE[ZH_TW]["cmd.video"]
        animate = next(c for c in fake.commands if c["name"] == "Animate this image")
        assert animate["type"] == 3

        en = await fake.send_interaction(fake.slash("help", locale="en-US"))
        zh = await fake.send_interaction(fake.slash("help", locale="zh-TW"))
        en_cb, zh_cb = await fake.answered(en), await fake.answered(zh)
        assert en_cb.json["type"] == 4 and en_cb.json["data"]["flags"] & 64  # ephemeral
        assert "/video" in en_cb.json["data"]["content"] and "Re-roll" in en_cb.json["data"]["content"]
        assert "重新生成" in zh_cb.json["data"]["content"]
        assert not [c for c in fake.calls if c.status == 429]
