"""Worker tasks on the real queue: Finish for Shorts and its guarantees.

A stored clip (a real H.264 file from ffmpeg's lavfi sources, recorded as a worker leaves a
clip) is finished by the real worker in burst mode from the real Redis queue; the result is
probed with ffmpeg (no ffprobe binary on this machine: ``probe`` / ``stream_facts`` read
``ffmpeg -i``), its C2PA manifest verified. A task whose worker died is reclaimed and done
once; a redelivered done task is not run again; a task failing for its own reason is failed
with that reason and leaves no file.
"""

from __future__ import annotations

import asyncio
import hashlib
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from reelbot.app.finish import FinishOptions, finish_clip, finished, finished_variants
from reelbot.app.finish_tracks import check_track, keep_track
from reelbot.app.safety.devcert import generate_dev_certificate
from reelbot.app.service import ReelbotService
from reelbot.app.tasks import task_view
from reelbot.cli.wiring import worker_for
from reelbot.domain.errors import InvalidRequest, LimitReached
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.messages import render
from reelbot.domain.safety_config import ProvenanceSettings
from reelbot.domain.settings import Settings
from reelbot.domain.types import JobState, Origin, Platform
from reelbot.generator.encode import probe
from reelbot.generator.finish.media import stream_facts
from reelbot.generator.provenance import verify_clip
from reelbot.ports import PORTS
from reelbot.storage import tasks as task_repo
from reelbot.storage.db import session_scope
from tests.e2e.processes import worker_env
from tests.finishclips import ffmpeg, stored_clip

ALICE = Origin(platform=Platform.DISCORD, user_id="alice", channel_id="c1", guild_id="g1", locale="en")


async def burst(service: ReelbotService, name: str | None = None) -> tuple[int, int]:
    """(clip jobs done, tasks done) by one real worker in burst mode."""
    worker = worker_for(service, name=name or f"t-{uuid.uuid4().hex[:6]}", burst=True)
    await worker.run()
    return worker.jobs_done, worker.tasks.done


async def events_of(service: ReelbotService, task_id: uuid.UUID) -> list[JobEvent]:
    stream = service.events(Platform.DISCORD)
    await stream.ensure_group("test")
    found: list[JobEvent] = []
    while batch := await stream.read("test", "t", 100, 10):
        found += [event for _, event in batch if event.job_id == task_id]
        await stream.ack("test", *[entry for entry, _ in batch])
    return found


@pytest.fixture
def signed(settings: Settings, tmp_path: Path) -> Settings:
    cert, key = generate_dev_certificate(tmp_path / "pki", organization="reelbot tests")
    return settings.model_copy(update={"provenance": ProvenanceSettings(cert_file=cert, key_file=key)})


@pytest.fixture
async def signed_service(signed: Settings) -> AsyncIterator[ReelbotService]:
    svc = await ReelbotService.open(signed)
    try:
        yield svc
    finally:
        await svc.close()


async def keep(service: ReelbotService, data: bytes, filename: str) -> str:
    """A person's track checked and kept, as a chat does for a finish queued later."""
    return (await keep_track(service, check_track(service, data, filename))).key


