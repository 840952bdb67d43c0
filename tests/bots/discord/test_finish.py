"""Finish for Shorts through the real discord.py and the fake Discord.

A clip (a real H.264 file recorded as a worker leaves it) is posted by the bot from its
``done`` event, with the "Finish for Shorts" button; a click posts a status message and
queues one ``finish`` task — nothing renders in the bot — the real worker runs it, and the
finished mp4 is posted replying to the status message with the YouTube reminder. Over the
channel's upload cap it comes as a signed media link instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reelbot.app.service import ReelbotService
from reelbot.bots.common.actions import custom_id
from reelbot.bots.discord.config import DiscordConfig
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.types import Origin, Platform
from reelbot.generator.finish.media import stream_facts
from tests.bots.discord.helpers import answer_of, clip_posts, render_all
from tests.fakes.discord_api import FakeDiscord, custom_ids
from tests.finishclips import stored_clip

REMINDER = "declare it as altered or synthetic content"


async def posted_clip(
    fake: FakeDiscord, service: ReelbotService, tmp_path: Path, user: dict[str, Any]
) -> Any:
    """The bot posts a stored clip from its done event; the clip message and its id."""
    origin = Origin(
        platform=Platform.DISCORD,
        user_id=user["id"],
        channel_id=fake.channel_id,
        guild_id=fake.guild_id,
        locale="en",
    )
    clip_id = stored_clip(service, tmp_path, origin)
    clip = await service.clip(clip_id)
    await service.events(Platform.DISCORD).publish(
        JobEvent(kind=EventKind.DONE, job_id=clip.job_id, origin=origin, clip_id=clip_id)
    )
    cid = custom_id("finish", clip_id)
    message = await fake.wait_for(
        lambda: next((m for m in list(fake.messages.values()) if cid in custom_ids(m)), None),
        what="clip posted",
    )
    return message, clip_id


def finished_posts(fake: FakeDiscord) -> list[Any]:
    return [
        c
        for c in fake.find("POST", f"/channels/{fake.channel_id}/messages")
        if c.status == 200 and REMINDER in (c.json or {}).get("content", "")
    ]


async def test_finish_button_posts_the_finished_short(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
) -> None:
    alice, bob = fake.user(name="alice"), fake.user(name="bob")
    async with start_bot():
        message, clip_id = await posted_clip(fake, service, tmp_path, alice)
        cid = custom_id("finish", clip_id)
        assert cid in custom_ids(message)
        # Bob finishes Alice's clip (like a remix, anyone may); the answer is private.
        answer = await answer_of(fake, await fake.send_interaction(fake.click(message, cid, user=bob)))
        assert answer["flags"] & 64 and "queued" in answer["content"].lower(), answer
        status = next(
            m for m in fake.channel_messages() if "for Shorts" in m["content"] and m["author"].get("bot")
        )
        assert str(status["message_reference"]["message_id"]) == message["id"]
        assert clip_posts(fake)[1:] == []  # nothing rendered or posted by the bot itself

        assert await render_all(service, tasks=1) == 0
        (post,) = await fake.wait_for(lambda: finished_posts(fake), what="finished short posted")
        (upload,) = post.files
        assert upload.filename.endswith(".mp4") and upload.data[4:8] == b"ftyp"
        short = tmp_path / "short.mp4"
        short.write_bytes(upload.data)
        facts = stream_facts(short)
        assert (facts.width, facts.height, facts.fps) == (1080, 1920, 30.0)
        assert str(post.json["message_reference"]["message_id"]) == status["id"]
        assert "1080×1920" in post.json["content"]
        await fake.wait_for(
            lambda: "file is below" in fake.messages[status["id"]]["content"], what="status says ready"
        )
        # A second click within the click window is the same task: nothing new is queued.
        again = await answer_of(fake, await fake.send_interaction(fake.click(message, cid, user=bob)))
        assert "already" in again["content"].lower(), again
        assert (await service.queue.depth())["fast"]["waiting"] == 0


async def test_a_short_over_the_upload_cap_is_a_signed_link(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, config: DiscordConfig, tmp_path: Path
) -> None:
    small = config.model_copy(update={"max_upload_bytes": 1024})  # below any finished file
    alice = fake.user(name="alice")
    async with start_bot(small):
        message, clip_id = await posted_clip(fake, service, tmp_path, alice)
        cid = custom_id("finish", clip_id)
        await answer_of(fake, await fake.send_interaction(fake.click(message, cid, user=alice)))
        assert await render_all(service, tasks=1) == 0
        (post,) = await fake.wait_for(lambda: finished_posts(fake), what="finished short as a link")
    content = post.json["content"]
    assert not post.files and "upload limit" in content and "sig=" in content and "/finished/" in content


async def test_finish_button_under_a_storyboard_draft(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    from tests.bots.discord.test_storyboard import draft_posts, send_board

    alice = fake.user(name="alice")
    async with start_bot():
        await send_board(
            fake, alice, "title: One\nseed: 2\nshots:\n  - prompt: a paper boat\n    seconds: 1\n"
        )
        assert await render_all(service, tasks=1) == 1  # the shot, then the draft's assembly
        await fake.wait_for(lambda: draft_posts(fake), what="draft posted")
        draft = next(m for m in fake.messages.values() if any("sbfinish" in c for c in custom_ids(m)))
        cid = next(c for c in custom_ids(draft) if "sbfinish" in c)
        answer = await answer_of(fake, await fake.send_interaction(fake.click(draft, cid, user=alice)))
        assert "queued" in answer["content"].lower(), answer
        assert await render_all(service, tasks=1) == 0
        (post,) = await fake.wait_for(lambda: finished_posts(fake), what="finished draft posted")
    (upload,) = post.files
    assert upload.data[4:8] == b"ftyp" and str(post.json["message_reference"]["message_id"]) != draft["id"]
