"""``/storyboard file:`` with a file that asks for a Short: captions, music, its own track.

Real discord.py against the fake Discord API, real Redis, SQLite, the tiny worker and ffmpeg.
A board whose shots carry captions is finished once its draft is posted, with no option typed:
the finished Short's .srt has one cue per shot, within one frame of where each shot lies in
the draft (computed here from the shot clips). A board with ``music:`` composes it with the
tiny ACE-Step engine first, then finishes with it. A board naming its own track with nothing
attached, or shot captions plus the ``caption`` option, is one ephemeral en/zh-TW message and
nothing queued, stored or noted.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from reelbot.app.finish import finished
from reelbot.app.service import ReelbotService
from reelbot.app.storyboards.state import load_board
from reelbot.domain.settings import Settings
from reelbot.domain.tasks import FINISH, MUSIC, music_key
from reelbot.domain.types import Platform
from reelbot.generator.encode import probe
from reelbot.generator.finish.captions import parse_srt
from tests.bots.discord.helpers import answer_of, followups, render_all
from tests.bots.discord.test_after_render import ZH_REMINDER, finished_posts, notes_left, track_files
from tests.bots.discord.test_finish_music import tasks_of
from tests.fakes.discord_api import FakeDiscord

CAPTIONED = """title: 海邊
seed: 4
transition: crossfade
crossfade_seconds: 0.25
finish: {fps: 24, size: 720x1280}
shots:
  - prompt: a woman ties her running shoes
    seconds: 1
    caption: 她綁好鞋帶
  - prompt: she runs along the beach
    seconds: 1
    caption: Off to the sea
"""
MUSIC_BOARD = """title: Tune
seed: 2
music: warm lo-fi piano
shots:
  - prompt: a paper boat
    seconds: 1
"""
OWN_TRACK = """title: Own
audio: songs/our-song.mp3
shots:
  - prompt: a paper boat
    seconds: 1
    caption: 紙船
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    finish = settings.finish.model_copy(update={"music_engine": "tiny-ace-step"})
    return settings.model_copy(update={"finish": finish})


async def storyboard(
    fake: FakeDiscord, board: str, user: dict[str, Any], locale: str = "en-US", **options: Any
) -> tuple[Any, dict[str, Any]]:
    files = {"file": fake.add_attachment("board.yaml", board.encode(), "text/plain")}
    inter = await fake.send_interaction(
        fake.slash("storyboard", options, attachments=files, user=user, locale=locale)
    )
    return inter, await answer_of(fake, inter)


async def shot_lengths(service: ReelbotService, board_id: str) -> tuple[list[int], int]:
    """Each shot clip's frames (read from the clips) and the draft's frame rate."""
    board = await load_board(service, uuid.UUID(board_id))
    lengths = []
    for shot in board.shots:
        view = await service.job(shot.job_id)  # type: ignore[arg-type]
        clip = await service.clip(view.clip_id)  # type: ignore[arg-type]
        lengths.append(probe(service.media.path(clip.video_key or "")).num_frames)
    assert board.draft is not None
    return lengths, board.draft.fps