async def test_finish_task_with_an_uploaded_track(signed_service: ReelbotService, tmp_path: Path) -> None:
    service = signed_service
    clip_id = stored_clip(service, tmp_path, ALICE)
    song = tmp_path / "song.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=f=440:d=3:sample_rate=44100", "-ac", "1", "-c:a", "aac", str(song))
    track = await keep(service, song.read_bytes(), "song.m4a")
    options = FinishOptions(audio="upload", audio_key=track, caption="紙船出發", fps=24)
    ticket = await finish_clip(service, clip_id, ALICE, idempotency_key="fin-1", options=options)
    assert ticket.state is JobState.QUEUED and not ticket.duplicate and ticket.position == 1
    again = await finish_clip(service, clip_id, ALICE, idempotency_key="fin-1", options=options)
    assert again.duplicate and again.task_id == ticket.task_id  # one click, one task

    assert await burst(service) == (0, 1), await task_view(service, ticket.task_id)
    result = await finished(service, ticket.task_id)
    path = service.media.path(result.video_key)
    info = probe(path)
    assert (info.width, info.height, info.fps) == (1080, 1920, 24.0)
    assert abs(info.num_frames - 24) <= 1
    facts = stream_facts(path)
    assert (facts.audio_codec, facts.sample_rate, facts.channels) == ("aac", 48_000, 2)
    assert result.has_audio and result.size_bytes == path.stat().st_size
    assert result.srt_key is not None and "紙船出發" in service.media.read_bytes(result.srt_key).decode()
    report = verify_clip(path)
    assert report.c2pa_valid and report.ai_generated_assertion, report.problems
    # The finished variant is linked to its clip; the source clip is untouched.
    assert [v.task_id for v in await finished_variants(service, clip_id)] == [ticket.task_id]
    assert (await service.clip(clip_id)).video_key == f"clips/{clip_id}.mp4"

    kinds = [(e.kind, e.task) for e in await events_of(service, ticket.task_id)]
    assert kinds[0] == (EventKind.STARTED, "finish") and kinds[-1] == (EventKind.DONE, "finish")
    assert any(kind is EventKind.PROGRESS for kind, _ in kinds), kinds
    view = await task_view(service, ticket.task_id)
    assert (view.step, view.total_steps) == (100, 100) and view.clip_id == clip_id
    # Deleting the clip deletes its finished variant's files too.
    await service.delete_clip(clip_id, by=ALICE)
    assert not service.media.exists(result.video_key) and not service.media.exists(result.srt_key)


async def test_silent_finish_and_refusals_store_nothing(service: ReelbotService, tmp_path: Path) -> None:
    clip_id = stored_clip(service, tmp_path, ALICE)
    with pytest.raises(InvalidRequest) as long_caption:
        await finish_clip(
            service, clip_id, ALICE, idempotency_key="bad-1", options=FinishOptions(caption="x" * 500)
        )
    assert long_caption.value.key == "finish.caption_too_long"
    with pytest.raises(InvalidRequest) as not_audio:
        await keep(service, b"hello", "notes.txt")
    assert not_audio.value.key == "finish.audio_not_audio"
    # The wired probe (as `reelbot` wires it) refuses what only the worker refused before.
    fake = b"ID3 this is not really an mp3" * 10
    with pytest.raises(InvalidRequest) as probed:
        await keep(service, fake, "fake.mp3")
    assert probed.value.key == "finish.audio_not_audio"
    assert not service.media.exists(f"tracks/{hashlib.sha256(fake).hexdigest()}.mp3")
    assert (await service.queue.depth())["fast"]["waiting"] == 0
    with session_scope(service.db) as session:
        assert task_repo.queued_tasks_older_than(session=session, seconds=-60) == []

    ticket = await finish_clip(
        service, clip_id, ALICE, idempotency_key="fin-2", options=FinishOptions(audio="none")
    )
    assert await burst(service) == (0, 1)
    result = await finished(service, ticket.task_id)
    facts = stream_facts(service.media.path(result.video_key))
    assert (facts.width, facts.height, facts.fps, facts.has_audio) == (1080, 1920, 30.0, False)


async def test_pending_cap_counts_tasks(settings: Settings, tmp_path: Path) -> None:
    capped = settings.model_copy(
        update={"limits": settings.limits.model_copy(update={"max_pending_jobs_per_user": 1})}
    )
    service = await ReelbotService.open(capped)
    try:
        clip_id = stored_clip(service, tmp_path, ALICE)
        await finish_clip(service, clip_id, ALICE, idempotency_key="cap-1")
        with pytest.raises(LimitReached):
            await finish_clip(service, clip_id, ALICE, idempotency_key="cap-2")
        with session_scope(service.db) as session:  # the refused one left no row
            assert task_repo.get_task_by_key(session=session, idempotency_key="cap-2") is None
    finally:
        await service.close()


