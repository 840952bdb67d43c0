"""/video end to end: deferred at once, a status message kept updated, the mp4 posted with
remix buttons, and a Remix through the modal that produces a child clip with lineage.

The real worker renders with the tiny preset (the real diffusers classes), so this file
renders two clips; everything else about Discord is in the cheaper test files.
"""

from __future__ import annotations

from typing import Any

from reelbot.app.service import ReelbotService
from reelbot.bots.common.actions import custom_id
from reelbot.domain.types import RemixKind
from tests.bots.discord.helpers import (
    clip_id_of,
    clip_posts,
    message_for,
    render_all,
    status_posts,
    wait_jobs,
)
from tests.fakes.discord_api import FakeDiscord, custom_ids

WINDOW_S = 3.0


async def test_video_to_clip_and_remix_with_lineage(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    creator = fake.user(name="alice")
    friend = fake.user(name="bob")
    async with start_bot():
        inter = await fake.send_interaction(
            fake.slash("video", {"prompt": "a red paper boat on a calm lake", "seed": 7}, user=creator)
        )
        callback = await fake.answered(inter)
        # Deferred (type 5), ephemeral (flag 64), inside the 3-second window.
        assert callback.json["type"] == 5 and callback.json["data"]["flags"] & 64
        assert callback.at - inter.sent_at < WINDOW_S
        status_call = (await fake.wait_for(lambda: status_posts(fake), what="status message"))[0]
        assert "a red paper boat" in status_call.json["content"]
        status = message_for(fake, status_call)
        # The person is told the job id, ephemerally, through the interaction's follow-up.
        accepted = await fake.wait_for(lambda: fake.find("POST", f"/webhooks/{fake.app_id}/{inter.token}"))
        assert "job" in accepted[0].json["content"].lower()

        jobs = await service.jobs_for(service_platform(), creator["id"])
        assert len(jobs) == 1 and jobs[0].request.origin.message_id == status["id"]

        assert await render_all(service) == 1
        post = (await fake.wait_for(lambda: clip_posts(fake), what="clip upload"))[0]
        upload = next(f for f in post.files if f.filename.endswith(".mp4"))
        assert upload.data[4:8] == b"ftyp" and len(upload.data) > 1000
        assert "payload_json" not in upload.field and upload.field.startswith("files[")
        assert "a red paper boat" in post.json["content"] and "`7`" in post.json["content"]
        assert str(post.json["message_reference"]["message_id"]) == status["id"]
        clip_message = message_for(fake, post)
        clip_id = clip_id_of(clip_message)
        assert custom_ids(clip_message) == [
            custom_id(action, clip_id)
            for action in (
                "reroll",
                "vary",
                "varystrong",
                "extend",
                "loop",
                "remix",
                "finish",
                "info",
                "delete",
                "modetake",  # the select of the same actions in another speed mode, on its own row
            )
        ]
        assert all(len(cid) <= 100 for cid in custom_ids(clip_message))

        # The status message went queued → rendering → done, edited through the bot token.
        edits = await fake.wait_for(
            lambda: [
                c
                for c in fake.find("PATCH", f"/channels/{fake.channel_id}/messages/{status['id']}")
                if "Done" in (c.json or {}).get("content", "")
            ],
            what="final status edit",
        )
        all_edits = fake.find("PATCH", f"/channels/{fake.channel_id}/messages/{status['id']}")
        assert len(all_edits) >= 2 and edits
        assert any(
            "Rendering" in (c.json or {}).get("content", "") or "Queued" in (c.json or {}).get("content", "")
            for c in all_edits
        )
        assert not [c for c in fake.calls if c.status == 429], "an edit came faster than Discord allows"

        # Remix from someone else: the modal opens with the prompt pre-filled.
        click = await fake.send_interaction(
            fake.click(clip_message, custom_id("remix", clip_id), user=friend)
        )
        modal = (await fake.answered(click)).json
        assert modal["type"] == 9
        assert modal["data"]["custom_id"] == custom_id("remixprompt", clip_id)
        assert len(modal["data"]["title"]) <= 45
        text_input = modal["data"]["components"][0]["components"][0]
        assert text_input["value"] == "a red paper boat on a calm lake" and text_input["max_length"] <= 4000

        submit = await fake.send_interaction(
            fake.modal_submit(
                custom_id("remixprompt", clip_id),
                {"prompt": "a blue paper boat at night"},
                user=friend,
                message=clip_message,
            )
        )
        assert (await fake.answered(submit)).json["type"] == 5
        await wait_jobs(fake, service, friend["id"], 1)
        assert await render_all(service) == 1
        posts = await fake.wait_for(
            lambda: len(clip_posts(fake)) == 2 and clip_posts(fake), what="remix upload"
        )
        child_message = message_for(fake, posts[1])
        child_id = clip_id_of(child_message)
        assert "a blue paper boat at night" in posts[1].json["content"]
        assert f"<@{creator['id']}>" in posts[1].json["content"]  # whose clip it came from
        child = await service.clip(child_id)
        assert child.parent_clip_id == clip_id and child.remix_kind is RemixKind.REMIX
        assert child.lineage == [(clip_id, None), (child_id, RemixKind.REMIX)]
        assert child.author.user_id == friend["id"]

        # Info on the child: the recipe and the lineage, ephemeral.
        info = await fake.send_interaction(
            fake.click(child_message, custom_id("info", child_id), user=creator)
        )
        assert (await fake.answered(info)).json["data"]["flags"] & 64
        reply = (await fake.wait_for(lambda: fake.find("POST", f"/webhooks/{fake.app_id}/{info.token}")))[0]
        content = reply.json["content"]
        assert str(child_id) in content and "a blue paper boat at night" in content  # the id to copy
        assert f"`{str(clip_id)[:8]}`" in content and str(clip_id) not in content  # lineage: short ids
        assert reply.json["flags"] & 64


def service_platform() -> Any:
    from reelbot.domain.types import Platform

    return Platform.DISCORD
