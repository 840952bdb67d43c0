"""Animate this image, preset autocomplete, /reelbot settings and its limits, and a clip
over the channel's upload limit delivered as a signed link."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from reelbot.app.service import ReelbotService
from reelbot.bots.discord.config import DiscordConfig
from reelbot.domain.types import Platform, ReferenceRole
from tests.bots.discord.helpers import answer_of, render_all, wait_jobs
from tests.fakes.discord_api import FakeDiscord

MANAGE_GUILD = str(1 << 5)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (80, 120), (250, 200, 0)).save(out, "PNG")
    return out.getvalue()


async def test_animate_autocomplete_and_server_limits(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    ann, admin = fake.user(name="ann"), fake.user(name="admin")
    async with start_bot():
        # "Animate this image" on someone's message: its image becomes the first frame.
        target = fake.user_message("my cat in the garden", [fake.add_attachment("cat.png", png())])
        inter = await fake.send_interaction(fake.message_command("Animate this image", target, user=ann))
        assert (await fake.answered(inter)).json["type"] == 5
        (job,) = await wait_jobs(fake, service, ann["id"], 1)
        assert job.request.prompt == "my cat in the garden"
        assert [r.role for r in job.request.references] == [ReferenceRole.FIRST_FRAME]
        plain = fake.user_message("no picture here")
        answer = await answer_of(
            fake, await fake.send_interaction(fake.message_command("Animate this image", plain))
        )
        assert "no image" in answer["content"] and answer["flags"] & 64

        # Preset autocomplete lists the registry.
        auto = await fake.send_interaction(
            fake.slash("video", {"prompt": "x", "preset": "ti"}, focused="preset")
        )
        choices = (await fake.answered(auto)).json["data"]["choices"]
        assert "tiny" in [c["value"] for c in choices] and len(choices) <= 25

        # /reelbot settings: refused for members, saved for admins, then enforced.
        member = await fake.send_interaction(
            fake.slash("reelbot", {"user_per_hour": 1}, subcommand=["settings"], user=ann)
        )
        assert "admins" in (await answer_of(fake, member))["content"]
        saved = await fake.send_interaction(
            fake.slash(
                "reelbot",
                {"user_per_hour": 1, "max_pending": 5},
                subcommand=["settings"],
                user=admin,
                permissions=MANAGE_GUILD,
            )
        )
        assert "Saved" in (await answer_of(fake, saved))["content"]
        again = await fake.send_interaction(fake.slash("video", {"prompt": "second one"}, user=ann))
        text = (await answer_of(fake, again))["content"]
        assert "last hour" in text and "Try again in about" in text, text
        assert len(await service.jobs_for(Platform.DISCORD, ann["id"], active_only=False)) == 1
        shown = await fake.send_interaction(
            fake.slash(
                "reelbot", {}, subcommand=["settings"], user=admin, permissions=MANAGE_GUILD, locale="zh-TW"
            )
        )
        assert "每小時 1 支" in (await answer_of(fake, shown))["content"]


async def test_clip_over_upload_limit_becomes_a_link(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, config: DiscordConfig
) -> None:
    small = config.model_copy(update={"max_upload_bytes": 1024})  # below any clip, even re-encoded
    async with start_bot(small):
        # The answer comes once the job is queued: a worker started before it would find nothing.
        await answer_of(fake, await fake.send_interaction(fake.slash("video", {"prompt": "a tiny comet"})))
        assert await render_all(service) == 1
        posts = await fake.wait_for(
            lambda: [
                c
                for c in fake.find("POST", f"/channels/{fake.channel_id}/messages")
                if "a tiny comet" in (c.json or {}).get("content", "") and (c.json or {}).get("components")
            ],
            what="clip link message",
        )
    assert posts[0].files == []
    content = posts[0].json["content"]
    assert "upload limit" in content and service.settings.media_base_url in content and "sig=" in content
