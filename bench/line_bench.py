"""LINE bot benchmark: process memory idle and after a burst of webhook deliveries.

Runs ``reelbot line`` as a real process (real Redis, a SQLite file migrated beforehand, as
production runs migrations once) against the local fake Messaging API the tests use, and
sends signed webhook deliveries of a text message (「說明」, answered with a reply). Baseline
from the same run: a bare aiohttp app that checks the signature on the raw body and answers
200 — the least a LINE webhook must do.

    .venv/bin/python bench/line_bench.py [--deliveries 50] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reelbot.app.service import ReelbotService  # noqa: E402
from reelbot.domain.settings import Settings  # noqa: E402
from tests.fakes.line_api import FakeLineApi  # noqa: E402

REELBOT = str(Path(sys.executable).with_name("reelbot"))
SECRET = "bench-line-channel-secret-0123456789"
TOKEN = "bench-line-access-token"

BARE_APP = """
import base64, hashlib, hmac, os
from aiohttp import web
secret = os.environ["BENCH_SECRET"].encode()
async def callback(request):
    body = await request.read()
    expected = base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(expected, request.headers.get("X-Line-Signature", "")):
        raise web.HTTPBadRequest()
    return web.Response(text="OK")
app = web.Application()
app.router.add_post("/callback", callback)
web.run_app(app, host="127.0.0.1", port=int(os.environ["BENCH_PORT"]), print=None)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def delivery(text: str) -> bytes:
    event = {
        "type": "message",
        "mode": "active",
        "timestamp": 1_700_000_000_000,
        "webhookEventId": uuid.uuid4().hex,
        "deliveryContext": {"isRedelivery": False},
        "source": {"type": "user", "userId": f"U{uuid.uuid4().hex[:10]}"},
        "replyToken": uuid.uuid4().hex,
        "message": {"type": "text", "id": uuid.uuid4().hex[:12], "text": text, "quoteToken": "qt"},
    }
    return json.dumps({"destination": "Ubot", "events": [event]}).encode()


async def wait_listening(port: int, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise TimeoutError("server did not listen")


async def burst(port: int, count: int) -> None:
    async with aiohttp.ClientSession() as http:

        async def one() -> None:
            body = delivery("說明")
            signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
            headers = {"X-Line-Signature": signature, "Content-Type": "application/json"}
            async with http.post(f"http://127.0.0.1:{port}/callback", data=body, headers=headers) as resp:
                await resp.read()

        await asyncio.gather(*(one() for _ in range(count)))


async def measure(command: list[str], env: dict[str, str], port: int, deliveries: int) -> tuple[float, float]:
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        await wait_listening(port, proc)
        await asyncio.sleep(2.0)  # settle: connections opened, caches warm
        idle = rss_mb(proc.pid)
        await burst(port, deliveries)
        await asyncio.sleep(2.0)  # let background handling finish
        return idle, rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(30)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    fake = FakeLineApi(access_token=TOKEN)
    await fake.start()
    data = Path(tempfile.mkdtemp(prefix="reelbot-line-bench-"))
    prefix = f"bench-line-{uuid.uuid4().hex[:8]}"
    settings = Settings(_env_file=None, data_dir=data, redis_prefix=prefix, preset="tiny", device="cpu")  # type: ignore[call-arg]
    service = await ReelbotService.open(settings)  # migrate once, like `reelbot migrate` / a one-shot job
    await service.close()
    rows: dict[str, list[tuple[float, float]]] = {"bare aiohttp (signature + 200)": [], "reelbot line": []}
    for _ in range(args.rounds):
        port = free_port()
        bare_env = {**os.environ, "BENCH_SECRET": SECRET, "BENCH_PORT": str(port)}
        rows["bare aiohttp (signature + 200)"].append(
            await measure([sys.executable, "-c", BARE_APP], bare_env, port, args.deliveries)
        )
        port = free_port()
        env = {
            **os.environ,
            "REELBOT_DATA_DIR": str(data),
            "REELBOT_MIGRATE_ON_START": "true",  # a fresh database; no `reelbot migrate` job here
            "REELBOT_REDIS_PREFIX": prefix,
            "REELBOT_LINE_CHANNEL_SECRET": SECRET,
            "REELBOT_LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
            "REELBOT_LINE_API_HOST": fake.url,
            "REELBOT_LINE_DATA_HOST": fake.url,
            "REELBOT_MEDIA_BASE_URL": "https://media.example.invalid",
            "REELBOT_LOG_LEVEL": "WARNING",
        }
        command = [REELBOT, "line", "--host", "127.0.0.1", "--port", str(port)]
        rows["reelbot line"].append(await measure(command, env, port, args.deliveries))
    await fake.close()
    print(f"\nLINE webhook benchmark — {args.rounds} rounds, {args.deliveries} deliveries each (median)")
    print(f"{'process':34s} {'RSS idle MB':>12s} {'RSS after MB':>13s}")
    for name, values in rows.items():
        idle = statistics.median(v[0] for v in values)
        after = statistics.median(v[1] for v in values)
        print(f"{name:34s} {idle:12.1f} {after:13.1f}")


if __name__ == "__main__":
    asyncio.run(main())
