"""Bad input gets an ephemeral, clear answer; nothing is stored, nothing is left in the
channel, and the bot keeps serving. No rendering here."""

from __future__ import annotations

import io
import struct
import uuid
import zlib
from typing import Any

from PIL import Image

from reelbot.app.service import ReelbotService
from reelbot.bots.common.actions import custom_id
from reelbot.domain.types import Platform
from tests.bots.discord.helpers import answer_of
from tests.fakes.discord_api import FakeDiscord

MiB = 1024 * 1024


def png(width: int = 64, height: int = 64) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny file whose PNG header claims ``width``×``height`` (a decompression bomb's shape)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    body = struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    idat = zlib.compress(b"\x00" * 64)
    body += struct.pack(">I", len(idat)) + b"IDAT" + idat + struct.pack(">I", zlib.crc32(b"IDAT" + idat))
    return b"\x89PNG\r\n\x1a\n" + body


async def ask(fake: FakeDiscord, options: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    inter = await fake.send_interaction(fake.slash("video", options, **kwargs))
    callback = await fake.answered(inter)
    assert callback.json["type"] == 5 and callback.json["data"]["flags"] & 64  # deferred first
    return await answer_of(fake, inter)


async def test_bad_video_requests(fake: FakeDiscord, service: ReelbotService, start_bot: Any) -> None:
    user = fake.user(name="mallory")
    async with start_bot():
        cases: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
            (
                "30 MB attachment",
                {"prompt": "a cat"},
                {"image": fake.add_attachment("big.png", b"\x89PNG" + b"0" * 1024, size=30 * MiB)},
                "30.0 MB",
            ),
            (
                "size that lies",
                {"prompt": "a cat"},
                {"image": fake.add_attachment("liar.png", b"\x00" * (21 * MiB), size=1000)},
                "limit is 20 MB",
            ),
            (
                "text file named .png",
                {"prompt": "a cat"},
                {"image": fake.add_attachment("notes.png", b"just some text\n" * 50, "text/plain")},
                "not an image",
            ),
            (
                "40,000x40,000 PNG",
                {"prompt": "a cat"},
                {"image": fake.add_attachment("bomb.png", png_header_only(40_000, 40_000))},
                "image",
            ),
            ("6,000-char prompt", {"prompt": "x" * 6000}, {}, "6000 characters"),
            ("unknown preset", {"prompt": "a cat", "preset": "no-such-model"}, {}, "no-such-model"),
            ("seed out of range", {"prompt": "a cat", "seed": 2**40}, {}, "seed"),
            ("foreign host", {"prompt": "a cat"}, {}, "CDN"),
        ]
        for name, options, attachments, expected in cases:
            if name == "foreign host":
                att = fake.add_attachment("ok.png", png())
                att["url"] = att["url"].replace("127.0.0.1", "localhost")
                attachments = {"image": att}
            answer = await ask(fake, options, attachments=attachments, user=user)
            assert answer["flags"] & 64, name
            assert expected.lower() in answer["content"].lower(), (name, answer["content"])
            assert "Traceback" not in answer["content"]

        # zh-TW reply for the same kind of mistake.
        answer = await ask(fake, {"prompt": "x" * 6000}, user=user, locale="zh-TW")
        assert "提示詞" in answer["content"]

        # Nothing was stored or queued, and no status message stayed in the channel.
        assert await service.jobs_for(Platform.DISCORD, user["id"], active_only=False) == []
        assert fake.channel_messages() == []

        # Forged and stale buttons on a message that carries them.
        clip = uuid.uuid4()
        forged = [
            f"reelbot:reroll:{clip}",  # well formed, but no such clip
            "reelbot:reroll:not-a-uuid",
            f"reelbot:explode:{clip}",
            "reelbot:" + "a" * 90,
        ]
        host = fake.user_message("old clip")
        host["components"] = [
            {
                "type": 1,
                "components": [
                    {"type": 2, "style": 2, "label": str(i), "custom_id": cid} for i, cid in enumerate(forged)
                ],
            }
        ]
        expectations = ["no longer exists", "no longer works", "no longer works", "no longer works"]
        for cid, expected in zip(forged, expectations, strict=True):
            answer = await answer_of(fake, await fake.send_interaction(fake.click(host, cid, user=user)))
            assert expected in answer["content"], (cid, answer["content"])
            assert answer["flags"] & 64
        # An id of ours that is not on the clicked message at all.
        absent = await fake.send_interaction(fake.click(host, custom_id("info", uuid.uuid4()), user=user))
        assert "no longer works" in (await answer_of(fake, absent))["content"]

        # Still alive and answering.
        help_answer = await answer_of(fake, await fake.send_interaction(fake.slash("help")))
        assert "/video" in help_answer["content"]
    assert not [c for c in fake.calls if c.status >= 500]
