"""``/finish`` with a person's own track, refused on quota: the quota message, nothing stored.

The track passes every audio check (a real one-second WAV, probed with ffmpeg), so only the
quota refuses — after the track was checked but before it is stored. Through the real
discord.py against the fake Discord: one private answer in the person's language (en and
zh-TW), no track in the media store, no task row, nothing queued, and the status message
posted for a moment is gone again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reelbot.app.finish_tracks import TRACKS_PREFIX
from reelbot.app.service import ReelbotService
from reelbot.domain.settings import Settings
from reelbot.storage import tasks as task_repo
from reelbot.storage.db import session_scope
from tests.bots.discord.helpers import followups
from tests.bots.discord.test_finish import posted_clip
from tests.bots.discord.test_finish_command import ask, sine_wav, track_key
from tests.fakes.discord_api import FakeDiscord


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """1 GPU-second a day: a 1-s clip's finish (4.8 s) is over it."""
    user = settings.quotas.user.model_copy(update={"daily_gpu_s": 1.0})
    return settings.model_copy(update={"quotas": settings.quotas.model_copy(update={"user": user})})


async def test_finish_with_a_track_over_quota_stores_nothing(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
) -> None:
    alice = fake.user(name="alice")
    song = sine_wav(tmp_path / "song.wav", seconds=1.0)
    async with start_bot():
        message, clip_id = await posted_clip(fake, service, tmp_path, alice)
        for locale, words in (("en-US", "GPU-seconds"), ("zh-TW", "GPU 秒")):
            attachments = {"audio": fake.add_attachment("song.wav", song, "audio/wav")}
            inter, answer = await ask(
                fake, {"clip": str(clip_id)}, attachments=attachments, user=alice, locale=locale
            )
            assert answer["flags"] & 64 and words in answer["content"], answer
            assert len(followups(fake, inter.token)) == 1  # one message
        assert [m["id"] for m in fake.channel_messages()] == [message["id"]]  # status removed
    assert not service.media.exists(track_key(song, ".wav"))
    assert not service.media.path(f"{TRACKS_PREFIX}/x").parent.exists()
    assert sum(lane["waiting"] for lane in (await service.queue.depth()).values()) == 0
    with session_scope(service.db) as session:
        assert task_repo.queued_tasks_older_than(session=session, seconds=-60) == []
