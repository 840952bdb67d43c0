"""Jobs as a worker would have left them, written straight through the repositories (for tests
of what reads them: usage, quotas, audit) without rendering anything."""

from __future__ import annotations

import uuid

from sqlalchemy import Engine

from reelbot.domain.types import GenerationRequest, Origin
from reelbot.storage import jobs as job_repo
from reelbot.storage.db import session_scope
from reelbot.storage.models import Clip


def finish_job(engine: Engine, job_id: uuid.UUID, *, gpu_seconds: float = 0.5) -> Clip:
    """queued → running → done with a small fake clip record; returns the clip."""
    with session_scope(engine) as session:
        assert job_repo.mark_running(session=session, job_id=job_id, worker="w1")
        clip = job_repo.mark_done(
            session=session,
            job_id=job_id,
            video_key=f"clips/{job_id}.mp4",
            thumbnail_key=None,
            size_bytes=1000,
            width=144,
            height=256,
            fps=8,
            num_frames=9,
            duration_s=1.1,
            gpu_seconds=gpu_seconds,
        )
        assert clip is not None
        return clip


def finished_job(engine: Engine, origin: Origin, gpu_seconds: float) -> uuid.UUID:
    """A new tiny job from ``origin`` that a worker finished, with its measured GPU-seconds."""
    request = GenerationRequest(prompt="a cat", origin=origin, preset="tiny", seed=1)
    with session_scope(engine) as session:
        job_id = job_repo.create_job(session=session, request=request, idempotency_key=uuid.uuid4().hex).id
    finish_job(engine, job_id, gpu_seconds=gpu_seconds)
    return job_id
