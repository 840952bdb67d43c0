"""Real worker processes SIGKILLed at chosen points, and faults injected at real boundaries:
every finished clip reaches its chat once, no file is left without its clip, a full disk or a
lost Redis stream makes a job wait instead of failing it."""

from __future__ import annotations

import asyncio
import errno
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from reelbot.app.service import ReelbotService
from reelbot.cli.wiring import worker_for
from reelbot.domain.events import EventKind
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform
from reelbot.generator.cache import EngineCache
from reelbot.generator.worker.sweep import ORPHAN_GRACE_S, sweep_orphans
from reelbot.storage import jobs as job_repo

from .processes import worker_env

ORIGIN = Origin(platform=Platform.DISCORD, user_id="dora", channel_id="c9")
KILLER = Path(__file__).with_name("kill_worker.py")


def fast_reclaim(settings: Settings) -> Settings:
    queue = settings.queue.model_copy(update={"reclaim_idle_ms": 1000, "heartbeat_s": 0.2})
    return settings.model_copy(update={"queue": queue})


async def done_events(service: ReelbotService, job_id: uuid.UUID) -> int:
    """DONE events for ``job_id`` in the Discord stream, as a bot reads them (a fresh group)."""
    stream = service.events(Platform.DISCORD)
    group = f"check-{uuid.uuid4().hex[:6]}"
    await stream.ensure_group(group)
    events = await stream.read(group, "t", count=1000, block_ms=10)
    return sum(1 for _, e in events if e.kind is EventKind.DONE and e.job_id == job_id)


def media_files(service: ReelbotService) -> tuple[int, int]:
    root = Path(service.media.root)
    return len(list(root.glob("clips/*.mp4"))), len(list(root.glob("thumbs/*.jpg")))