async def test_a_dead_workers_task_is_reclaimed_and_done_once(settings: Settings, tmp_path: Path) -> None:
    quick = settings.model_copy(
        update={"queue": settings.queue.model_copy(update={"reclaim_idle_ms": 300, "heartbeat_s": 0.1})}
    )
    service = await ReelbotService.open(quick)
    try:
        clip_id = stored_clip(service, tmp_path, ALICE)
        ticket = await finish_clip(service, clip_id, ALICE, idempotency_key="kill-1")
        # A worker claims it, starts it, and dies (its message stays pending, never acked).
        claimed = await service.queue.claim("dead-worker", count=1)
        assert [d.job_id for d in claimed.deliveries] == [ticket.task_id]
        with session_scope(service.db) as session:
            assert task_repo.mark_running(session=session, task_id=ticket.task_id, worker="dead-worker")
        # A live worker reclaims it after the idle time (burst mode waits while it is pending).
        for _ in range(100):  # each burst run ends when nothing is waiting; the claim stays pending
            if (await burst(service))[1]:
                break
        view = await task_view(service, ticket.task_id)
        assert view.state is JobState.DONE
        with session_scope(service.db) as session:
            row = task_repo.get_task(session=session, task_id=ticket.task_id)
            assert row is not None and row.attempts == 2 and row.worker != "dead-worker"
        key = (view.result or {})["video_key"]
        written = service.media.path(key).stat().st_mtime_ns

        # The same message delivered again (a crash between "done" and "ack"): not run twice,
        # its result event published again, the file left as it is.
        assert await service.queue.enqueue(
            ticket.task_id, idempotency_key="kill-1-again", user_key=ALICE.user_key, max_pending=10
        )
        worker = worker_for(service, name="w-redeliver", burst=True)
        await worker.run()
        assert (worker.tasks.done, worker.republished) == (0, 1)
        assert service.media.path(key).stat().st_mtime_ns == written
        dones = [e for e in await events_of(service, ticket.task_id) if e.kind is EventKind.DONE]
        assert len(dones) == 2 and all(e.task == "finish" for e in dones)
        assert await service.queue.depth() == {
            lane: {"waiting": 0, "pending": 0, "dead": 0} for lane in ("fast", "relaxed")
        }
    finally:
        await service.close()


async def test_a_track_deleted_since_it_was_kept_is_refused_as_gone(
    service: ReelbotService, tmp_path: Path
) -> None:
    # A waiting track removed by something else (a sweep, an operator, an expired bucket
    # object): the person is told to send it again, not that their track is "not audio".
    clip_id = stored_clip(service, tmp_path, ALICE)
    song = tmp_path / "song.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=f=440:d=2:sample_rate=44100", "-ac", "1", "-c:a", "aac", str(song))
    track = await keep(service, song.read_bytes(), "song.m4a")
    assert service.media.delete(track)
    with pytest.raises(InvalidRequest) as gone:
        await finish_clip(
            service,
            clip_id,
            ALICE,
            idempotency_key="gone-1",
            options=FinishOptions(audio="upload", audio_key=track),
        )
    assert gone.value.key == "finish.audio_gone"
    assert "send it again" in render(gone.value.key, "en") and "重新傳送" in render(gone.value.key, "zh-TW")
    assert (await service.queue.depth())["fast"]["waiting"] == 0
    with session_scope(service.db) as session:
        assert task_repo.queued_tasks_older_than(session=session, seconds=-60) == []


