"""`reelbot music`, `reelbot finish CLIP --music` and `reelbot cancel ID` end to end: the CLI
in-process (typer's runner), real Redis and SQLite, a real `reelbot worker` process rendering
the tiny AceStepPipeline, real ffmpeg probing what lands."""

from __future__ import annotations

import asyncio
import getpass
import subprocess
import sys
import uuid
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from reelbot.app.music import submit_music
from reelbot.app.service import ReelbotService
from reelbot.app.tasks import task_view
from reelbot.cli import app
from reelbot.domain.settings import Settings
from reelbot.domain.tasks import MUSIC, music_key
from reelbot.domain.types import JobState, Origin, Platform
from reelbot.generator.finish.media import stream_facts
from reelbot.storage.db import session_scope
from reelbot.storage.models import Task
from tests.finishclips import lavfi_clip

from .processes import worker_env

MUSIC_ENV = {"REELBOT_FINISH__MUSIC_ENGINE": "tiny-ace-step"}


@pytest.fixture
def music_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"finish": settings.finish.model_copy(update={"music_engine": "tiny-ace-step"})}
    )


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """The test's settings (with the tiny music engine) as the environment a user would export."""
    env = worker_env(settings) | MUSIC_ENV
    for name, value in env.items():
        if name.startswith("REELBOT_"):
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.chdir(tmp_path)
    return env


@pytest.fixture
def worker(cli_env: dict[str, str], settings: Settings) -> Iterator[subprocess.Popen[bytes]]:
    """A long-running `reelbot worker` (not --burst: the CLI queues its tasks after it starts)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "reelbot.cli", "worker", "--name", "cli-tasks", "--health-port", "0"],
        env=cli_env,
        cwd=settings.data_dir.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def cli_origin() -> Origin:
    return Origin(platform=Platform.CLI, user_id=getpass.getuser() or "cli", locale="en")


def task_row(settings: Settings, task_id: uuid.UUID) -> tuple[JobState, dict[str, object]]:
    async def load() -> tuple[JobState, dict[str, object]]:
        service = await ReelbotService.open(settings)
        try:
            view = await task_view(service, task_id)
            return view.state, dict(view.result or {})
        finally:
            await service.close()

    return asyncio.run(load())


def music_tasks(settings: Settings) -> list[uuid.UUID]:
    async def load() -> list[uuid.UUID]:
        service = await ReelbotService.open(settings)
        try:
            with session_scope(service.db) as session:
                return [t.id for t in session.exec(select(Task).where(Task.kind == MUSIC))]
        finally:
            await service.close()

    return asyncio.run(load())


def stored(settings: Settings, key: str) -> bool:
    async def look() -> bool:
        service = await ReelbotService.open(settings)
        try:
            return service.media.exists(key)
        finally:
            await service.close()

    return asyncio.run(look())


def test_music_then_finish_with_music_through_a_worker(
    worker: subprocess.Popen[bytes], settings: Settings, tmp_path: Path
) -> None:
    code, out, err = run("music", "solo piano, slow", "--seconds", "1", "-o", str(tmp_path / "t.wav"))
    assert code == 0, err
    assert out.strip().splitlines()[-1] == str(tmp_path / "t.wav")
    assert "Music task " in err and "queued, position" in err and "done after" in err, err
    with wave.open(str(tmp_path / "t.wav")) as wav:
        assert (wav.getframerate(), wav.getnchannels()) == (48_000, 2)
        assert abs(wav.getnframes() / 48_000 - 1.0) < 0.1

    clip = lavfi_clip(tmp_path / "clip.mp4", seconds=2.0)
    short = tmp_path / "short.mp4"
    code, out, err = run(
        "finish", str(clip), "--music", "night market lo-fi", "--fps", "24", "-o", str(short)
    )
    assert code == 0, err
    assert "Music task " in err and "done after" in err and "1080×1920" in err, err
    assert out.strip().splitlines()[-1] == str(short)
    facts = stream_facts(short)
    assert (facts.width, facts.height, facts.fps) == (1080, 1920, 24.0)
    assert (facts.audio_codec, facts.sample_rate, facts.channels) == ("aac", 48_000, 2)
    assert abs(facts.duration - 2.0) < 1 / 24 + 0.05

    rows = [task_row(settings, task_id) for task_id in music_tasks(settings)]
    assert [state for state, _ in rows] == [JobState.DONE, JobState.DONE], rows
    lengths = sorted(float(str(result["seconds"])) for _, result in rows)
    assert lengths == pytest.approx([1.0, 2.0], abs=0.1), rows  # --seconds 1; the clip's 2 s
    assert worker.poll() is None


def test_cancel_a_queued_task_and_a_queued_job_from_the_cli(
    cli_env: dict[str, str], music_settings: Settings
) -> None:
    async def queue_music() -> uuid.UUID:
        service = await ReelbotService.open(music_settings)
        try:
            ticket = await submit_music(
                service, cli_origin(), "solo piano", seconds=1.0, idempotency_key="cli-cancel-1"
            )
            return ticket.task_id
        finally:
            await service.close()

    task_id = asyncio.run(queue_music())
    code, out, err = run("cancel", str(task_id))
    assert code == 0, err
    assert out.strip() == "cancelled" and f"Music {str(task_id)[:8]}: cancelled." in err, err
    assert task_row(music_settings, task_id)[0] is JobState.CANCELLED
    code, _, err = run("cancel", str(task_id))
    assert code == 1 and "can't be cancelled" in err, err

    assert run("worker", "--burst", "--health-port", "0")[0] == 0  # nothing left to run
    assert task_row(music_settings, task_id)[0] is JobState.CANCELLED
    assert not stored(music_settings, music_key(task_id))

    code, out, err = run("enqueue", "a paper boat", "--seconds", "1")
    assert code == 0, err
    job_id = out.strip().splitlines()[-1]
    code, out, err = run("cancel", job_id)
    assert code == 0 and out.strip() == "cancelled" and f"Clip job {job_id[:8]}: cancelled." in err, err

    code, _, err = run("cancel", str(uuid.uuid4()))
    assert code == 1 and "can't find job" in err, err
    code, _, err = run("--lang", "zh-TW", "cancel", "12345")
    assert code == 1 and "不是工作編號" in err, err


def test_finish_with_music_refuses_bad_options_before_queueing(
    cli_env: dict[str, str], music_settings: Settings, tmp_path: Path
) -> None:
    clip = lavfi_clip(tmp_path / "clip.mp4")
    out = str(tmp_path / "short.mp4")
    for args, needle in [
        (["--music", "piano", "--audio", str(clip)], "choose one of them"),
        (["--lyrics", "la la"], "--lyrics need --music"),
        (["--music", "piano", "--mode", "blend"], "blend"),
    ]:
        code, _, err = run("finish", str(clip), "-o", out, *args)
        assert code == 1 and needle in err, (args, err)
    code, _, err = run("finish", str(tmp_path / "missing.mp4"), "-o", out, "--music", "piano")
    assert code == 1 and "missing.mp4" in err, err
    assert music_tasks(music_settings) == []
    assert not Path(out).exists()
