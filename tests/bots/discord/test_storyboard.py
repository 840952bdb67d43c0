"""/storyboard through the real discord.py and the fake Discord: bad files get clear private
answers and queue nothing; a 2-shot board keeps one status message at k/N, and when the last
shot is rendered (a real worker, tiny preset) the draft and its contact sheet are posted with
a re-roll button per shot; re-rolling shot 2 (its owner only) renders one job and posts a new
draft."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from reelbot.app.service import ReelbotService
from reelbot.app.storyboards import board_of_job
from reelbot.bots.common.actions import parse_custom_id
from reelbot.bots.discord.config import DiscordConfig
from reelbot.domain.types import JobState, Platform
from tests.bots.discord.helpers import answer_of, render_all
from tests.fakes.discord_api import Call, FakeDiscord, custom_ids

BOARD = """
title: Boats
seed: 5
shots:
  - prompt: a paper boat on a lake
    seconds: 1
  - prompt: the boat drifts under a bridge
    seconds: 1
"""


def draft_posts(fake: FakeDiscord) -> list[Call]:
    return [
        c
        for c in fake.find("POST", f"/channels/{fake.channel_id}/messages")
        if c.status == 200 and any(f.filename.endswith(".mp4") for f in c.files)
    ]


def channel_posts(fake: FakeDiscord) -> list[Call]:
    return [c for c in fake.find("POST", f"/channels/{fake.channel_id}/messages") if c.status == 200]


async def send_board(
    fake: FakeDiscord, user: dict[str, Any], text: str, filename: str = "board.yaml", **images: bytes
) -> str:
    attachments = {"file": fake.add_attachment(filename, text.encode(), "text/plain")}
    for name, data in images.items():
        attachments[name] = fake.add_attachment(f"{name}.png", data)
    inter = await fake.send_interaction(fake.slash("storyboard", attachments=attachments, user=user))
    assert (await fake.answered(inter)).json["type"] == 5  # deferred first
    answer = await answer_of(fake, inter)
    assert answer["flags"] & 64, answer  # ephemeral
    return str(answer["content"])


async def test_storyboard_refusals(fake: FakeDiscord, service: ReelbotService, start_bot: Any) -> None:
    ann = fake.user(name="ann")
    many = {"shots": [{"prompt": f"shot {i}", "seconds": 1} for i in range(200)]}
    cases = [
        ("notes.txt", BOARD, "as a .yaml, .yml, .toml or .json file"),
        ("board.yaml", "shots: []\n", "has no shots"),
        ("board.json", json.dumps(many), "200 shots; the limit is 60"),
        ("board.toml", '[[shots]]\nprompt = "x"\nseconds = 0\n', "Shot 1"),
        ("board.yaml", "shots: [unclosed\n", "not valid YAML"),
        ("board.yaml", "style: look.png\nshots:\n  - {prompt: x, seconds: 1}\n", "look.png does not exist"),
        ("board.yaml", "shots:\n  - {prompt: x, seconds: 1, camera: sideways}\n", "shots.1.camera"),
    ]
    async with start_bot():
        for filename, text, expected in cases:
            answer = await send_board(fake, ann, text, filename)
            assert expected in answer, (filename, answer)
    assert await service.jobs_for(Platform.DISCORD, ann["id"], active_only=False) == []
    assert channel_posts(fake) == []  # no status message was left behind


async def test_storyboard_status_draft_and_reroll(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    alice, bob = fake.user(name="alice"), fake.user(name="bob")
    async with start_bot():
        answer = await send_board(fake, alice, BOARD)
        assert "2 shots queued" in answer, answer
        (status_call,) = channel_posts(fake)
        status_id = next(m for m in fake.messages if "Storyboard “Boats”" in fake.messages[m]["content"])
        assert "0/2 shots done" in status_call.json["content"]
        jobs = await service.jobs_for(Platform.DISCORD, alice["id"], active_only=False)
        assert len(jobs) == 2 and {j.request.origin.message_id for j in jobs} == {status_id}

        assert await render_all(service, tasks=1) == 2  # the shots, then the draft's assembly
        (post,) = await fake.wait_for(lambda: draft_posts(fake), what="draft posted")
        names = [f.filename for f in post.files]
        assert names[0].endswith(".mp4") and names[1].endswith("-sheet.jpg"), names
        video, sheet = post.files
        assert sheet.data[:2] == b"\xff\xd8"  # JPEG
        assert video.data[4:8] == b"ftyp"
        assert str(post.json["message_reference"]["message_id"]) == status_id
        assert "2 shots" in post.json["content"]
        await fake.wait_for(
            lambda: "2/2 shots done" in fake.messages[status_id]["content"], what="status at 2/2"
        )
        # One status message and one draft; no per-shot clip posts; every edit of the status
        # message is a board line (never a single job's "Queued…" text).
        assert len(channel_posts(fake)) == 2
        status_edits = fake.find("PATCH", f"/channels/{fake.channel_id}/messages/{status_id}")
        assert status_edits and all("Storyboard “Boats”" in c.json["content"] for c in status_edits)

        draft_message = next(m for m in fake.messages.values() if m["id"] != status_id and custom_ids(m))
        buttons = [parse_custom_id(cid) for cid in custom_ids(draft_message)]
        assert [b[0] for b in buttons if b] == ["sbfinish", "sbreroll", "sbreroll"]
        shot2 = buttons[2]
        assert shot2 is not None
        found = await board_of_job(service, shot2[1])
        assert found is not None and found[1] == 2

        # Bob may not re-roll Alice's shot; Alice re-rolls shot 2: one new job, a new draft.
        cid = custom_ids(draft_message)[2]
        refused = await answer_of(fake, await fake.send_interaction(fake.click(draft_message, cid, user=bob)))
        assert "Only the person who started" in refused["content"] and refused["flags"] & 64
        ok = await answer_of(fake, await fake.send_interaction(fake.click(draft_message, cid, user=alice)))
        assert "Shot 2 is being made again" in ok["content"], ok["content"]
        assert len(await service.jobs_for(Platform.DISCORD, alice["id"], active_only=False)) == 3
        assert await render_all(service, tasks=1) == 1
        posts = await fake.wait_for(
            lambda: len(draft_posts(fake)) == 2 and draft_posts(fake), what="new draft"
        )
        assert posts[0].files[0].data != posts[1].files[0].data
        assert str(posts[1].json["message_reference"]["message_id"]) == status_id
    assert not [c for c in fake.calls if c.status == 429]


async def test_storyboard_with_a_face_asks_consent_once(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    alice, bob = fake.user(name="alice"), fake.user(name="bob")
    face = (resources.files("skimage") / "data" / "astronaut.png").read_bytes()
    async with start_bot():
        answer = await send_board(fake, alice, BOARD, character=face)
        assert "consent" in answer
        jobs = await service.jobs_for(Platform.DISCORD, alice["id"], active_only=False)
        assert len(jobs) == 2 and all(j.state is JobState.AWAITING_CONSENT for j in jobs)
        assert {j.request.preset for j in jobs} == {"tiny-vace"}  # a character routes to VACE
        question = next(m for m in fake.messages.values() if any("sbconsent" in c for c in custom_ids(m)))
        confirm = custom_ids(question)[0]
        refused = await answer_of(fake, await fake.send_interaction(fake.click(question, confirm, user=bob)))
        assert "Only the person who uploaded" in refused["content"]
        assert all(
            j.state is JobState.AWAITING_CONSENT
            for j in await service.jobs_for(Platform.DISCORD, alice["id"], active_only=False)
        )
        ok = await answer_of(fake, await fake.send_interaction(fake.click(question, confirm, user=alice)))
        assert "2 shots are now in the queue" in ok["content"], ok["content"]
        assert [await service.queue.position(j.id) for j in sorted(jobs, key=lambda j: j.created_at)] == [
            1,
            2,
        ]


async def test_draft_over_the_upload_limit_is_a_link(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, config: DiscordConfig
) -> None:
    small = config.model_copy(update={"max_upload_bytes": 1024})  # below any draft
    async with start_bot(small):
        await send_board(fake, fake.user(name="cy"), BOARD)
        assert await render_all(service, tasks=1) == 2
        (post,) = await fake.wait_for(
            lambda: [c for c in channel_posts(fake) if c.files], what="draft post with the contact sheet"
        )
    assert [f.filename.endswith("-sheet.jpg") for f in post.files] == [True]
    content = post.json["content"]
    assert "upload limit" in content and "sig=" in content and "/drafts/" in content, content
