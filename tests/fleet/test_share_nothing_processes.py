"""Share nothing but Redis, PostgreSQL and the object store: a fleet of real processes.

`reelbot migrate` runs once (the one-shot job), then four long-running processes start, each
with its own data directory and none migrating: the LINE webhook (`reelbot line`, talking to
the fake Messaging API), two workers (`reelbot worker`) and the media server (`reelbot
media`). Between them: the test's Redis prefix, a fresh PostgreSQL database and a bucket on
a local S3-compatible server (moto's, over HTTP; the processes only know its endpoint).

Several creators send a prompt through the signed webhook; every job is rendered exactly
once (the workers' logs and the job rows say so), every creator gets exactly one video push,
and each pushed URL is fetched from the media server process with a range request — the
bytes are the bucket's object. No process ever reads another's folder (they cannot: the
folders are separate and nothing is mounted across).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import aiohttp
import boto3
import pytest
from sqlalchemy import create_engine, text

from reelbot.bots.line.webhook import signature_for
from tests.bots.line.conftest import ACCESS_TOKEN, CHANNEL_SECRET, text_event
from tests.conftest import REDIS_URL
from tests.fakes.line_api import FakeLineApi
from tests.storage.s3server import ACCESS_KEY, SECRET_KEY, S3Server, free_port

pytestmark = pytest.mark.postgres
CREATORS = 4
HANG_S = 240.0  # turns a hang into a failure; nothing is asserted about durations
MEDIA_ORIGIN = "https://media.example.test"  # what LINE is given (HTTPS); the test is the proxy
DONE_LINE = re.compile(r"job ([0-9a-f-]{36}) done in")


@dataclass
class Fleet:
    """The processes, their folders and logs, and the shared settings they were given."""

    root: Path
    env: dict[str, str]
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: dict[str, IO[bytes]] = field(default_factory=dict)

    def data_dir(self, name: str) -> Path:
        return self.root / name

    def start(self, name: str, *args: str, **extra: str) -> None:
        env = self.env | {"REELBOT_DATA_DIR": str(self.data_dir(name))} | extra
        self.logs[name] = (self.root / f"{name}.log").open("wb")
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "reelbot.cli", *args],
            env=env,
            stdout=self.logs[name],
            stderr=subprocess.STDOUT,
        )

    def run(self, name: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = self.env | {"REELBOT_DATA_DIR": str(self.data_dir(name))}
        return subprocess.run(
            [sys.executable, "-m", "reelbot.cli", *args], env=env, capture_output=True, text=True, timeout=120
        )

    def log(self, name: str) -> str:
        self.logs[name].flush()
        return (self.root / f"{name}.log").read_text(errors="replace")

    def alive(self) -> None:
        for name, proc in self.procs.items():
            assert proc.poll() is None, f"{name} exited {proc.returncode}:\n{self.log(name)[-3000:]}"

    def stop(self) -> dict[str, int]:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        codes = {}
        for name, proc in self.procs.items():
            try:
                codes[name] = proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                codes[name] = proc.wait()
            self.logs[name].close()
        return codes


@pytest.fixture
def fleet_env(
    tmp_path: Path, key_prefix: str, s3_server: S3Server, fresh_database_url: Any
) -> Iterator[tuple[dict[str, str], str]]:
    bucket = s3_server.create_bucket()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REELBOT_")}
    env.update(
        REELBOT_REDIS_URL=REDIS_URL,
        REELBOT_REDIS_PREFIX=key_prefix,
        REELBOT_DATABASE_URL=fresh_database_url("postgres"),
        REELBOT_MEDIA__BACKEND="s3",
        REELBOT_MEDIA__S3__BUCKET=bucket,
        REELBOT_MEDIA__S3__ENDPOINT=s3_server.endpoint,
        REELBOT_MEDIA__S3__ACCESS_KEY_ID=ACCESS_KEY,
        REELBOT_MEDIA__S3__SECRET_ACCESS_KEY=SECRET_KEY,
        REELBOT_MEDIA__S3__ALLOW_HTTP="true",
        REELBOT_MEDIA_SECRET="fleet-secret-0123456789abcdef",
        REELBOT_MEDIA_BASE_URL=MEDIA_ORIGIN,
        REELBOT_PRESET="tiny",
        REELBOT_DEVICE="cpu",
        REELBOT_LOG_LEVEL="INFO",
        REELBOT_LOG_JSON="true",
        COLUMNS="400",
    )
    yield env, bucket


@pytest.fixture
async def fake_line() -> AsyncIterator[FakeLineApi]:
    fake = FakeLineApi(access_token=ACCESS_TOKEN)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


async def status_of(http: aiohttp.ClientSession, url: str) -> int | None:
    try:
        async with http.get(url, timeout=aiohttp.ClientTimeout(total=10)) as response:
            return response.status
    except aiohttp.ClientConnectionError:
        return None


def video_pushes(fake: FakeLineApi) -> list[dict[str, Any]]:
    return [d for d in fake.delivered if d["via"] == "push" and d["messages"][0]["type"] == "video"]


async def test_line_two_workers_and_the_media_server_share_only_redis_postgres_and_the_bucket(
    tmp_path: Path, fleet_env: tuple[dict[str, str], str], fake_line: FakeLineApi
) -> None:
    env, bucket = fleet_env
    fleet = Fleet(tmp_path / "fleet", env)
    fleet.root.mkdir()
    migrated = fleet.run("migrate", "migrate")  # the one-shot job; nothing else migrates
    assert migrated.returncode == 0 and "migrated from revision none" in migrated.stdout, migrated.stderr

    line_port, media_port = free_port(), free_port()
    health = {f"worker-{i}": free_port() for i in (1, 2)}
    ready_urls = {
        "line": f"http://127.0.0.1:{line_port}/readyz",
        "media": f"http://127.0.0.1:{media_port}/readyz",
        **{name: f"http://127.0.0.1:{port}/readyz" for name, port in health.items()},
    }
    fleet.start(
        "line", "line",
        REELBOT_LINE_CHANNEL_SECRET=CHANNEL_SECRET, REELBOT_LINE_CHANNEL_ACCESS_TOKEN=ACCESS_TOKEN,
        REELBOT_LINE_API_HOST=fake_line.url, REELBOT_LINE_DATA_HOST=fake_line.url,
        REELBOT_LINE_HOST="127.0.0.1", REELBOT_LINE_PORT=str(line_port),
        REELBOT_LINE_SERVE_MEDIA="false", REELBOT_LINE_EVENTS_BLOCK_MS="100",
    )  # fmt: skip
    for name, port in health.items():
        args = ("worker", "--name", name, "--health-host", "127.0.0.1", "--health-port", str(port))
        # One torch thread each: two CPU workers on a 2-core machine otherwise oversubscribe it
        # (OpenMP spin-waits: measured 22 CPU-s per worker instead of 9, 2-3x the wall time).
        fleet.start(name, *args, REELBOT_QUEUE__BLOCK_MS="500", OMP_NUM_THREADS="1")
    fleet.start("media", "media", "--host", "127.0.0.1", "--port", str(media_port))
    try:
        deadline = time.monotonic() + HANG_S
        async with aiohttp.ClientSession() as http:
            for name, url in ready_urls.items():  # workers: ready only after their warm-up
                while await status_of(http, url) != 200:
                    fleet.alive()
                    assert time.monotonic() < deadline, f"{name} never became ready"
                    await asyncio.sleep(0.1)

            users = [f"Ucreator{i}" for i in range(CREATORS)]
            for i, user in enumerate(users):
                body = json.dumps(
                    {
                        "destination": "Ubot",
                        "events": [text_event(f"紙船漂在湖上 {i} 秒數:1 seed:{i}", user=user)],
                    }
                ).encode()
                headers = {"X-Line-Signature": signature_for(CHANNEL_SECRET.encode(), body)}
                async with http.post(
                    f"http://127.0.0.1:{line_port}/callback", data=body, headers=headers
                ) as r:
                    assert r.status == 200, await r.text()

            while len(video_pushes(fake_line)) < CREATORS:
                fleet.alive()
                assert time.monotonic() < deadline, f"pushed so far: {fake_line.delivered}"
                await asyncio.sleep(0.1)

            pushes = video_pushes(fake_line)
            assert sorted(push["to"] for push in pushes) == sorted(users)  # one video each
            s3 = boto3.client(
                "s3", endpoint_url=env["REELBOT_MEDIA__S3__ENDPOINT"], aws_access_key_id=ACCESS_KEY,
                aws_secret_access_key=SECRET_KEY, region_name="us-east-1",
            )  # fmt: skip
            for push in pushes:
                (video,) = push["messages"]
                public = urlsplit(video["originalContentUrl"])
                assert f"{public.scheme}://{public.netloc}" == MEDIA_ORIGIN
                local = f"http://127.0.0.1:{media_port}{public.path}?{public.query}"  # the proxy's hop
                async with http.get(local, headers={"Range": "bytes=0-1023"}) as response:
                    assert response.status == 206, await response.text()
                    head = await response.read()
                    total = int(response.headers["Content-Range"].rsplit("/", 1)[1])
                objects = s3.list_objects_v2(Bucket=bucket)["Contents"]
                key = next(
                    o["Key"] for o in objects if o["Key"].startswith("clips/") and o["Key"] in public.path
                )
                stored = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
                assert head == stored[:1024] and total == len(stored)

        # Every job rendered exactly once, across the two workers' logs, and stored once.
        done = Counter(m for name in health for m in DONE_LINE.findall(fleet.log(name)))
        engine = create_engine(env["REELBOT_DATABASE_URL"])
        try:
            with engine.connect() as connection:
                jobs = connection.execute(text("SELECT id, state, worker FROM job")).all()
                clips = connection.execute(text("SELECT count(*) FROM clip")).scalar_one()
        finally:
            engine.dispose()
        assert len(jobs) == CREATORS and clips == CREATORS
        assert {str(uuid.UUID(str(job.id))) for job in jobs} == set(done) and set(done.values()) == {1}
        assert {job.state for job in jobs} == {"done"} and {job.worker for job in jobs} <= set(health)
    finally:
        codes = fleet.stop()
    assert codes == dict.fromkeys(fleet.procs, 0), {n: fleet.log(n)[-2000:] for n, c in codes.items() if c}
    for name in fleet.procs:  # no process wrote a clip to its own folder for another to read
        assert not list(fleet.data_dir(name).glob("media/clips/**/*.mp4")), name