async def kill_at(settings: Settings, point: str) -> None:
    """Run a worker process until it SIGKILLs itself at ``point`` (no wall-clock: it exits)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(KILLER), point,
        env=worker_env(settings), cwd=settings.data_dir.parent,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    _, err = await proc.communicate()
    assert proc.returncode == -9, err.decode()[-2000:]


@pytest.mark.parametrize("point", ["after_done", "after_files"])
async def test_a_worker_killed_at_the_worst_moment_delivers_the_clip_exactly_once(
    settings: Settings, tiny_cache: EngineCache, point: str
) -> None:
    settings = fast_reclaim(settings)
    service = await ReelbotService.open(settings)
    try:
        ticket = await service.submit(
            GenerationRequest(prompt="a kite", seed=5, origin=ORIGIN), idempotency_key=f"kill-{point}"
        )
        await kill_at(settings, point)
        job = await service.run_db(job_repo.get_job, job_id=ticket.job_id)
        assert job.state == (JobState.DONE if point == "after_done" else JobState.RUNNING)
        assert await done_events(service, ticket.job_id) == 0  # nobody was told yet
        assert media_files(service) == (1, 1)  # written before the kill

        await asyncio.sleep(settings.queue.reclaim_idle_ms / 1000 + 0.3)  # a lower bound only
        rescuer = worker_for(service, name="rescuer", burst=True, cache=tiny_cache)
        await rescuer.run()

        view = await service.job(ticket.job_id)
        assert view.state is JobState.DONE and view.clip_id is not None
        assert await done_events(service, ticket.job_id) == 1  # delivered, and only once
        assert media_files(service) == (1, 1)  # the killed attempt's files were adopted
        clip = await service.clip(view.clip_id)
        assert clip.video_key is not None and service.media.exists(clip.video_key)
        assert (await service.queue.depth())["fast"] == {"waiting": 0, "pending": 0, "dead": 0}
        # A second redelivery (a crash between publish and ack) publishes again; bots dedupe by id.
        assert rescuer.republished == (1 if point == "after_done" else 0)
    finally:
        await service.close()


async def test_a_full_disk_makes_the_job_wait_not_fail(
    service: ReelbotService, tiny_cache: EngineCache
) -> None:
    """Injected OSError(ENOSPC) at the media backend boundary (no tmpfs can be mounted here)."""
    real_put = service.media.put_file
    failures = {"left": 3}
    seen: dict[str, Any] = {}

    def put_file(key: str, src: Path) -> None:
        if failures["left"] > 0:
            failures["left"] -= 1
            raise OSError(errno.ENOSPC, "No space left on device")
        real_put(key, src)

    service.media.put_file = put_file  # type: ignore[method-assign]
    ticket = await service.submit(
        GenerationRequest(prompt="a full disk", origin=ORIGIN), idempotency_key="enospc"
    )
    worker = worker_for(service, name="patient", burst=True, cache=tiny_cache)
    real_wait = worker._wait_out

    async def watch(exc: BaseException) -> None:
        seen.setdefault("state", (await service.job(ticket.job_id)).state)
        try:
            await worker.readiness()
        except RuntimeError as err:
            seen["not_ready"] = str(err)
        await real_wait(exc)

    worker._wait_out = watch  # type: ignore[method-assign]
    await worker.run()

    assert seen["state"] is JobState.QUEUED  # waiting, as the user sees it
    assert "OSError" in seen["not_ready"]
    await worker.readiness()  # ready again
    view = await service.job(ticket.job_id)
    assert view.state is JobState.DONE and failures["left"] == 0
    assert (await service.queue.depth())["fast"] == {"waiting": 0, "pending": 0, "dead": 0}


async def test_after_redis_loses_the_streams_queued_jobs_come_back_in_order(
    service: ReelbotService, tiny_cache: EngineCache
) -> None:
    tickets = [
        await service.submit(
            GenerationRequest(prompt=f"shot {n}", origin=ORIGIN), idempotency_key=f"lost-{n}"
        )
        for n in range(3)
    ]
    # Redis "comes back empty": every key of this deployment is gone (a restart without AOF).
    keys = [k async for k in service.redis.scan_iter(match=f"{service.settings.redis_prefix}:*")]
    await service.redis.delete(*keys)
    worker = worker_for(service, name="after-loss", burst=True, cache=tiny_cache)
    started = time.monotonic()
    await worker.run()
    assert time.monotonic() - started < 60  # not the periodic reconcile (60 s): at once
    views = [await service.job(t.job_id) for t in tickets]
    assert all(v.state is JobState.DONE for v in views)
    started_at = [await service.run_db(job_repo.get_job, job_id=t.job_id) for t in tickets]
    assert [j.started_at for j in started_at] == sorted(j.started_at for j in started_at)


async def test_files_without_a_clip_row_are_swept_after_the_grace_period(
    settings: Settings, tiny_cache: EngineCache
) -> None:
    settings = fast_reclaim(settings)
    service = await ReelbotService.open(settings)
    try:
        ticket = await service.submit(
            GenerationRequest(prompt="a moth", origin=ORIGIN), idempotency_key="orphan"
        )
        await kill_at(settings, "after_files")  # files written, no clip row
        # The user gives up on it; nobody retries it: its files have no clip row now.
        await service.run_db(job_repo.mark_cancelled, job_id=ticket.job_id)
        assert media_files(service) == (1, 1)
        # Inside the grace period nothing goes (a live worker may be about to record them) ...
        assert sweep_orphans(service.media, service.db) == 0
        # ... past it both files go, and files that belong to a clip stay.
        done = await service.submit(
            GenerationRequest(prompt="a kept one", origin=ORIGIN), idempotency_key="kept"
        )
        await worker_for(service, name="keeper", burst=True, cache=tiny_cache).run()
        assert (await service.job(done.job_id)).state is JobState.DONE
        assert sweep_orphans(service.media, service.db, now=time.time() + 2 * ORPHAN_GRACE_S) == 2
        assert media_files(service) == (1, 1)
    finally:
        await service.close()
