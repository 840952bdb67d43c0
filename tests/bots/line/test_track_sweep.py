"""Tracks waiting on the LINE bot's disk for 「輸出成 Shorts」 are swept on their own TTL,
by the same sweeper as the photos (``LineBot.staged``: what ``run_line`` sweeps at start and
then every half TTL; the start-up sweep is in test_runners.py).

Real webhook intake (the fake Messaging API serves a real m4a), the bot's real staging
folders; the sweep is told ``now`` instead of waiting for the TTL.
"""

from __future__ import annotations

import os
from pathlib import Path

from reelbot.bots.line.staging import SWEEP_GRACE_S
from tests.bots.line.conftest import Harness, audio_event, postback_event
from tests.bots.line.test_finish_extras import ALICE, finish_payloads, tone
from tests.fakes.line_api import Content
from tests.finishclips import stored_clip


async def test_a_track_past_its_ttl_is_swept_and_a_waiting_one_kept(harness: Harness, tmp_path: Path) -> None:
    track = tone(tmp_path, "voice.m4a", "-c:a", "aac")
    for message_id in ("t-old", "t-new"):
        harness.fake.contents[message_id] = Content(data=track, content_type="audio/x-m4a")
        await harness.send(audio_event(message_id, duration_ms=1000))  # t-new replaces t-old
    photos, tracks = harness.bot.staged()
    assert tracks.get("t-old") == track and tracks.get("t-new") == track  # where the intake put them
    assert tracks.ttl_s == harness.bot.config.finish_extras_ttl_s > photos.ttl_s

    fresh = tracks.path("t-new").stat().st_mtime
    expired = fresh - tracks.ttl_s - SWEEP_GRACE_S - 1
    os.utime(tracks.path("t-old"), (expired, expired))
    later = fresh + photos.ttl_s + SWEEP_GRACE_S + 1  # every photo would be gone by now
    assert photos.sweep(now=later) == 0 and tracks.get("t-old") == track  # not the photos' folder
    assert tracks.sweep(now=later) == 1
    assert tracks.get("t-old") is None and tracks.get("t-new") == track

    clip_id = stored_clip(harness.service, tmp_path, ALICE)
    await harness.send(postback_event(f"reelbot:finish:{clip_id}"))
    (payload,) = finish_payloads(harness)
    assert harness.service.media.read_bytes(payload["audio_key"]) == track
    assert len(harness.fake.calls_to("/v2/bot/message/t-new/content")) == 1  # the kept copy was used
    assert tracks.get("t-new") is None  # used: discarded at once
