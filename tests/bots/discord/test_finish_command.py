"""``/finish`` through the real discord.py and the fake Discord: bad input and a good request.

Bad input — an attachment that is not audio, a 0-second track, a track whose header says
two hours, a 5,000-character caption, an unclear target — gets one ephemeral answer in the
person's locale, and leaves nothing in the media store, the queue or the channel: the real
ffmpeg probe (wired as ``reelbot`` wires it) refuses the track before it is stored. A good
request, the clip named by its message link, queues one ``finish`` task carrying the
uploaded track. No rendering here (tests/bots/discord/test_finish.py runs the worker).
"""

from __future__ import annotations

import hashlib
import struct
import subprocess
from pathlib import Path
from typing import Any

import imageio_ffmpeg

from reelbot.app.service import ReelbotService
from reelbot.storage import tasks as task_repo
from reelbot.storage.db import session_scope
from tests.bots.discord.helpers import answer_of, followups
from tests.bots.discord.test_finish import posted_clip
from tests.fakes.discord_api import FakeDiscord


def _ffmpeg(*args: str) -> None:
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    subprocess.run([exe, "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def sine_wav(path: Path, seconds: float = 1.0) -> bytes:
    _ffmpeg("-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", str(path))
    return path.read_bytes()


def empty_wav() -> bytes:
    """A well-formed WAV header over no samples: an audio stream of 0 seconds."""
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 8000, 1, 8)  # PCM, mono, 8 kHz, 8-bit
    header = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", 0)
    return b"RIFF" + struct.pack("<I", len(header)) + header


def mp3_claiming_two_hours(path: Path) -> bytes:
    """One real second of mp3 whose Xing/Info header says 7,200 s (ffmpeg believes the header,
    as the probe must: refusing two hours may not mean decoding them)."""
    _ffmpeg(
        "-f", "lavfi", "-i", "sine=frequency=440:duration=1:sample_rate=8000",
        "-c:a", "libmp3lame", "-b:a", "8k", str(path),
    )  # fmt: skip
    data = bytearray(path.read_bytes())
    tag = data.find(b"Info") if b"Info" in data else data.find(b"Xing")
    assert tag > 0 and struct.unpack(">I", data[tag + 4 : tag + 8])[0] & 1  # the frame count is there
    data[tag + 8 : tag + 12] = struct.pack(">I", 7200 * 8000 // 576)  # MPEG-2.5 layer III: 576/frame
    return bytes(data)


def track_key(data: bytes, suffix: str) -> str:
    return f"tracks/{hashlib.sha256(data).hexdigest()}{suffix}"


async def ask(fake: FakeDiscord, options: dict[str, Any], **kwargs: Any) -> tuple[Any, dict[str, Any]]:
    inter = await fake.send_interaction(fake.slash("finish", options, **kwargs))
    callback = await fake.answered(inter)
    assert callback.json["type"] == 5 and callback.json["data"]["flags"] & 64  # deferred, privately
    return inter, await answer_of(fake, inter)


async def test_bad_finish_requests_are_refused_and_store_nothing(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
) -> None:
    alice = fake.user(name="alice")
    notes = b"just some notes, not music\n" * 40
    empty = empty_wav()
    long = mp3_claiming_two_hours(tmp_path / "long.mp3")
    async with start_bot():
        message, clip_id = await posted_clip(fake, service, tmp_path, alice)
        posts = len(fake.find("POST", f"/channels/{fake.channel_id}/messages"))
        clip = {"clip": str(clip_id)}
        cases: list[tuple[str, dict[str, Any], dict[str, Any], str, str]] = [
            ("text named .mp3", clip, {"audio": fake.add_attachment("notes.mp3", notes, "audio/mpeg")},
             "en-US", "notes.mp3 is not an audio file"),
            ("text named .mp3, zh-TW", clip, {"audio": fake.add_attachment("notes.mp3", notes, "audio/mpeg")},
             "zh-TW", "notes.mp3 不是可讀取的音訊檔"),
            ("0-second wav", clip, {"audio": fake.add_attachment("empty.wav", empty, "audio/wav")},
             "en-US", "has no sound in it (0 seconds)"),
            ("0-second wav, zh-TW", clip, {"audio": fake.add_attachment("empty.wav", empty, "audio/wav")},
             "zh-TW", "沒有聲音（0 秒）"),
            ("2-hour header", clip, {"audio": fake.add_attachment("long.mp3", long, "audio/mpeg")},
             "en-US", "is 7200 s long; the limit is 900 s"),
            ("2-hour header, zh-TW", clip, {"audio": fake.add_attachment("long.mp3", long, "audio/mpeg")},
             "zh-TW", "長 7200 秒，上限是 900 秒"),
            ("5,000-char caption", {**clip, "caption": "字" * 5000}, {}, "zh-TW", "長 5000 個字"),
            ("5,000-char caption + track", {**clip, "caption": "x" * 5000},
             {"audio": fake.add_attachment("good.wav", sine_wav(tmp_path / "g.wav"), "audio/wav")},
             "en-US", "A caption is 5000 characters long"),
            ("clip and board", {**clip, "board": str(clip_id)}, {}, "en-US", "`clip` or a `board`, not both"),
            ("neither", {}, {}, "zh-TW", "只能選一個"),
            ("link into another server", {"clip": f"https://discord.com/channels/1/{fake.channel_id}/{message['id']}"},
             {}, "en-US", "not a clip id or a link to a message in this server"),
            ("link to no message", {"clip": f"https://discord.com/channels/{fake.guild_id}/{fake.channel_id}/12345"},
             {}, "en-US", "I found no reelbot clip or draft"),
        ]  # fmt: skip
        for name, options, attachments, locale, expected in cases:
            inter, answer = await ask(fake, options, attachments=attachments, user=alice, locale=locale)
            assert answer["flags"] & 64, (name, answer)
            assert expected in answer["content"], (name, answer["content"])
            assert len(followups(fake, inter.token)) == 1, name  # one message, not two
        for data, suffix in ((notes, ".mp3"), (empty, ".wav"), (long, ".mp3")):
            assert not service.media.exists(track_key(data, suffix))
        # No status message was posted (not even for a moment): only the clip is in the channel.
        assert len(fake.find("POST", f"/channels/{fake.channel_id}/messages")) == posts
        assert [m["id"] for m in fake.channel_messages()] == [message["id"]]
    assert sum(lane["waiting"] for lane in (await service.queue.depth()).values()) == 0
    with session_scope(service.db) as session:
        assert task_repo.queued_tasks_older_than(session=session, seconds=-60) == []


async def test_finish_command_queues_the_uploaded_track(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
) -> None:
    alice = fake.user(name="alice")
    song = sine_wav(tmp_path / "song.wav", seconds=2.0)
    async with start_bot():
        message, clip_id = await posted_clip(fake, service, tmp_path, alice)
        link = f"https://discord.com/channels/{fake.guild_id}/{fake.channel_id}/{message['id']}"
        options = {"clip": link, "audio_mode": "replace", "caption": " 紙船  出航 ", "burn": True, "fps": 24}
        attachments = {"audio": fake.add_attachment("song.wav", song, "audio/wav")}
        inter, answer = await ask(fake, options, attachments=attachments, user=alice, locale="zh-TW")
        assert answer["flags"] & 64 and "排" in answer["content"], answer
        (status,) = [m for m in fake.channel_messages() if m["id"] != message["id"]]
        assert "每秒 24 格" in status["content"]
    with session_scope(service.db) as session:
        task = task_repo.get_task_by_key(session=session, idempotency_key=f"discord:interaction:{inter.id}")
        assert task is not None and task.kind == "finish" and task.clip_id == clip_id
        payload = dict(task.payload_json or {})
    key = track_key(song, ".wav")
    assert payload["audio"] == "upload" and payload["audio_key"] == key and service.media.exists(key)
    assert payload["audio_mode"] == "replace" and payload["fps"] == 24 and payload["burn"] is True
    assert [c["text"] for c in payload["captions"]] == ["紙船 出航"]
    assert sum(lane["waiting"] for lane in (await service.queue.depth()).values()) == 1
    assert task_repo.task_origin(task).message_id == status["id"]  # the worker's progress edits it


async def test_finish_command_is_listed_with_zh_tw_descriptions(fake: FakeDiscord, start_bot: Any) -> None:
    from reelbot.domain.messages import CATALOGUE, ZH_TW

    async with start_bot():
        command = next(c for c in fake.commands if c["name"] == "finish")
    assert command["description_localizations"]["zh-TW"] == CATALOGUE[ZH_TW]["cmd.finish"]
    described = {o["name"]: o for o in command["options"]}
    assert set(described) == {
        "clip",
        "board",
        "audio",
        "audio_mode",
        "caption",
        "burn",
        "fps",
        "music",
        "lyrics",
    }
    assert described["audio"]["description_localizations"]["zh-TW"] == CATALOGUE[ZH_TW]["cmd.finish.audio"]
    fps_names = [c["name_localizations"]["zh-TW"] for c in described["fps"]["choices"]]
    assert fps_names == [CATALOGUE[ZH_TW]["choice.finish.fps24"], CATALOGUE[ZH_TW]["choice.finish.fps30"]]
