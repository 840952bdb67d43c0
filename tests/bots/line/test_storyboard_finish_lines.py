"""A typed LINE storyboard's finish lines through the real webhook, Redis, SQLite, the fake
Messaging API and the real worker: ``尺寸: 720x1280`` → the finished Short is 720×1280 (probed
with ``ffmpeg -i``: this machine has no ffprobe binary); ``音訊模式: 取代`` → the finish task
replaces the clip's own sound with the waiting track; ``色調一致: 關`` → the draft's assembly
keeps shot 2's own colours, where by default it grades them to shot 1's.

The size and audio-mode drafts are a real 2-s video stored as the assemble task would
(tests/bots/line/drafts.py); the colour test assembles its draft with the real task from shot
clips whose colours differ on purpose.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reelbot.app.finish import finished
from reelbot.app.storyboards import assemble_draft, board_status
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.messages import render
from reelbot.domain.tasks import ASSEMBLE_DRAFT, FINISH
from reelbot.generator.encode import decode_frames
from reelbot.generator.finish.media import stream_facts
from tests.bots.line.conftest import Harness, audio_event, deliver_all, push_texts, reply_texts
from tests.bots.line.drafts import board_with_draft
from tests.bots.line.test_finish_extras import tone
from tests.bots.line.test_music import burst, tasks_of
from tests.bots.line.test_storyboard_soundtrack import finish_tap
from tests.bots.line.test_storyboard_webhook import send_board
from tests.fakes.line_api import Content
from tests.finishclips import ffmpeg
from tests.jobrecords import finish_job

SHOTS = "1. 一艘紙船 1秒\n2. 紙船漂走 1秒"


async def test_a_size_line_finishes_the_draft_at_that_size(harness: Harness, tmp_path: Path) -> None:
    board_id, _ = await board_with_draft(harness, f"分鏡 紙船\n尺寸: 720x1280\nfps: 24\n{SHOTS}", tmp_path)
    await harness.send(finish_tap(board_id))
    (task,) = tasks_of(harness, FINISH)
    assert (task.payload_json["width"], task.payload_json["height"]) == (720, 1280)
    assert await burst(harness, "line-board-size") == 1  # the real finish task
    done = await finished(harness.service, task.id)
    facts = stream_facts(harness.service.media.path(done.video_key))
    assert (facts.width, facts.height, round(facts.fps)) == (720, 1280, 24), facts
    assert (done.width, done.height) == (720, 1280)
    await deliver_all(harness)
    assert "720×1280" in "\n".join(push_texts(harness.fake)), push_texts(harness.fake)


@pytest.mark.parametrize(
    ("line", "mode", "hint"),
    [
        ("音訊模式: 取代", "replace", "line.storyboard_replace_hint"),
        ("audio mode: mix", "mix", "line.storyboard_mix_hint"),
        ("", "mix", None),  # no line: a waiting track is mixed in, as under any clip
    ],
)
async def test_an_audio_mode_line_is_the_finishs_mode_for_the_waiting_track(
    harness: Harness, tmp_path: Path, line: str, mode: str, hint: str | None
) -> None:
    board_id, push = await board_with_draft(harness, f"分鏡 紙船\n{line}\n{SHOTS}", tmp_path)
    hints = [key for key in ("line.storyboard_replace_hint", "line.storyboard_mix_hint")
             if render(key, "zh-TW") in push["messages"][0]["text"]]  # fmt: skip
    assert hints == ([hint] if hint else [])
    harness.fake.contents["a1"] = Content(
        data=tone(tmp_path, "t.m4a", "-c:a", "aac"), content_type="audio/x-m4a"
    )
    await harness.send(audio_event("a1", duration_ms=1000))
    await harness.send(finish_tap(board_id))
    assert render("line.finish_with_track", "zh-TW") in reply_texts(harness.fake)[-1]
    (task,) = tasks_of(harness, FINISH)
    payload = task.payload_json
    assert (payload["audio"], payload["audio_mode"]) == ("upload", mode)
    assert harness.service.media.exists(payload["audio_key"])


def _shot_clip(path: Path, tint: str) -> Path:
    """A 1-s 8-fps shot; ``tint``: an ffmpeg filter shifting its colours on purpose."""
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=s=144x256:r=8:d=1", "-vf", tint,
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path),
    )  # fmt: skip
    return path


@pytest.mark.parametrize(
    ("line", "asked"), [("色調一致: 關", False), ("colour match: off", False), ("", None)]
)
async def test_a_colour_match_line_reaches_the_drafts_assembly(
    harness: Harness, tmp_path: Path, line: str, asked: bool | None
) -> None:
    assert harness.service.settings.finish.colour_match is True  # the server default: on
    board_id = await send_board(harness, f"分鏡 兩色\n{line}\n{SHOTS}")
    status = await board_status(harness.service, board_id)
    jobs = [shot.job_id for shot in status.shots]
    clips = [finish_job(harness.service.db, job_id) for job_id in jobs]  # type: ignore[arg-type]
    sources = [
        _shot_clip(tmp_path / "shot1.mp4", "null"),
        _shot_clip(tmp_path / "shot2.mp4", "colorchannelmixer=rr=1:gg=0.35:bb=0.35"),  # burned red
    ]
    for clip, source in zip(clips, sources, strict=True):
        harness.service.media.put_file(str(clip.video_key), source)
    done = JobEvent(kind=EventKind.DONE, job_id=jobs[1], origin=status.origin, clip_id=clips[1].id)  # type: ignore[arg-type]
    assert await harness.bot.deliverer.deliver(done)  # the last shot: the draft's task is queued

    (task,) = tasks_of(harness, ASSEMBLE_DRAFT)
    assert task.payload_json["colour_match"] is asked
    assert await burst(harness, "line-board-colour") == 1  # the real assemble_draft task
    draft = await assemble_draft(harness.service, board_id)
    assert draft is not None
    frames = decode_frames(harness.service.media.path(draft.video_key)).astype(float)
    first, second = (decode_frames(source).astype(float).mean(axis=(0, 1, 2)) for source in sources)
    joined = frames[len(frames) // 2 + 1 :].mean(axis=(0, 1, 2))  # shot 2 (a cut: 8 + 8 frames)
    apart = float(np.abs(first - second).sum())
    assert apart > 100, (first, second)  # the shots really differ
    if asked is False:
        assert float(np.abs(joined - second).sum()) < 0.1 * apart, (joined, second)  # left as it was
    else:
        assert float(np.abs(joined - first).sum()) < 0.25 * apart, (joined, first)  # graded to shot 1


async def test_a_beat_snapped_finish_rejoins_the_shots_with_the_boards_colour_choice(
    harness: Harness, tmp_path: Path
) -> None:
    board_id, _ = await board_with_draft(harness, f"分鏡 紙船\n節拍\n色調一致: 關\n{SHOTS}", tmp_path)
    harness.fake.contents["a1"] = Content(
        data=tone(tmp_path, "t.m4a", "-c:a", "aac"), content_type="audio/x-m4a"
    )
    await harness.send(audio_event("a1", duration_ms=1000))
    await harness.send(finish_tap(board_id))
    (task,) = tasks_of(harness, FINISH)
    recut = task.payload_json["recut"]
    assert recut is not None and recut["colour_match"] is False  # re-joined as the draft was
