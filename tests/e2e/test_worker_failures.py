"""Workers die and models fail; jobs are neither lost nor done twice, and users are told."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np

from reelbot.app.service import ReelbotService
from reelbot.cli.wiring import worker_for
from reelbot.domain.events import EventKind
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform
from reelbot.generator.cache import EngineCache
from reelbot.generator.presets import PRESETS, RenderJob, StepCallback, register_preset
from reelbot.storage import clips as clip_repo
from reelbot.storage import jobs as job_repo
from reelbot.storage.db import session_scope
from tests.bare_presets import bare_preset

from .processes import worker_env

ORIGIN = Origin(platform=Platform.DISCORD, user_id="carol", channel_id="c2")


async def test_sigkilled_worker_job_is_finished_once_by_another(
    settings: Settings, tiny_cache: EngineCache
) -> None:
    settings = settings.model_copy(
        update={"queue": settings.queue.model_copy(update={"reclaim_idle_ms": 1500, "heartbeat_s": 0.3})}
    )
    service = await ReelbotService.open(settings)
    try:
        # Many steps: the first worker is surely mid-render when it is killed.
        ticket = await service.submit(
            GenerationRequest(prompt="a slow render", steps=150, seed=3, origin=ORIGIN),
            idempotency_key="crash",
        )
        first = subprocess.Popen(
            [sys.executable, "-m", "reelbot.cli", "worker", "--name", "doomed"],
            env=worker_env(settings),
            cwd=settings.data_dir.parent,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                job = await service.run_db(job_repo.get_job, job_id=ticket.job_id)
                if job.state == JobState.RUNNING and (job.step or 0) >= 1:
                    break
                assert first.poll() is None, first.stderr.read().decode() if first.stderr else ""
                await asyncio.sleep(0.2)
            else:
                raise AssertionError("the first worker never started rendering")
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()

        await asyncio.sleep(settings.queue.reclaim_idle_ms / 1000 + 0.2)
        rescuer = worker_for(service, name="rescuer", burst=True, cache=tiny_cache)
        await rescuer.run()

        job = await service.run_db(job_repo.get_job, job_id=ticket.job_id)
        assert job.state == JobState.DONE
        assert job.attempts == 2
        assert job.worker == "rescuer"
        with session_scope(service.db) as session:
            clip = clip_repo.get_clip_for_job(session=session, job_id=ticket.job_id)
            assert clip is not None
        clips_on_disk = list((service.media.root / "clips").glob("*.mp4"))
        assert len(clips_on_disk) == 1  # the killed worker left no clip behind
        assert (await service.queue.depth())["fast"] == {"waiting": 0, "pending": 0, "dead": 0}
    finally:
        await service.close()


class ExplodingEngine:
    """An engine whose model raises, as a diffusers pipeline does on a bad shape or a driver error."""

    def render(self, job: RenderJob, on_step: StepCallback) -> np.ndarray:
        on_step(1, job.steps)
        raise RuntimeError("CUDA error: an illegal memory access was encountered")


def register_test_preset(name: str, title: str, engine: type) -> None:
    """A preset whose engine misbehaves on purpose (registered once per test session)."""
    if name in PRESETS:
        return
    preset = bare_preset(name, title=title, steps=2)
    register_preset(preset)(lambda ctx: engine())


register_test_preset("test-exploding", "raises inside the model (tests only)", ExplodingEngine)


async def test_pipeline_error_fails_the_job_and_the_worker_keeps_going(
    service: ReelbotService, tiny_cache: EngineCache
) -> None:
    bad = await service.submit(
        GenerationRequest(prompt="boom", preset="test-exploding", origin=ORIGIN), idempotency_key="boom"
    )
    good = await service.submit(GenerationRequest(prompt="fine", origin=ORIGIN), idempotency_key="fine")
    worker = worker_for(service, name="survivor", burst=True, cache=tiny_cache)
    await worker.run()

    failed = await service.job(bad.job_id)
    assert failed.state is JobState.FAILED
    assert failed.error_key == "job.pipeline_error"
    assert (await service.job(good.job_id)).state is JobState.DONE

    events = service.events(Platform.DISCORD)
    await events.ensure_group("discord")
    failures = [
        e for _, e in await events.read("discord", "t", count=100, block_ms=10) if e.kind is EventKind.FAILED
    ]
    assert len(failures) == 1
    text_en, text_zh = failures[0].failure_text("en"), failures[0].failure_text("zh-TW")
    assert "illegal memory access" in text_en and "影片模型發生錯誤" in text_zh
    assert "Traceback" not in text_en


async def test_redelivered_finished_job_is_not_rendered_again(
    service: ReelbotService, tiny_cache: EngineCache
) -> None:
    ticket = await service.submit(GenerationRequest(prompt="once", origin=ORIGIN), idempotency_key="once")
    await worker_for(service, name="w1", burst=True, cache=tiny_cache).run()
    # Simulate a redelivery of the same job (as after a crash between mark_done and XACK).
    result = await service.queue.enqueue(
        ticket.job_id, idempotency_key=f"redeliver-{uuid.uuid4()}", user_key="discord:carol", max_pending=10
    )
    assert not result.duplicate
    second = worker_for(service, name="w2", burst=True, cache=tiny_cache)
    await second.run()
    assert second.jobs_done == 0
    assert len(list(Path(service.media.root, "clips").glob("*.mp4"))) == 1


class WrongFramesEngine:
    """An engine that returns float frames: the encoder (outside the model) refuses them."""

    def render(self, job: RenderJob, on_step: StepCallback) -> np.ndarray:
        on_step(job.steps, job.steps)
        return np.zeros((job.num_frames, job.height, job.width, 3), dtype=np.float32)


register_test_preset(
    "test-wrong-frames", "returns frames the encoder refuses (tests only)", WrongFramesEngine
)


async def test_a_bug_outside_the_model_fails_the_job_not_the_worker(
    service: ReelbotService, tiny_cache: EngineCache
) -> None:
    bad = await service.submit(
        GenerationRequest(prompt="odd frames", preset="test-wrong-frames", origin=ORIGIN),
        idempotency_key="odd",
    )
    good = await service.submit(GenerationRequest(prompt="fine", origin=ORIGIN), idempotency_key="fine-2")
    await worker_for(service, name="sturdy", burst=True, cache=tiny_cache).run()

    failed = await service.job(bad.job_id)
    assert failed.state is JobState.FAILED and failed.error_key == "error.internal"
    assert (await service.job(good.job_id)).state is JobState.DONE
    assert (await service.queue.depth())["fast"] == {"waiting": 0, "pending": 0, "dead": 0}
    events = service.events(Platform.DISCORD)
    await events.ensure_group("discord")
    failures = [
        e for _, e in await events.read("discord", "t", count=100, block_ms=10) if e.kind is EventKind.FAILED
    ]
    assert len(failures) == 1
    assert str(bad.job_id)[:8] in failures[0].failure_text("en")
