"""A clip as a worker leaves it, without rendering: a real H.264 file from ffmpeg's lavfi
sources at the clip's key, and its job and clip rows (for the Finish for Shorts tests)."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import imageio_ffmpeg

from reelbot.app.service import ReelbotService
from reelbot.domain.types import GenerationRequest, Origin
from reelbot.storage import jobs as job_repo
from reelbot.storage.db import session_scope


def ffmpeg(*args: str) -> None:
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    subprocess.run([exe, "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def lavfi_clip(path: Path, seconds: float = 1.0, fps: int = 16) -> Path:
    ffmpeg(
        "-f", "lavfi", "-i", f"testsrc2=s=144x256:r={fps}:d={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path),
    )  # fmt: skip
    return path


def stored_clip(service: ReelbotService, tmp_path: Path, origin: Origin, seconds: float = 1.0) -> uuid.UUID:
    """A job and its clip as a worker leaves them, with a real video (and its JPEG thumbnail)
    at the clip's keys."""
    request = GenerationRequest(prompt="a paper boat", origin=origin, preset="tiny", seed=1)
    source = lavfi_clip(tmp_path / f"src-{uuid.uuid4().hex[:6]}.mp4", seconds)
    thumb = source.with_suffix(".jpg")
    ffmpeg("-i", str(source), "-frames:v", "1", str(thumb))
    clip_id = uuid.uuid4()
    video_key, thumb_key = f"clips/{clip_id}.mp4", f"thumbs/{clip_id}.jpg"
    with session_scope(service.db) as session:
        job = job_repo.create_job(session=session, request=request, idempotency_key=uuid.uuid4().hex)
        assert job_repo.mark_running(session=session, job_id=job.id, worker="w0")
        clip = job_repo.mark_done(
            session=session,
            job_id=job.id,
            clip_id=clip_id,
            video_key=video_key,
            thumbnail_key=thumb_key,
            size_bytes=source.stat().st_size,
            width=144,
            height=256,
            fps=16,
            num_frames=round(16 * seconds),
            duration_s=seconds,
        )
        assert clip is not None
    service.media.put_file(video_key, source)
    service.media.put_file(thumb_key, thumb)
    return clip_id
