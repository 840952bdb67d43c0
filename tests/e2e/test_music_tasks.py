"""Music as its own worker task: moderated, queued on real Redis, rendered by the real
AceStepPipeline class (tiny random weights, ``tiny-ace-step``) by the real worker, its track
in the media store; a finish then takes that track and muxes it (probed with ffmpeg)."""

from __future__ import annotations

import uuid
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from reelbot.app.finish import FinishOptions, finish_clip, finished
from reelbot.app.music import submit_music
from reelbot.app.safety.moderation import ModerationRefused
from reelbot.app.service import ReelbotService
from reelbot.app.tasks import cancel_task, task_view
from reelbot.cli.wiring import worker_for
from reelbot.domain.errors import Forbidden, InvalidRequest, LimitReached
from reelbot.domain.settings import Settings
from reelbot.domain.tasks import music_key
from reelbot.domain.types import JobState, Origin, Platform
from reelbot.generator.finish.audio import measure_loudness
from reelbot.generator.finish.media import stream_facts
from reelbot.storage import tasks as task_repo
from reelbot.storage.db import session_scope
from tests.finishclips import stored_clip

ALICE = Origin(platform=Platform.DISCORD, user_id="alice", channel_id="c1", guild_id="g1", locale="en")


@pytest.fixture
async def music_service(settings: Settings) -> AsyncIterator[ReelbotService]:
    tiny = settings.model_copy(
        update={"finish": settings.finish.model_copy(update={"music_engine": "tiny-ace-step"})}
    )
    svc = await ReelbotService.open(tiny)
    try:
        yield svc
    finally:
        await svc.close()


async def burst(service: ReelbotService) -> int:
    worker = worker_for(service, name=f"m-{uuid.uuid4().hex[:6]}", burst=True)
    await worker.run()
    return worker.tasks.done


async def test_music_task_renders_a_track_that_a_finish_muxes(
    music_service: ReelbotService, tmp_path: Path
) -> None:
    service = music_service
    ticket = await submit_music(
        service, ALICE, "night market lo-fi, warm", seconds=2.0, idempotency_key="mus-1", seed=3
    )
    assert ticket.state is JobState.QUEUED and not ticket.duplicate
    assert await burst(service) == 1
    view = await task_view(service, ticket.task_id)
    assert view.state is JobState.DONE and view.kind == "music", view
    key = music_key(ticket.task_id)
    with wave.open(str(service.media.path(key))) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (48_000, 2, 2)
        assert abs(wav.getnframes() / 48_000 - 2.0) < 0.1

    clip_id = stored_clip(service, tmp_path, ALICE)
    options = FinishOptions(audio="music", audio_key=key, fps=24)
    finish = await finish_clip(service, clip_id, ALICE, idempotency_key="fin-m", options=options)
    assert await burst(service) == 1, await task_view(service, finish.task_id)
    path = service.media.path((await finished(service, finish.task_id)).video_key)
    facts = stream_facts(path)
    assert (facts.audio_codec, facts.sample_rate, facts.channels) == ("aac", 48_000, 2)
    loud = measure_loudness(path)
    target = service.settings.finish
    assert abs(loud.integrated_lufs - target.target_lufs) <= 1.0, loud


async def test_a_refused_description_queues_and_stores_nothing(music_service: ReelbotService) -> None:
    service = music_service
    with pytest.raises(ModerationRefused) as err:
        await submit_music(service, ALICE, "a ｎ.ｕ.ｄ.ｅ dancer theme", seconds=2.0, idempotency_key="mus-x")
    assert err.value.key == "safety.refused.sexual"
    assert err.value.render("en") != err.value.render("zh-TW")
    assert (await service.queue.depth())["fast"]["waiting"] == 0
    with session_scope(service.db) as session:
        assert task_repo.get_task_by_key(session=session, idempotency_key="mus-x") is None
    assert not service.media.path(music_key("x")).parent.exists()  # no track written


async def test_music_needs_an_engine_and_a_finish_needs_its_track(
    service: ReelbotService, tmp_path: Path
) -> None:
    with pytest.raises(InvalidRequest) as none:
        await submit_music(service, ALICE, "solo piano", seconds=2.0, idempotency_key="mus-n")
    assert none.value.key == "storyboard.music_model_missing" and "音樂" in none.value.render("zh-TW")
    clip_id = stored_clip(service, tmp_path, ALICE)
    options = FinishOptions(audio="music", audio_key=music_key(uuid.uuid4()))
    with pytest.raises(InvalidRequest):
        await finish_clip(service, clip_id, ALICE, idempotency_key="fin-n", options=options)
    assert (await service.queue.depth())["fast"]["waiting"] == 0


async def test_music_over_quota_is_refused_and_queues_nothing(settings: Settings) -> None:
    user = settings.quotas.user.model_copy(update={"daily_gpu_s": 1.0})
    tight = settings.model_copy(
        update={
            "quotas": settings.quotas.model_copy(update={"user": user}),
            "finish": settings.finish.model_copy(update={"music_engine": "tiny-ace-step"}),
        }
    )
    service = await ReelbotService.open(tight)
    try:
        with pytest.raises(LimitReached) as err:  # the profile: 5 + 0.5 x 10 = 10 GPU-s > 2 x 1.0
            await submit_music(service, ALICE, "solo piano", seconds=10.0, idempotency_key="mus-q")
        assert err.value.key == "quota.exceeded_user_daily"
        assert err.value.render("en") != err.value.render("zh-TW")
        assert (await service.queue.depth())["fast"]["waiting"] == 0
        with session_scope(service.db) as session:
            assert task_repo.get_task_by_key(session=session, idempotency_key="mus-q") is None
    finally:
        await service.close()


async def test_cancel_a_queued_music_task(music_service: ReelbotService) -> None:
    service = music_service
    ticket = await submit_music(service, ALICE, "solo piano", seconds=1.0, idempotency_key="mus-c")
    bob = ALICE.model_copy(update={"user_id": "bob"})
    with pytest.raises(Forbidden):
        await cancel_task(service, ticket.task_id, by=bob)
    view = await cancel_task(service, ticket.task_id, by=ALICE)
    assert view.state is JobState.CANCELLED
    assert await burst(service) == 0  # nothing left to run
    assert not service.media.exists(music_key(ticket.task_id))
    with pytest.raises(InvalidRequest) as again:
        await cancel_task(service, ticket.task_id, by=ALICE)
    assert again.value.key == "job.not_cancellable"


async def test_cancel_a_running_music_task_keeps_no_output(music_service: ReelbotService) -> None:
    """The worker has claimed and started it (as ``TaskRunner.process`` does), the person
    cancels (only the queue's flag can reach a running task), the run ends: the worker finds
    the flag at that boundary, removes the track it wrote and records the task cancelled."""
    service = music_service
    ticket = await submit_music(service, ALICE, "solo piano", seconds=1.0, idempotency_key="mus-r")
    worker = worker_for(service, name="m-run", burst=True)
    (delivery,) = (await service.queue.claim("m-run")).deliveries
    assert await service.run_db(task_repo.mark_running, task_id=ticket.task_id, worker="m-run")
    assert (await cancel_task(service, ticket.task_id, by=ALICE)).state is JobState.RUNNING
    task = await service.run_db(task_repo.get_task, task_id=ticket.task_id)
    await worker.tasks._run(task, delivery)
    assert (await task_view(service, ticket.task_id)).state is JobState.CANCELLED
    assert not service.media.exists(music_key(ticket.task_id)) and worker.tasks.done == 0
