"""`reelbot worker` serves /metrics, /healthz, /readyz on its side port and exits cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from tests.conftest import REDIS_URL

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_worker_command_serves_health_and_stops_on_sigterm(tmp_path: Path, key_prefix: str) -> None:
    port = free_port()
    env = dict(
        os.environ,
        REELBOT_DATA_DIR=str(tmp_path / "data"),
        REELBOT_REDIS_URL=REDIS_URL,
        REELBOT_REDIS_PREFIX=key_prefix,
        REELBOT_PRESET="tiny",
        REELBOT_DEVICE="cpu",
        REELBOT_MEDIA_SECRET="cli-health-secret-0123456789",
        REELBOT_LOG_JSON="true",
        REELBOT_MIGRATE_ON_START="true",  # a fresh database, as on one box without `reelbot migrate`
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "reelbot.cli",
        "worker",
        "--health-port",
        str(port),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(300):  # start-up imports and migrations take a few seconds
                try:
                    async with http.get(base + "/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    pass
                assert proc.returncode is None, "worker exited early"
                await asyncio.sleep(0.1)
            for _ in range(600):  # ready once its warm-up render is done (tests/fleet/test_worker_warmup.py)
                async with http.get(base + "/readyz") as response:
                    if response.status == 200:
                        break
                assert proc.returncode is None, "worker exited early"
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the worker never became ready")
            async with http.get(base + "/metrics") as response:
                text = await response.text()
                assert "# TYPE reelbot_job_wait_seconds histogram" in text
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), timeout=60)
        assert proc.stderr is not None
        err = (await proc.stderr.read()).decode()
    assert code == 0, err[-2000:]
    assert "cli-health-secret-0123456789" not in err
