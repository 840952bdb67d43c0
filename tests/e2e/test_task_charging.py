"""Finish tasks are charged: the finish profile (worker-seconds per second of finished video,
app/task_costs.py) is checked against the person's quota windows before anything is queued,
as a music task's is; a done task keeps its measured run time (``run_s``) in its result.
Real Redis, SQLite, media store, worker and ffmpeg."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from reelbot.app.finish import FinishOptions, finish_clip
from reelbot.app.service import ReelbotService
from reelbot.app.tasks import task_view
from reelbot.cli.wiring import worker_for
from reelbot.domain.errors import LimitReached
from reelbot.domain.settings import Settings
from reelbot.domain.tasks import finished_keys
from reelbot.domain.types import JobState, Origin, Platform
from reelbot.storage import tasks as task_repo
from reelbot.storage.db import session_scope
from tests.finishclips import stored_clip

ALICE = Origin(platform=Platform.DISCORD, user_id="alice", channel_id="c1", guild_id="g1", locale="en")


async def test_a_finish_over_quota_is_refused_and_queues_nothing(settings: Settings, tmp_path: Path) -> None:
    user = settings.quotas.user.model_copy(update={"daily_gpu_s": 1.0})
    tight = settings.model_copy(update={"quotas": settings.quotas.model_copy(update={"user": user})})
    service = await ReelbotService.open(tight)
    try:
        clip_id = stored_clip(service, tmp_path, ALICE, seconds=2.0)
        with pytest.raises(LimitReached) as err:  # 4.8 x 2 s = 9.6 s > the window (1.0, relaxed x 2)
            await finish_clip(service, clip_id, ALICE, idempotency_key="fin-q", options=FinishOptions())
        assert err.value.key == "quota.exceeded_user_daily"
        assert err.value.render("en") != err.value.render("zh-TW")
        assert (await service.queue.depth())["fast"]["waiting"] == 0
        with session_scope(service.db) as session:
            assert task_repo.get_task_by_key(session=session, idempotency_key="fin-q") is None
        assert not service.media.path(finished_keys(uuid.uuid4())[0]).parent.exists()  # nothing finished
    finally:
        await service.close()


async def test_a_finish_within_quota_runs_and_keeps_its_measured_seconds(
    service: ReelbotService, tmp_path: Path
) -> None:
    clip_id = stored_clip(service, tmp_path, ALICE, seconds=1.0)
    ticket = await finish_clip(
        service, clip_id, ALICE, idempotency_key="fin-ok", options=FinishOptions(fps=24)
    )
    worker = worker_for(service, name="charge", burst=True)
    await worker.run()
    view = await task_view(service, ticket.task_id)
    assert view.state is JobState.DONE, view
    assert view.result is not None and float(view.result["run_s"]) > 0, view.result
