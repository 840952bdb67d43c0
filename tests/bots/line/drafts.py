"""A typed LINE board with a stored draft, as the assemble task leaves it: for the tests of
what happens under a draft (輸出成 Shorts, its captions and soundtrack) without rendering.

The draft is a real 2-s video (its stitching is tested in tests/e2e); the shots are marked
done in storage as a worker would, and the last shot's ``done`` is delivered so the draft's
push (with its quick replies) is sent.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from reelbot.app.storyboards import board_status
from reelbot.app.storyboards.state import DraftRecord, update_board
from reelbot.domain.events import EventKind, JobEvent
from tests.bots.line.conftest import Harness
from tests.bots.line.test_storyboard_webhook import send_board
from tests.finishclips import ffmpeg, lavfi_clip
from tests.jobrecords import finish_job


async def board_with_draft(harness: Harness, text: str, tmp_path: Path) -> tuple[uuid.UUID, dict[str, Any]]:
    """Send the board, finish its two shots, keep a real 2-s draft with its shot timings, and
    deliver the last shot's event: returns the board and the draft push."""
    board_id = await send_board(harness, text)
    status = await board_status(harness.service, board_id)
    jobs = [shot.job_id for shot in status.shots]
    clips = [finish_job(harness.service.db, job_id) for job_id in jobs]  # type: ignore[arg-type]
    media = harness.service.media
    source = lavfi_clip(tmp_path / "draft.mp4", seconds=2.0)
    ffmpeg("-i", str(source), "-frames:v", "1", str(tmp_path / "sheet.jpg"))
    media.put_file(f"drafts/{board_id}/d1.mp4", source)
    media.put_file(f"drafts/{board_id}/d1.jpg", tmp_path / "sheet.jpg")
    record = DraftRecord(
        job_ids=jobs,  # type: ignore[arg-type]
        video_key=f"drafts/{board_id}/d1.mp4",
        contact_sheet_key=f"drafts/{board_id}/d1.jpg",
        size_bytes=media.path(f"drafts/{board_id}/d1.mp4").stat().st_size,
        width=144,
        height=256,
        fps=16,
        num_frames=32,
        clip_keys=[str(clip.video_key) for clip in clips],
        shot_frames=[16, 16],
        overlaps=[0],
    )

    def keep(state: Any) -> None:
        state.draft = record

    await update_board(harness.service, board_id, keep)
    done = JobEvent(kind=EventKind.DONE, job_id=jobs[1], origin=status.origin, clip_id=clips[1].id)  # type: ignore[arg-type]
    assert await harness.bot.deliverer.deliver(done)
    return board_id, harness.fake.delivered[-1]
