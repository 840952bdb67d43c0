"""SIGTERM contract: stop claiming, finish (then ack) the current job; a forced stop leaves it pending.

The worker here is a real subprocess on the real Redis using reelbot.ops.lifecycle's handlers,
following the same claim → work → store → ack order as generator/worker.py.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import redis.asyncio as aioredis

from reelbot.ops.lifecycle import install_shutdown_handlers, sleep_or_stop
from tests.conftest import REDIS_URL

WORKER = Path(__file__).with_name("shutdown_worker.py")
ROOT = Path(__file__).resolve().parents[2]


async def start_worker(stream: str, group: str, done_key: str, seconds: float) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(WORKER),
        REDIS_URL,
        stream,
        group,
        done_key,
        str(seconds),
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )


async def read_line(proc: asyncio.subprocess.Process) -> str:
    assert proc.stdout is not None
    return (await asyncio.wait_for(proc.stdout.readline(), timeout=30)).decode().strip()


async def setup_stream(client: aioredis.Redis, stream: str, group: str, jobs: int) -> list[str]:
    await client.xgroup_create(stream, group, id="0", mkstream=True)
    return [(await client.xadd(stream, {"job": str(i)})).decode() for i in range(jobs)]


async def test_sigterm_finishes_current_job_and_claims_no_more(
    redis_client: aioredis.Redis, key_prefix: str
) -> None:
    stream, group, done = f"{key_prefix}:jobs", "workers", f"{key_prefix}:done"
    ids = await setup_stream(redis_client, stream, group, jobs=3)
    proc = await start_worker(stream, group, done, seconds=1.0)

    assert await read_line(proc) == f"claimed {ids[0]}"
    proc.send_signal(signal.SIGTERM)
    assert await read_line(proc) == f"acked {ids[0]}"
    assert await read_line(proc) == "stopped"
    assert await asyncio.wait_for(proc.wait(), timeout=30) == 0

    assert await redis_client.smembers(done) == {ids[0].encode()}
    pending = await redis_client.xpending(stream, group)
    assert pending["pending"] == 0
    groups = await redis_client.xinfo_groups(stream)
    assert groups[0]["lag"] == 2  # the other two were never claimed


async def test_second_signal_hands_job_back_for_another_worker(
    redis_client: aioredis.Redis, key_prefix: str
) -> None:
    stream, group, done = f"{key_prefix}:jobs", "workers", f"{key_prefix}:done"
    ids = await setup_stream(redis_client, stream, group, jobs=2)
    proc = await start_worker(stream, group, done, seconds=60.0)

    assert await read_line(proc) == f"claimed {ids[0]}"
    proc.send_signal(signal.SIGTERM)
    await asyncio.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    assert await read_line(proc) == "cancelled"
    assert await asyncio.wait_for(proc.wait(), timeout=30) == 130

    # Not acked, not recorded: still pending on the dead worker, and another worker takes it.
    assert await redis_client.scard(done) == 0
    pending = await redis_client.xpending(stream, group)
    assert pending["pending"] == 1
    _, claimed, _ = await redis_client.xautoclaim(stream, group, "w-other", min_idle_time=0, start_id="0-0")
    assert [entry[0].decode() for entry in claimed] == [ids[0]]


async def test_handlers_in_process_set_stop_then_force() -> None:
    stop = asyncio.Event()
    forced: list[bool] = []
    uninstall = install_shutdown_handlers(stop, force=lambda: forced.append(True), signals=(signal.SIGUSR1,))
    try:
        assert not await sleep_or_stop(stop, 0.01)
        signal.raise_signal(signal.SIGUSR1)
        assert await sleep_or_stop(stop, 5)
        assert forced == []
        signal.raise_signal(signal.SIGUSR1)
        await asyncio.sleep(0.05)
        assert forced == [True]
    finally:
        uninstall()
