"""A real redis-server with AOF (appendfsync everysec) SIGKILLed and restarted under a running
worker: every job ends done with one clip, and every clip's DONE event is there for its bot."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from reelbot.app.service import ReelbotService
from reelbot.cli.wiring import worker_for
from reelbot.domain.events import EventKind
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform
from reelbot.generator.cache import EngineCache

ORIGIN = Origin(platform=Platform.DISCORD, user_id="erin", channel_id="c4")
REDIS = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(
    REDIS is None, reason="needs the redis-server binary (apt-get install redis-server)"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisProcess:
    """A private redis-server with AOF in ``folder``, restartable on the same port and data."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert REDIS is not None
        self.proc = subprocess.Popen(
            [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--appendonly", "yes", "--appendfsync", "everysec", "--save", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(200):  # until it accepts connections (it exits if it cannot start)
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.1):
                return
            assert self.proc.poll() is None, "redis-server did not start"
            time.sleep(0.05)
        raise AssertionError("redis-server never accepted connections")

    def crash(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def redis_process(tmp_path: Path) -> Iterator[RedisProcess]:
    assert REDIS is not None, "this test needs the redis-server binary (make system-packages)"
    folder = tmp_path / "redis"
    folder.mkdir()
    server = RedisProcess(folder)
    server.start()
    yield server
    server.stop()


async def until(condition: object, what: str, limit_s: float = 180.0) -> None:
    """Poll ``condition()`` (async) until true; the limit is a hang guard, not a timing margin."""
    deadline = time.monotonic() + limit_s
    while not await condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"never: {what}"
        await asyncio.sleep(0.1)


async def test_redis_crash_and_aof_restart_mid_flow_loses_no_clip(
    settings: Settings, tiny_cache: EngineCache, redis_process: RedisProcess
) -> None:
    queue = settings.queue.model_copy(update={"reclaim_idle_ms": 1000, "heartbeat_s": 0.2, "block_ms": 100})
    settings = settings.model_copy(
        update={"redis_url": f"redis://127.0.0.1:{redis_process.port}/0", "queue": queue}
    )
    service = await ReelbotService.open(settings)
    worker = worker_for(service, name="through-restart", cache=tiny_cache)
    try:
        tickets = [
            await service.submit(
                GenerationRequest(prompt=f"boat {n}", origin=ORIGIN), idempotency_key=f"aof-{n}"
            )
            for n in range(3)  # the per-user pending cap
        ]
        running = asyncio.create_task(worker.run())

        async def first_done() -> bool:
            return (await service.job(tickets[0].job_id)).state is JobState.DONE

        await until(first_done, "the first job done")
        redis_process.crash()  # mid-flow: later jobs queued or rendering
        await asyncio.sleep(0.5)  # the worker meets a dead Redis (how long does not matter)
        redis_process.start()  # AOF replays

        async def all_done() -> bool:
            with contextlib.suppress(Exception):
                return all([(await service.job(t.job_id)).state is JobState.DONE for t in tickets])
            return False

        await until(all_done, "every job done after the restart")
        worker.stop()
        await asyncio.wait_for(running, 60)

        stream = service.events(Platform.DISCORD)
        await stream.ensure_group("check")
        events = await stream.read("check", "t", count=1000, block_ms=10)
        done = Counter(e.job_id for _, e in events if e.kind is EventKind.DONE)
        clips = {e.job_id: e.clip_id for _, e in events if e.kind is EventKind.DONE}
        assert set(done) == {t.job_id for t in tickets}  # every clip's result reached the stream
        for t in tickets:
            assert clips[t.job_id] == (await service.job(t.job_id)).clip_id  # the same clip each time
        assert len(list(Path(service.media.root, "clips").glob("*.mp4"))) == len(tickets)
        assert (await service.queue.depth())["fast"] == {"waiting": 0, "pending": 0, "dead": 0}
        print(f"DONE events per job: {sorted(done.values())}")  # >1 = re-published; bots dedupe by id
    finally:
        worker.stop()
        await service.close()