async def test_a_captioned_board_is_finished_with_its_shot_captions(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    alice = fake.user(name="alice")
    async with start_bot():
        _, answer = await storyboard(fake, CAPTIONED, alice, "zh-TW")
        assert "草稿完成後，我會把它輸出成 Shorts" in answer["content"], answer
        assert "720×1280、每秒 24 格" in answer["content"] and "每個鏡頭的字幕" in answer["content"]
        assert await render_all(service, tasks=2) == 2  # two shots; the draft's assembly, its finish
        (finish,) = tasks_of(service, FINISH)
        assert finish.payload_json["fps"] == 24
        assert finish.idempotency_key == f"discord:after-render:{finish.payload_json['board_id']}"
        await fake.wait_for(lambda: finished_posts(fake, ZH_REMINDER), what="finished draft posted")
        done = await finished(service, finish.id)
        assert done.srt_key is not None and done.fps == 24 and (done.width, done.height) == (720, 1280)
        cues = parse_srt(service.media.path(done.srt_key), service.settings.finish)
        (first, second), draft_fps = await shot_lengths(service, finish.payload_json["board_id"])
        fade = round(0.25 * draft_fps)
        cut, end = (first - fade) / draft_fps, (first + second - fade) / draft_fps
        frame = 1 / draft_fps
        assert [c.text for c in cues] == ["她綁好鞋帶", "Off to the sea"]
        assert abs(cues[0].start) <= frame and abs(cues[0].end - cut) <= frame, (cues, cut)
        assert abs(cues[1].start - cut) <= frame and abs(cues[1].end - end) <= frame, (cues, end)
        assert await notes_left(service) == []


async def test_a_board_with_music_composes_it_then_finishes(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    alice = fake.user(name="alice")
    async with start_bot():
        _, answer = await storyboard(fake, MUSIC_BOARD, alice)
        assert "music composed from your description" in answer["content"], answer
        assert await render_all(service, tasks=3) == 1  # the shot; assembly, music, finish
        (music,) = tasks_of(service, MUSIC)
        assert music.payload_json["description"] == "warm lo-fi piano"
        (finish,) = tasks_of(service, FINISH)
        assert (finish.payload_json["audio"], finish.payload_json["audio_key"]) == (
            "music",
            music_key(music.id),
        )
        await fake.wait_for(lambda: finished_posts(fake), what="finished draft posted")
        assert (await finished(service, finish.id)).has_audio
        assert await notes_left(service) == []


@pytest.mark.parametrize(
    ("board", "options", "en", "zh"),
    [
        (OWN_TRACK, {}, "attach that audio file", "請用 audio 選項附上那個音訊檔"),
        (CAPTIONED, {"caption": "whole"}, "Leave out the caption option", "請拿掉 caption 選項"),
    ],
)
async def test_what_a_board_asks_for_that_cannot_work_is_refused_up_front(
    fake: FakeDiscord,
    service: ReelbotService,
    start_bot: Any,
    board: str,
    options: dict[str, Any],
    en: str,
    zh: str,
) -> None:
    alice = fake.user(name="alice")
    async with start_bot():
        for locale, expected in (("en-US", en), ("zh-TW", zh)):
            inter, answer = await storyboard(fake, board, alice, locale, **options)
            assert answer["flags"] & 64 and expected in answer["content"], answer
            assert len(followups(fake, inter.token)) == 1
        assert fake.channel_messages() == []  # no status message either
    assert await service.jobs_for(Platform.DISCORD, alice["id"]) == []
    assert tasks_of(service, FINISH) == [] and await notes_left(service) == [] and track_files(service) == []
    assert sum(lane["waiting"] for lane in (await service.queue.depth()).values()) == 0


BEAT_BOARD = """title: Beat
seed: 3
audio: clicks.wav
beat_snap: true
shots:
  - prompt: a paper boat on a lake
    seconds: 2
    caption: one
  - prompt: the boat drifts under a bridge
    seconds: 1
    caption: two
"""


async def test_a_board_naming_its_track_takes_the_attachment_and_snaps_to_its_beats(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any, tmp_path: Path
) -> None:
    from tests.e2e.test_storyboard_chat_finish import PERIOD, PHASE, clicks

    alice = fake.user(name="alice")
    song = clicks(tmp_path / "clicks.wav")
    async with start_bot():
        files = {
            "file": fake.add_attachment("board.yaml", BEAT_BOARD.encode(), "text/plain"),
            "audio": fake.add_attachment("clicks.wav", song, "audio/wav"),
        }
        inter = await fake.send_interaction(fake.slash("storyboard", {}, attachments=files, user=alice))
        answer = await answer_of(fake, inter)
        assert "cuts snapped to the beat" in answer["content"], answer
        assert await render_all(service, tasks=2) == 2
        (finish,) = tasks_of(service, FINISH)
        assert finish.payload_json["audio"] == "upload" and finish.payload_json["recut"] is not None
        await fake.wait_for(lambda: finished_posts(fake), what="finished draft posted")
        done = await finished(service, finish.id)
        assert done.srt_key is not None
        cues = parse_srt(service.media.path(done.srt_key), service.settings.finish)
        (first, _), fps = await shot_lengths(service, finish.payload_json["board_id"])
        cut = cues[1].start
        assert cut < first / fps - 1 / fps  # trimmed back onto a beat
        phase = (cut - PHASE) % PERIOD
        assert min(phase, PERIOD - phase) <= 1 / fps + 0.06, (cut, phase)


class TestOverQuota:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        """1 GPU-second a day: the shots may fit, shots + the draft's finish do not."""
        from tests.bots.discord.test_after_render_quota import with_quota

        return with_quota(settings, 1.0)

    async def test_a_captioned_board_over_quota_is_refused_before_anything_is_queued(
        self, fake: FakeDiscord, service: ReelbotService, start_bot: Any
    ) -> None:
        alice = fake.user(name="alice")
        async with start_bot():
            for locale, expected in (
                ("en-US", "This storyboard and the Short you asked for"),
                ("zh-TW", "這個分鏡腳本加上你要的 Shorts"),
            ):
                inter, answer = await storyboard(fake, CAPTIONED, alice, locale)
                assert answer["flags"] & 64 and expected in answer["content"], answer
                assert len(followups(fake, inter.token)) == 1
            assert fake.channel_messages() == []
        assert tasks_of(service, FINISH) == [] and await notes_left(service) == []
        assert sum(lane["waiting"] for lane in (await service.queue.depth()).values()) == 0
