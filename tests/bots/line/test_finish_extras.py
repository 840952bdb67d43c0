"""An own soundtrack and a caption for 「輸出成 Shorts」 from LINE, through the real webhook.

An audio message (or an audio file) is fetched from the fake Messaging API's content
endpoint, checked with ``check_track`` and waits staged (not in the media store: the Finish
stores it) as the person's track; ``字幕 <text>`` waits
as their caption; the next Finish's task payload in storage carries both (mixed track,
burned caption) and the worker makes a Short with an AAC track and the caption in its .srt.
Every bad input gets one message in the person's language and leaves nothing waiting or
stored.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import pytest
from sqlmodel import select

from reelbot.app.finish import finished
from reelbot.app.finish_tracks import TRACKS_PREFIX
from reelbot.cli.wiring import worker_for
from reelbot.domain.settings import Settings
from reelbot.domain.tasks import FINISH
from reelbot.domain.types import Origin, Platform
from reelbot.generator.finish.media import stream_facts
from reelbot.storage.db import session_scope
from reelbot.storage.models import Task
from tests.bots.line.conftest import (
    Harness,
    audio_event,
    file_event,
    postback_event,
    reply_texts,
    text_event,
)
from tests.fakes.line_api import Content
from tests.finishclips import stored_clip

ALICE = Origin(platform=Platform.LINE, user_id="Ualice", channel_id="Ualice", locale="zh-TW")
AUDIO_CAP = 1024 * 1024  # finish.max_audio_bytes here: a too-big track is cheap to send


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"finish": settings.finish.model_copy(update={"max_audio_bytes": AUDIO_CAP})}
    )


def tone(tmp_path: Path, name: str, *codec: str, seconds: float = 1.0) -> bytes:
    """A real short sine track (ffmpeg's lavfi source), encoded as ``name``'s container."""
    path = tmp_path / name
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    subprocess.run(
        [exe, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", f"sine=f=440:d={seconds}:sample_rate=44100", *codec, str(path)],
        check=True,
    )  # fmt: skip
    return path.read_bytes()


def finish_payloads(harness: Harness) -> list[dict[str, Any]]:
    """The payloads of the stored ``finish`` tasks, oldest first."""
    with session_scope(harness.service.db) as session:
        tasks = session.exec(select(Task).where(Task.kind == FINISH).order_by(Task.created_at)).all()
        return [dict(task.payload_json) for task in tasks]


def stored_tracks(harness: Harness) -> list[Path]:
    folder = harness.service.media.path(f"{TRACKS_PREFIX}/x.m4a").parent
    return sorted(folder.iterdir()) if folder.is_dir() else []


def english(harness: Harness) -> None:
    harness.fake.profiles["Ualice"] = {"displayName": "Alice", "language": "en"}


async def test_audio_message_and_caption_go_into_the_next_finish(harness: Harness, tmp_path: Path) -> None:
    clip_id = stored_clip(harness.service, tmp_path, ALICE)
    track = tone(tmp_path, "voice.m4a", "-c:a", "aac")
    harness.fake.contents["a1"] = Content(data=track, content_type="audio/x-m4a")
    await harness.send(audio_event("a1", duration_ms=1000))
    assert "下一次按「輸出成 Shorts」會配上這段音樂" in reply_texts(harness.fake)[-1]
    await harness.send(text_event("字幕 夜市的燈亮了"))
    assert "字幕「夜市的燈亮了」" in reply_texts(harness.fake)[-1]

    await harness.send(postback_event(f"reelbot:finish:{clip_id}"))
    answer = reply_texts(harness.fake)[-1]
    assert "輸出成 Shorts" in answer and "🎵" in answer and "💬 字幕：夜市的燈亮了" in answer, answer
    (payload,) = finish_payloads(harness)
    assert (payload["audio"], payload["audio_mode"], payload["burn"]) == ("upload", "mix", True)
    assert harness.service.media.read_bytes(payload["audio_key"]) == track
    assert [c["text"] for c in payload["captions"]] == ["夜市的燈亮了"] and payload["srt_key"]

    worker = worker_for(harness.service, name="line-finish-extras", burst=True)
    await worker.run()
    assert worker.tasks.done == 1
    done = await finished(harness.service, uuid.UUID(str(payload["output_key"]).split("/")[1][:36]))
    facts = stream_facts(harness.service.media.path(done.video_key))
    assert (facts.width, facts.height, facts.audio_codec, facts.sample_rate) == (1080, 1920, "aac", 48_000)
    assert done.srt_key and "夜市的燈亮了" in harness.service.media.read_bytes(done.srt_key).decode()

    # Used once: the next Finish has the clip's own sound and no caption.
    await harness.send(postback_event(f"reelbot:finish:{clip_id}"))
    again = finish_payloads(harness)[-1]
    assert (again["audio"], again["audio_key"], again["captions"], again["burn"]) == (
        "model",
        None,
        [],
        False,
    )
    assert "🎵" not in reply_texts(harness.fake)[-1]


async def test_an_audio_file_and_the_clearing_words_in_english(harness: Harness, tmp_path: Path) -> None:
    english(harness)
    clip_id = stored_clip(harness.service, tmp_path, ALICE)
    song = tone(tmp_path, "song.wav", "-c:a", "pcm_s16le")
    harness.fake.contents["f1"] = Content(data=song, content_type="audio/wav")
    await harness.send(file_event("f1", "song.wav", len(song)))
    assert "The next Finish for Shorts will use it" in reply_texts(harness.fake)[-1]
    await harness.send(text_event("no music"))
    assert reply_texts(harness.fake)[-1] == "OK, the next Finish for Shorts won't use your track."
    await harness.send(text_event("取消音樂"))
    assert reply_texts(harness.fake)[-1].startswith("No track is waiting.")
    await harness.send(text_event("caption: the lights come on"))
    assert "the caption “the lights come on”" in reply_texts(harness.fake)[-1]
    await harness.send(text_event("no caption"))
    assert reply_texts(harness.fake)[-1] == "OK, the next Finish for Shorts gets no caption."
    await harness.send(text_event("caption"))
    assert reply_texts(harness.fake)[-1].startswith("Write the text after caption")

    await harness.send(postback_event(f"reelbot:finish:{clip_id}"))
    (payload,) = finish_payloads(harness)
    assert (payload["audio"], payload["audio_key"], payload["captions"]) == ("model", None, [])


@pytest.mark.parametrize("locale", ["zh-TW", "en"])
async def test_bad_tracks_and_captions_get_one_message_and_keep_nothing(
    harness: Harness, tmp_path: Path, locale: str
) -> None:
    if locale == "en":
        english(harness)
    clip_id = stored_clip(harness.service, tmp_path, ALICE)
    harness.fake.contents["txt"] = Content(
        data=b"these are my notes, not a song\n" * 20, content_type="audio/mpeg"
    )
    harness.fake.contents["huge"] = Content(size=AUDIO_CAP * 2, content_type="audio/x-m4a")
    cases = [
        (
            file_event("txt", "notes.mp3", 620),
            {"zh-TW": "notes.mp3 不是可讀取的音訊檔", "en": "notes.mp3 is not an audio"},
        ),
        (
            audio_event("huge", duration_ms=3000),
            {"zh-TW": "這段音訊超過 1 MB", "en": "That audio is over 1 MB"},
        ),
        (
            file_event("big", "song.mp3", AUDIO_CAP * 2),
            {"zh-TW": "song.mp3 有 2.0 MB，上限是 1 MB", "en": "song.mp3 is 2.0 MB; the limit is 1 MB"},
        ),
        (audio_event("long", duration_ms=2 * 3600 * 1000), {"zh-TW": "長 7200 秒", "en": "7200"}),
        (audio_event("empty", duration_ms=0), {"zh-TW": "沒有聲音（0 秒）", "en": "has no sound in it"}),
        (
            text_event("字幕 " + "字" * 4997),
            {"zh-TW": "有一段字幕長 4997 個字", "en": "4997 characters long"},
        ),
    ]
    for event, expected in cases:
        before = len(reply_texts(harness.fake))
        await harness.send(event)
        answers = reply_texts(harness.fake)[before:]
        assert len(answers) == 1 and expected[locale] in answers[0], (expected[locale], answers)
    fetched = [call.path for call in harness.fake.calls if call.path.endswith("/content")]
    assert not any("/big/" in p or "/long/" in p or "/empty/" in p for p in fetched), fetched
    assert stored_tracks(harness) == []

    await harness.send(postback_event(f"reelbot:finish:{clip_id}"))
    (payload,) = finish_payloads(harness)
    assert (payload["audio"], payload["audio_key"], payload["captions"]) == ("model", None, [])


async def test_a_groups_audio_messages_are_not_taken(harness: Harness, tmp_path: Path) -> None:
    song = tone(tmp_path, "v.m4a", "-c:a", "aac")
    harness.fake.contents["g1"] = Content(data=song, content_type="audio/x-m4a")
    before = len(harness.fake.delivered)
    await harness.send(audio_event("g1", duration_ms=1000, group="Cgroup"))
    assert len(harness.fake.delivered) == before and stored_tracks(harness) == []


async def test_a_waiting_track_is_stored_only_by_the_finish(harness: Harness, tmp_path: Path) -> None:
    """It waits staged on disk (not in the media store); a replica without the staged copy
    downloads it from LINE again; the Finish stores it and the staged copy goes."""
    clip_id = stored_clip(harness.service, tmp_path, ALICE)
    track = tone(tmp_path, "voice.m4a", "-c:a", "aac")
    harness.fake.contents["a2"] = Content(data=track, content_type="audio/x-m4a")
    await harness.send(audio_event("a2", duration_ms=1000))
    staged = harness.bot.staging.root / "tracks" / "a2.bin"
    assert staged.read_bytes() == track and stored_tracks(harness) == []

    staged.unlink()  # another replica took the audio message
    await harness.send(postback_event(f"reelbot:finish:{clip_id}"))
    (payload,) = finish_payloads(harness)
    assert payload["audio"] == "upload" and harness.service.media.read_bytes(payload["audio_key"]) == track
    fetched = [call.path for call in harness.fake.calls if call.path.endswith("/a2/content")]
    assert len(fetched) == 2, fetched  # on arrival, and again for the Finish

    await harness.send(audio_event("a2", duration_ms=1000))  # staged again, then used
    await harness.send(postback_event(f"reelbot:finish:{clip_id}"))
    assert finish_payloads(harness)[-1]["audio_key"] == payload["audio_key"]
    assert not staged.exists()
