"""``/video`` and ``/storyboard`` with the creator's own track: finished after rendering.

Real discord.py against the fake Discord, real Redis and SQLite, the real worker (tiny
preset, real ffmpeg finish). A track attached to /video is probed and stored before the job
is queued and the finish is noted under the request's status message; when the bot has
posted the clip it queues one ``finish`` task (keyed by the job id: a second ``done`` is the
same task) and posts the finished Short, whose mp4 has an AAC stream. Bad input — a track
that is not audio, a 0-second one, a 5,000-character caption, music with a track, lyrics
without music, music on a server without a music engine — is one ephemeral en/zh-TW
message with no job in the database or the queue and nothing in the media store. A
cancelled job drops its note and finishes nothing; /storyboard with a track finishes its
draft once the draft is posted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reelbot.app.service import ReelbotService
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.messages import CATALOGUE, ZH_TW
from reelbot.domain.tasks import FINISH
from reelbot.domain.types import Platform
from reelbot.generator.finish.media import stream_facts
from tests.bots.discord.helpers import answer_of, clip_posts, followups, render_all, wait_jobs
from tests.bots.discord.test_finish import REMINDER
from tests.bots.discord.test_finish_command import empty_wav, sine_wav, track_key
from tests.bots.discord.test_finish_music import service_idle, tasks_of, until
from tests.fakes.discord_api import FakeDiscord

ZH_REMINDER = "經過變造或合成的內容"  # finish.done's YouTube reminder, in zh-TW
BOAT = {"prompt": "a red paper boat on a calm lake", "seed": 7}


async def video(
    fake: FakeDiscord, options: dict[str, Any], user: dict[str, Any], locale: str = "en-US", **files: Any
) -> tuple[Any, dict[str, Any]]:
    """Send /video; the interaction and its one (ephemeral) answer."""
    inter = await fake.send_interaction(
        fake.slash("video", options, attachments=files, user=user, locale=locale)
    )
    callback = await fake.answered(inter)
    assert callback.json["type"] == 5 and callback.json["data"]["flags"] & 64  # deferred, privately
    return inter, await answer_of(fake, inter)


def finished_posts(fake: FakeDiscord, reminder: str = REMINDER) -> list[Any]:
    """The bot's posts of a finished Short (they carry the YouTube reminder)."""
    posts = fake.find("POST", f"/channels/{fake.channel_id}/messages")
    return [c for c in posts if c.status == 200 and reminder in (c.json or {}).get("content", "")]


async def notes_left(service: ReelbotService) -> list[Any]:
    pattern = service.platform_key(Platform.DISCORD, "after-render", "*")
    return [key async for key in service.redis.scan_iter(match=pattern)]


def track_files(service: ReelbotService) -> list[Path]:
    root = service.settings.resolved_media_dir / "tracks"
    return sorted(root.rglob("*")) if root.exists() else []


async def test_video_with_a_track_is_finished_once_after_render(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
) -> None:
    alice = fake.user(name="alice")
    song = sine_wav(tmp_path / "song.wav", seconds=2.0)
    async with start_bot():
        attachment = fake.add_attachment("song.wav", song, "audio/wav")
        options = {**BOAT, "audio_mode": "replace", "caption": "紙船出航"}
        _, answer = await video(fake, options, alice, audio=attachment)
        assert "Once the clip is rendered I finish it for Shorts" in answer["content"], answer
        assert "your track replacing the clip's sound, your caption" in answer["content"]
        assert service.media.exists(track_key(song, ".wav"))  # checked and stored up front
        assert [p.name for p in track_files(service)] == [track_key(song, ".wav").split("/")[-1]]
        assert len(await notes_left(service)) == 1 and tasks_of(service, FINISH) == []
        (job,) = await wait_jobs(fake, service, alice["id"], 1)

        assert await render_all(service, tasks=1) == 1  # the clip, then the finish the bot queued
        assert len(clip_posts(fake)) >= 1
        (finish,) = tasks_of(service, FINISH)
        payload = finish.payload_json or {}
        assert finish.idempotency_key == f"discord:after-render:{job.id}"
        assert (payload["audio"], payload["audio_key"], payload["audio_mode"]) == (
            "upload",
            track_key(song, ".wav"),
            "replace",
        )
        assert [c["text"] for c in payload["captions"]] == ["紙船出航"]
        (post,) = await fake.wait_for(lambda: finished_posts(fake), what="finished short posted")
        short = tmp_path / "short.mp4"
        short.write_bytes(next(f for f in post.files if f.filename.endswith(".mp4")).data)
        facts = stream_facts(short)
        assert (facts.width, facts.height, facts.audio_codec) == (1080, 1920, "aac")
        assert await notes_left(service) == []

        # The job's done event once more (a redelivery): still one finish.
        done = await service.job(job.id)
        again = JobEvent(kind=EventKind.DONE, job_id=job.id, origin=done.request.origin, clip_id=done.clip_id)
        await service.events(Platform.DISCORD).publish(again)
        await until(lambda: service_idle(service), "events read")
    assert len(tasks_of(service, FINISH)) == 1
    assert sum(lane["waiting"] for lane in (await service.queue.depth()).values()) == 0