async def test_a_task_failing_for_its_own_reason_is_failed_with_it(
    service: ReelbotService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A process without the up-front audio probe (a bot without the generator) stores what
    # passes the name check; the worker's own probe must still refuse it.
    monkeypatch.setattr(PORTS, "audio_probe", None)
    clip_id = stored_clip(service, tmp_path, ALICE)
    track = await keep(service, b"ID3 this is not really an mp3" * 10, "fake.mp3")  # passes the name check
    ticket = await finish_clip(
        service,
        clip_id,
        ALICE,
        idempotency_key="fail-1",
        options=FinishOptions(audio="upload", audio_key=track),
    )
    assert await burst(service) == (0, 0)
    view = await task_view(service, ticket.task_id)
    assert view.state is JobState.FAILED and view.error_key == "finish.audio_not_audio"
    failed = [e for e in await events_of(service, ticket.task_id) if e.kind is EventKind.FAILED]
    assert len(failed) == 1 and "not an audio file" in failed[0].failure_text("en")
    assert not service.media.exists(f"finished/{ticket.task_id}.mp4")
    assert (await service.queue.depth())["fast"] == {"waiting": 0, "pending": 0, "dead": 0}


async def test_a_task_past_its_deliveries_is_dead_lettered_and_failed(
    settings: Settings, tmp_path: Path
) -> None:
    once = settings.model_copy(
        update={
            "queue": settings.queue.model_copy(
                update={"reclaim_idle_ms": 300, "heartbeat_s": 0.1, "max_deliveries": 1}
            )
        }
    )
    service = await ReelbotService.open(once)
    try:
        clip_id = stored_clip(service, tmp_path, ALICE)
        ticket = await finish_clip(service, clip_id, ALICE, idempotency_key="dead-1")
        claimed = await service.queue.claim("dead-worker", count=1)  # delivered once, never acked
        assert [d.job_id for d in claimed.deliveries] == [ticket.task_id]
        for _ in range(100):  # the next claim after the idle time finds it past max_deliveries
            await burst(service)
            if (await task_view(service, ticket.task_id)).state is JobState.FAILED:
                break
        view = await task_view(service, ticket.task_id)
        assert view.state is JobState.FAILED and view.error_key == "job.failed_retries"
        failed = [e for e in await events_of(service, ticket.task_id) if e.kind is EventKind.FAILED]
        assert len(failed) == 1 and failed[0].task == "finish"
        assert (await service.queue.depth())["fast"]["dead"] == 1
        assert not service.media.exists(f"finished/{ticket.task_id}.mp4")
    finally:
        await service.close()


async def test_a_sigkilled_workers_task_is_finished_once_by_another(
    settings: Settings, tmp_path: Path
) -> None:
    settings = settings.model_copy(
        update={"queue": settings.queue.model_copy(update={"reclaim_idle_ms": 1500, "heartbeat_s": 0.3})}
    )
    service = await ReelbotService.open(settings)
    try:
        clip_id = stored_clip(service, tmp_path, ALICE, seconds=6.0)  # long enough to be mid-run
        ticket = await finish_clip(service, clip_id, ALICE, idempotency_key="sigkill-1")
        first = subprocess.Popen(
            [sys.executable, "-m", "reelbot.cli", "worker", "--name", "doomed"],
            env=worker_env(settings),
            cwd=settings.data_dir.parent,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            for _ in range(600):  # until the first worker reports progress of the render itself
                view = await task_view(service, ticket.task_id)
                if view.state is JobState.RUNNING and (view.step or 0) >= 30:
                    break
                assert first.poll() is None, first.stderr.read().decode() if first.stderr else ""
                assert view.state is not JobState.DONE, "the task ended before the kill: make it longer"
                await asyncio.sleep(0.2)
            else:
                raise AssertionError("the first worker never started the task")
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        for _ in range(100):  # the rescuer reclaims it once the dead claim is idle long enough
            if (await burst(service, name="rescuer"))[1]:
                break
        with session_scope(service.db) as session:
            row = task_repo.get_task(session=session, task_id=ticket.task_id)
            assert row is not None and row.state is JobState.DONE
            assert (row.attempts, row.worker) == (2, "rescuer")
        assert [p.name for p in (service.media.root / "finished").iterdir()] == [f"{ticket.task_id}.mp4"]
        dones = [e for e in await events_of(service, ticket.task_id) if e.kind is EventKind.DONE]
        assert len(dones) == 1
        assert (await service.queue.depth())["fast"] == {"waiting": 0, "pending": 0, "dead": 0}
    finally:
        await service.close()
