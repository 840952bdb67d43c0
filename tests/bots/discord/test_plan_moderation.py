"""``/video`` and ``/storyboard`` asking for a Short, from someone over their quota, with a
prompt moderation refuses: moderation's answer and its audit-log row, not the quota message.

The up-front plan check (``app.task_costs.check_clip_and_finish`` / ``check_board_and_finish``)
refuses clip + finish that would not fit the quota before anything is queued; it moderates the
prompts first, through the submit's own admit step. Real discord.py against the fake Discord,
real Redis ledger and SQLite, the service's real moderator. A 1-GPU-second day: the tiny clip
fits, clip + finish does not (tests/bots/discord/test_after_render_quota.py), so a clean prompt
with the same options gets the quota message — the contrast that shows the person is over.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from reelbot.app.service import ReelbotService
from reelbot.domain.settings import Settings
from reelbot.domain.tasks import FINISH, MUSIC
from reelbot.domain.types import Platform
from reelbot.storage.db import session_scope
from reelbot.storage.models import ModerationEvent
from tests.bots.discord.helpers import answer_of, followups
from tests.bots.discord.test_after_render import BOAT, notes_left, track_files, video
from tests.bots.discord.test_after_render_quota import with_quota
from tests.bots.discord.test_finish_command import sine_wav
from tests.bots.discord.test_finish_music import tasks_of
from tests.bots.discord.test_storyboard_finish_fields import storyboard
from tests.fakes.discord_api import FakeDiscord

BANNED = "nude dancers on a stage"
REFUSED = {"en-US": "sexual or nude content", "zh-TW": "色情或裸露內容"}
OVER = {"en-US": "GPU-seconds", "zh-TW": "GPU 秒"}  # the quota message's unit, in each language

BANNED_SHOT = """title: Two
seed: 2
shots:
  - prompt: a paper boat
    seconds: 1
    caption: 紙船
  - prompt: nude dancers on the deck
    seconds: 1
    caption: 甲板
"""
BANNED_MUSIC = """title: Tune
seed: 2
music: nude dancers humming
shots:
  - prompt: a paper boat
    seconds: 1
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """1 GPU-second a day (2 with the relaxed lane), music on: clip + finish is over."""
    return with_quota(settings, 1.0)


def refusals(service: ReelbotService, user_id: str) -> list[tuple[str, str, str | None]]:
    """The moderators' log for one person: (kind, reason, excerpt), oldest first."""
    with session_scope(service.db) as session:
        rows = session.exec(
            select(ModerationEvent)
            .where(ModerationEvent.platform_user_id == user_id)
            .order_by(ModerationEvent.created_at)  # type: ignore[arg-type]
        )
        return [(row.kind, row.reason, row.excerpt) for row in rows]


async def nothing_queued(fake: FakeDiscord, service: ReelbotService, user_id: str) -> None:
    assert fake.channel_messages() == []  # no status message
    assert await service.jobs_for(Platform.DISCORD, user_id, active_only=False) == []
    assert tasks_of(service, FINISH) == tasks_of(service, MUSIC) == []
    assert await notes_left(service) == []
    assert sum(lane["waiting"] for lane in (await service.queue.depth()).values()) == 0
    assert track_files(service) == []
    assert await service.limits.open_reservations() == {}


async def test_video_over_quota_with_a_refused_prompt_gets_the_moderation_refusal(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
) -> None:
    alice = fake.user(name="alice")
    song = sine_wav(tmp_path / "song.wav", seconds=1.0)
    async with start_bot():
        cases = [
            ({"caption": "紙船出航"}, False, "en-US"),
            ({"audio_mode": "replace"}, True, "zh-TW"),  # the track checked and stored, then removed
            ({"music": "lo-fi piano"}, False, "en-US"),
        ]
        for options, with_track, locale in cases:
            files = {"audio": fake.add_attachment("song.wav", song, "audio/wav")} if with_track else {}
            inter, answer = await video(fake, {**BOAT, "prompt": BANNED, **options}, alice, locale, **files)
            assert answer["flags"] & 64, answer
            assert REFUSED[locale] in answer["content"], (options, answer["content"])
            assert OVER[locale] not in answer["content"], answer["content"]
            assert len(followups(fake, inter.token)) == 1  # one message
        # The same options with a clean prompt: the quota message (this person is over).
        _, answer = await video(fake, {**BOAT, "caption": "紙船出航"}, alice)
        assert "GPU-seconds" in answer["content"] and REFUSED["en-US"] not in answer["content"], answer
    assert refusals(service, alice["id"]) == [("prompt", "safety.refused.sexual", BANNED)] * 3
    await nothing_queued(fake, service, alice["id"])


async def test_storyboard_over_quota_with_a_refused_shot_or_music_gets_the_moderation_refusal(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
) -> None:
    """The refused prompt is the second shot's (shots past the first wave are moderated up
    front too), or the board's music description; both boards ask for a Short. A clean board
    with a track gets the quota message, and the track its checks stored is removed again."""
    alice = fake.user(name="alice")
    song = sine_wav(tmp_path / "song.wav", seconds=1.0)
    async with start_bot():
        for board, locale in ((BANNED_SHOT, "zh-TW"), (BANNED_MUSIC, "en-US")):
            inter, answer = await storyboard(fake, board, alice, locale)
            assert answer["flags"] & 64, answer
            assert REFUSED[locale] in answer["content"], answer["content"]
            assert OVER[locale] not in answer["content"], answer["content"]
            assert len(followups(fake, inter.token)) == 1
        clean = BANNED_SHOT.replace("nude dancers on the deck", "the boat at dusk").encode()
        files = {
            "file": fake.add_attachment("board.yaml", clean, "text/plain"),
            "audio": fake.add_attachment("song.wav", song, "audio/wav"),
        }
        inter = await fake.send_interaction(fake.slash("storyboard", {}, attachments=files, user=alice))
        answer = await answer_of(fake, inter)
        assert "This storyboard and the Short you asked for" in answer["content"], answer
    assert refusals(service, alice["id"]) == [
        ("prompt", "safety.refused.sexual", "nude dancers on the deck"),
        ("prompt", "safety.refused.sexual", "nude dancers humming"),
    ]
    await nothing_queued(fake, service, alice["id"])
