"""`reelbot serve`: one process runs a worker and the media server; SIGTERM stops it cleanly."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from urllib.parse import urlsplit

from reelbot.app.service import ReelbotService
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform

from .processes import worker_env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_serve_renders_and_serves_the_clip_then_stops_on_sigterm(settings: Settings) -> None:
    media_port, health_port = free_port(), free_port()
    settings = settings.model_copy(update={"media_base_url": f"http://127.0.0.1:{media_port}"})
    service = await ReelbotService.open(settings)
    env = worker_env(settings) | {"REELBOT_MEDIA_BASE_URL": settings.media_base_url}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reelbot.cli",
            "serve",
            "--media-port",
            str(media_port),
            "--health-port",
            str(health_port),
        ],
        env=env,
        cwd=settings.data_dir.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        ticket = await service.submit(
            GenerationRequest(prompt="served", origin=Origin(platform=Platform.CLI, user_id="op")),
            idempotency_key="serve-1",
        )
        deadline = time.monotonic() + 180
        while (view := await service.job(ticket.job_id)).state is not JobState.DONE:
            assert time.monotonic() < deadline, "serve never finished the job"
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            await asyncio.sleep(0.3)
        clip = await service.clip(view.clip_id)  # type: ignore[arg-type]
        url = service.media.signed_url(clip.video_key or "")
        assert urlsplit(url).port == media_port
        body = await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=10).read())
        assert body == service.media.path(clip.video_key or "").read_bytes()
        health = f"http://127.0.0.1:{health_port}/healthz"
        assert await asyncio.to_thread(lambda: urllib.request.urlopen(health, timeout=10).status) == 200

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        await service.close()
