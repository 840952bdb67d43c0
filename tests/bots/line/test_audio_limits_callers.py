"""The worker, the app and LINE give the same message for the same track, in en and zh-TW.

Real files made with ffmpeg — a text file, a 0-second WAV, a two-hour silent WAV (1 kHz
8-bit, 7 MB: made in a moment, refused from its header) and a good one-second tone — go
through all three callers: the worker's ``check_track`` on the file, the app's
``check_track`` on its bytes (the ffmpeg probe wired as ``reelbot`` wires it) and LINE's
intake through the real webhook and the fake Messaging API. Once with the default size
limit and once with a 1 KiB one, so "too big" meets each of the others. Nothing is stored.
"""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest

from reelbot.app import finish_tracks as app_finish
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.messages import render
from reelbot.domain.settings import Settings
from reelbot.generator.finish import audio as worker_audio
from tests.bots.line.conftest import Harness, file_event, reply_texts
from tests.bots.line.test_finish_extras import stored_tracks
from tests.fakes.line_api import Content

USERS = {"zh-TW": "Ualice", "en": "Ubob"}  # Ualice has no profile language: zh-TW
NAMES = ("notes.wav", "empty.wav", "long.wav", "tone.wav")


def _ffmpeg(*args: str) -> None:
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    subprocess.run([exe, "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def tracks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("tracks")
    (folder / "notes.wav").write_bytes(b"these are my notes, not a song\n" * 60)
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 8000, 1, 8)  # PCM, mono, 8 kHz, 8-bit, no samples
    header = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", 0)
    (folder / "empty.wav").write_bytes(b"RIFF" + struct.pack("<I", len(header)) + header)
    _ffmpeg("-f", "lavfi", "-i", "anullsrc=r=1000:cl=mono", "-t", "7200", "-c:a", "pcm_u8",
            str(folder / "long.wav"))  # fmt: skip
    _ffmpeg("-f", "lavfi", "-i", "sine=f=440:d=1:sample_rate=8000", str(folder / "tone.wav"))
    return {name: folder / name for name in NAMES}


@pytest.fixture(params=[None, 1024], ids=["default size limit", "1 KiB size limit"])
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    if request.param is None:
        return settings
    return settings.model_copy(
        update={"finish": settings.finish.model_copy(update={"max_audio_bytes": request.param})}
    )


Said = tuple[str | None, str | None]  # (message key, its text in the locale), or (None, None)


def worker_says(path: Path, settings: Settings, locale: str) -> Said:
    try:
        worker_audio.check_track(path, settings.finish)
    except InvalidRequest as exc:
        return exc.key, exc.render(locale)
    return None, None


def app_says(harness: Harness, path: Path, locale: str) -> Said:
    try:
        app_finish.check_track(harness.service, path.read_bytes(), path.name)
    except InvalidRequest as exc:
        return exc.key, exc.render(locale)
    return None, None


async def line_says(harness: Harness, path: Path, locale: str) -> str:
    data = path.read_bytes()
    message_id = f"{locale}-{path.stem}".replace("zh-TW", "zh")
    harness.fake.contents[message_id] = Content(data=data, content_type="audio/wav")
    before = len(reply_texts(harness.fake))
    await harness.send(file_event(message_id, path.name, len(data), user=USERS[locale]))
    (answer,) = reply_texts(harness.fake)[before:]
    return answer


async def test_the_three_callers_agree(harness: Harness, settings: Settings, tracks: dict[str, Path]) -> None:
    harness.fake.profiles["Ubob"] = {"displayName": "Bob", "language": "en"}
    small = settings.finish.max_audio_bytes == 1024
    expected = {  # the message each track gets, as the order of precedence says
        "notes.wav": "finish.audio_too_big" if small else "finish.audio_not_audio",
        "empty.wav": "finish.audio_empty",  # 44 bytes: under even the 1 KiB limit
        "long.wav": "finish.audio_too_big" if small else "finish.audio_too_long",
        "tone.wav": "finish.audio_too_big" if small else None,
    }
    minutes = harness.bot.handler.config.finish_extras_ttl_s // 60
    for name, path in tracks.items():
        for locale in USERS:
            worker = worker_says(path, settings, locale)
            app = app_says(harness, path, locale)
            line = await line_says(harness, path, locale)
            assert worker == app and worker[0] == expected[name], (name, locale, worker, app)
            if worker[1] is None:
                assert line == render("line.track_received", locale, minutes=minutes), (name, line)
            else:
                assert line == worker[1], (name, locale, line, worker)
    assert stored_tracks(harness) == []  # the good one waits staged, not in the media store