async def test_bad_soundtracks_are_refused_before_anything_is_queued(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
) -> None:
    alice = fake.user(name="alice")
    notes = b"just some notes, not music\n" * 40
    song = sine_wav(tmp_path / "song.wav")
    async with start_bot():
        cases: list[tuple[dict[str, Any], dict[str, Any], str, str]] = [
            ({}, {"audio": fake.add_attachment("notes.mp3", notes, "audio/mpeg")}, "en-US",
             "notes.mp3 is not an audio file"),
            ({}, {"audio": fake.add_attachment("notes.mp3", notes, "audio/mpeg")}, "zh-TW",
             "notes.mp3 不是可讀取的音訊檔"),
            ({}, {"audio": fake.add_attachment("empty.wav", empty_wav(), "audio/wav")}, "zh-TW",
             "沒有聲音（0 秒）"),
            ({"caption": "字" * 5000}, {"audio": fake.add_attachment("song.wav", song, "audio/wav")}, "zh-TW",
             "長 5000 個字"),
            ({"music": "lo-fi piano"}, {"audio": fake.add_attachment("song.wav", song, "audio/wav")}, "en-US",
             "Choose one soundtrack"),
            ({"lyrics": "paper boat"}, {}, "zh-TW", "歌詞要搭配"),
            ({"music": "lo-fi piano"}, {}, "en-US", "has not enabled music generation"),
            ({"music": "雨夜的爵士鋼琴"}, {}, "zh-TW", "還沒有開啟音樂生成"),
            ({"audio_mode": "louder"}, {}, "en-US", "louder"),
        ]  # fmt: skip
        for options, files, locale, expected in cases:
            inter, answer = await video(fake, {**BOAT, **options}, alice, locale, **files)
            assert answer["flags"] & 64 and expected in answer["content"], (options, answer["content"])
            assert len(followups(fake, inter.token)) == 1, options  # one message, not two
        assert fake.channel_messages() == []  # no status message, not even for a moment
    assert await service.jobs_for(Platform.DISCORD, alice["id"]) == []
    assert sum(lane["waiting"] for lane in (await service.queue.depth()).values()) == 0
    assert track_files(service) == [] and await notes_left(service) == []


async def test_a_refused_prompt_leaves_no_track_behind(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
) -> None:
    """The track passes and is stored, then the service's moderation refuses the prompt: the
    track this request stored is removed again, and no note is left."""
    alice = fake.user(name="alice")
    song = sine_wav(tmp_path / "song.wav")
    async with start_bot():
        for locale, expected in (("en-US", "sexual or nude content"), ("zh-TW", "色情或裸露內容")):
            files = {"audio": fake.add_attachment("song.wav", song, "audio/wav")}
            _, answer = await video(fake, {"prompt": "nude dancers"}, alice, locale, **files)
            assert answer["flags"] & 64 and expected in answer["content"], answer
        assert fake.channel_messages() == []  # the status message went again
    assert await service.jobs_for(Platform.DISCORD, alice["id"]) == []
    assert track_files(service) == [] and await notes_left(service) == []


async def test_a_cancelled_job_finishes_nothing(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
) -> None:
    alice = fake.user(name="alice")
    song = sine_wav(tmp_path / "song.wav")
    async with start_bot():
        _, answer = await video(fake, BOAT, alice, audio=fake.add_attachment("song.wav", song, "audio/wav"))
        assert "Once the clip is rendered" in answer["content"], answer
        (job,) = await wait_jobs(fake, service, alice["id"], 1)
        assert len(await notes_left(service)) == 1
        await service.cancel(job.id, by=job.request.origin)
        await until(lambda: _no_notes(service), "note dropped")
        assert await render_all(service) == 0  # nothing left to render
    assert tasks_of(service, FINISH) == []


async def _no_notes(service: ReelbotService) -> bool:
    return await notes_left(service) == []


async def test_storyboard_with_a_track_finishes_its_draft(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
) -> None:
    alice = fake.user(name="alice")
    song = sine_wav(tmp_path / "song.wav", seconds=3.0)
    board = "title: One\nseed: 2\nshots:\n  - prompt: a paper boat\n    seconds: 1\n"
    async with start_bot():
        files = {
            "file": fake.add_attachment("board.yaml", board.encode(), "text/plain"),
            "audio": fake.add_attachment("song.wav", song, "audio/wav"),
        }
        inter = await fake.send_interaction(
            fake.slash("storyboard", {}, attachments=files, user=alice, locale="zh-TW")
        )
        answer = await answer_of(fake, inter)
        assert "草稿完成後，我會把它輸出成 Shorts" in answer["content"], answer
        assert "你的音訊取代影片原聲" in answer["content"]  # no audio_mode: the server's (replace)
        assert await render_all(service, tasks=2) == 1  # the shot; the draft's assembly, its finish
        (finish,) = tasks_of(service, FINISH)
        payload = finish.payload_json or {}
        assert payload["audio_mode"] == service.settings.finish.audio_mode == "replace"
        assert payload["board_id"] and payload["audio_key"] == track_key(song, ".wav")
        assert finish.idempotency_key == f"discord:after-render:{payload['board_id']}"
        (post,) = await fake.wait_for(lambda: finished_posts(fake, ZH_REMINDER), what="finished draft posted")
        short = tmp_path / "draft-short.mp4"
        short.write_bytes(next(f for f in post.files if f.filename.endswith(".mp4")).data)
        assert stream_facts(short).audio_codec == "aac"
        assert await notes_left(service) == []


async def test_the_new_options_are_localised(fake: FakeDiscord, start_bot: Any) -> None:
    async with start_bot():
        commands = {c["name"]: c for c in fake.commands}
    for command, names in (
        ("video", ("audio", "audio_mode", "caption", "music", "lyrics")),
        ("storyboard", ("audio", "audio_mode", "caption", "music", "lyrics")),
    ):
        described = {o["name"]: o for o in commands[command]["options"]}
        for name in names:
            option = described[name]
            assert len(option["description"]) <= 100 and not option.get("required"), (command, name)
            assert option["description_localizations"]["zh-TW"], (command, name)
        assert [c["value"] for c in described["audio_mode"]["choices"]] == ["mix", "replace"]
    zh = CATALOGUE[ZH_TW]
    assert commands["video"]["options"][-5]["description_localizations"]["zh-TW"] == zh["cmd.video.audio"]
