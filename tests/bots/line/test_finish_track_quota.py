"""LINE 輸出成 Shorts with a waiting own track, refused on quota: the quota message, nothing stored.

The track (a real audio message, checked with ffmpeg when it arrives) waits staged outside
the media store; the Finish hands it to ``finish_clip``, which refuses on the quota before
storing it. Through the real webhook and the fake Messaging API, in zh-TW and en: one reply
with the quota message, no track in the media store, no task row, nothing queued — and the
track still waits for a later try.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from reelbot.domain.settings import Settings
from reelbot.domain.types import Origin, Platform
from reelbot.storage.db import session_scope
from reelbot.storage.models import Task
from tests.bots.line.conftest import Harness, audio_event, postback_event, reply_texts, waiting_in_queue
from tests.bots.line.test_finish_extras import stored_tracks, tone
from tests.fakes.line_api import Content
from tests.finishclips import stored_clip


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """1 GPU-second a day: a 1-s clip's finish (4.8 s) is over it."""
    user = settings.quotas.user.model_copy(update={"daily_gpu_s": 1.0})
    return settings.model_copy(update={"quotas": settings.quotas.model_copy(update={"user": user})})


@pytest.mark.parametrize(
    ("user", "language", "words"), [("Ualice", None, "GPU 秒"), ("Ubob", "en", "GPU-seconds")]
)
async def test_finish_with_a_waiting_track_over_quota_stores_nothing(
    harness: Harness, tmp_path: Path, user: str, language: str | None, words: str
) -> None:
    if language:
        harness.fake.profiles[user] = {"displayName": user, "language": language}
    origin = Origin(platform=Platform.LINE, user_id=user, channel_id=user, locale="zh-TW")
    clip_id = stored_clip(harness.service, tmp_path, origin)
    harness.fake.contents["a1"] = Content(
        data=tone(tmp_path, "v.m4a", "-c:a", "aac"), content_type="audio/x-m4a"
    )
    await harness.send(audio_event("a1", duration_ms=1000, user=user))
    assert "Shorts" in reply_texts(harness.fake)[-1]  # taken: waiting for the Finish

    for _ in range(2):  # refused, and refused again: the track waits, never stored
        before = len(reply_texts(harness.fake))
        await harness.send(postback_event(f"reelbot:finish:{clip_id}", user=user))
        (answer,) = reply_texts(harness.fake)[before:]
        assert words in answer, answer
        assert stored_tracks(harness) == []
    assert await waiting_in_queue(harness) == 0
    with session_scope(harness.service.db) as session:
        assert session.exec(select(Task)).all() == []
    track, _ = await harness.bot.handler.state.finish_extras(user, user)
    assert track is not None and track.message_id == "a1" and track.key == ""
