"""Media server under concurrent range requests (what LINE's video player and browsers do).

Serves the same bytes five ways on loopback, in one server process, and hits each with
``--concurrency`` simultaneous range requests, ``--requests`` in all, from one aiohttp client
in another process; ``--rounds`` rounds, the servers interleaved in each, the median round
reported:

* bare aiohttp from memory — the ceiling of this machine's event loop + client;
* bare aiohttp ``FileResponse`` of the file — the baseline for the local folder;
* reelbot media, local folder (signature check, path resolution, ``FileResponse``);
* bare aiohttp + obstore ranged GET from the bucket — the baseline for the object store;
* reelbot media, S3 bucket (signature check, HEAD + ranged GET streamed from the bucket).

The bucket is moto's S3 server in its own process (``--no-s3`` leaves it out), so the S3
rows measure that server as much as reelbot: compare reelbot-S3 with bare-obstore.

    .venv/bin/python bench/media_bench.py --requests 1000 --concurrency 100 --rounds 3

Prints requests/s, MB/s and p50/p99 latency per server. Loopback only; nothing leaves the host.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import aiohttp
from aiohttp import web
from rich.console import Console
from rich.table import Table

from reelbot.bots.media_server import create_media_app
from reelbot.domain.media_settings import S3Settings
from reelbot.storage.media import MediaStore
from reelbot.storage.s3 import S3MediaStore

MiB = 1024 * 1024


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    bytes: int
    latencies: list[float]
    errors: int

    def row(self) -> list[str]:
        lat = sorted(self.latencies)
        p50 = statistics.median(lat) * 1000
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        return [
            self.name,
            f"{self.requests}",
            f"{self.requests / self.seconds:,.0f}",
            f"{self.bytes / MiB / self.seconds:,.0f}",
            f"{p50:.1f}",
            f"{p99:.1f}",
            f"{self.errors}",
        ]


def ranges(count: int, size: int, chunk: int, seed: int) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    return [
        (start, min(size, start + chunk) - 1) for start in (rng.randrange(0, size - 1) for _ in range(count))
    ]


async def hammer(url_for: list[str], spans: list[tuple[int, int]], concurrency: int, name: str) -> Result:
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    latencies: list[float] = []
    received = 0
    errors = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(spans)):
        queue.put_nowait(i)

    async with aiohttp.ClientSession(connector=connector) as session:

        async def one() -> None:
            nonlocal received, errors
            while True:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                start, end = spans[i]
                began = time.perf_counter()
                async with session.get(
                    url_for[i % len(url_for)], headers={"Range": f"bytes={start}-{end}"}
                ) as r:
                    body = await r.read()
                    if r.status != 206 or len(body) != end - start + 1:
                        errors += 1
                latencies.append(time.perf_counter() - began)
                received += len(body)

        began = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return Result(name, len(spans), elapsed, received, latencies, errors)


async def serve(app: web.Application) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, int(port)


def baseline_app(data: bytes, file: Path, bucket: object | None) -> web.Application:
    """The three bare handlers: bytes from memory, ``FileResponse``, obstore ranged GET."""

    async def memory(request: web.Request) -> web.Response:
        rng = request.http_range
        start = rng.start or 0
        stop = rng.stop if rng.stop is not None else len(data)
        return web.Response(
            status=206,
            body=data[start:stop],
            headers={"Content-Range": f"bytes {start}-{stop - 1}/{len(data)}"},
            content_type="video/mp4",
        )

    async def from_file(_request: web.Request) -> web.FileResponse:
        return web.FileResponse(file)

    async def from_bucket(request: web.Request) -> web.Response:
        import obstore

        rng = request.http_range
        start = rng.start or 0
        stop = rng.stop if rng.stop is not None else len(data)
        body = await obstore.get_range_async(bucket, BENCH_KEY, start=start, end=stop)  # type: ignore[arg-type]
        return web.Response(
            status=206,
            body=bytes(body),
            headers={"Content-Range": f"bytes {start}-{stop - 1}/{len(data)}"},
            content_type="video/mp4",
        )

    app = web.Application()
    app.router.add_get("/raw", memory)
    app.router.add_get("/file", from_file)
    if bucket is not None:
        app.router.add_get("/bucket", from_bucket)
    return app


BENCH_KEY = "clips/bench-0.mp4"


def start_s3() -> tuple[subprocess.Popen[bytes], str]:
    """moto's S3 server in its own process (its own CPU), on a free port, with one bucket."""
    import boto3

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="bench",
        aws_secret_access_key="bench-secret",
        region_name="us-east-1",
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            client.create_bucket(Bucket="bench")
            return proc, endpoint
        except Exception:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise
            time.sleep(0.2)


def server_process(folder: str, size_mb: int, files: int, endpoint: str | None, conn: Connection) -> None:
    """Run every server in their own process (as in production), so the client does not share a CPU."""

    async def run() -> None:
        key_bytes = b"bench-signing-key-0123456789"
        store = MediaStore(Path(folder), "http://127.0.0.1", key_bytes, 3600)
        data = os.urandom(size_mb * MiB)
        keys = [f"clips/bench-{i}.mp4" for i in range(files)]
        for key in keys:
            store.put_bytes(key, data)
        bucket: S3MediaStore | None = None
        if endpoint is not None:
            s3 = S3Settings(
                bucket="bench",
                endpoint=endpoint,
                access_key_id="bench",
                secret_access_key="bench-secret",
                allow_http=True,
            )  # type: ignore[arg-type]
            bucket = S3MediaStore(s3, Path(folder) / "cache", "http://127.0.0.1", key_bytes, 3600)
            for key in keys:
                bucket.put_bytes(key, data)
        runners = []
        urls: dict[str, list[str]] = {}
        for name, media in (("local", store), ("s3", bucket)):
            if media is None:
                continue
            runner, port = await serve(create_media_app(media))
            runners.append(runner)
            media.base_url = f"http://127.0.0.1:{port}"
            urls[name] = [media.signed_url(key) for key in keys]
        raw_runner, raw_port = await serve(
            baseline_app(data, store.path(keys[0]), bucket.store if bucket else None)
        )
        runners.append(raw_runner)
        base = f"http://127.0.0.1:{raw_port}"
        urls.update({"raw": [f"{base}/raw"], "file": [f"{base}/file"]})
        if bucket is not None:
            urls["bucket"] = [f"{base}/bucket"]
        conn.send((urls, len(data)))
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # wait for "done"
        for runner in runners:
            await runner.cleanup()

    asyncio.run(run())


SERVERS = {
    "raw": "bare aiohttp (memory)",
    "file": "bare aiohttp FileResponse (file)",
    "local": "reelbot media (local folder)",
    "bucket": "bare aiohttp + obstore GET (bucket)",
    "s3": "reelbot media (S3 bucket)",
}


def median_round(rounds: list[Result]) -> Result:
    return sorted(rounds, key=lambda r: r.requests / r.seconds)[len(rounds) // 2]


async def main(args: argparse.Namespace) -> None:
    console = Console(width=200)
    moto, endpoint = start_s3() if args.s3 else (None, None)
    with tempfile.TemporaryDirectory() as tmp:
        parent, child = multiprocessing.Pipe()
        proc = multiprocessing.get_context("spawn").Process(
            target=server_process, args=(tmp, args.size_mb, args.files, endpoint, child), daemon=True
        )
        proc.start()
        try:
            urls, size = await asyncio.get_running_loop().run_in_executor(None, parent.recv)
            spans = ranges(args.requests, size, args.range_kb * 1024, seed=1)
            for name in urls:
                await hammer(urls[name], spans[: min(200, len(spans))], args.concurrency, "warm-up")
            runs: dict[str, list[Result]] = {name: [] for name in urls}
            for _ in range(args.rounds):
                for name in urls:  # interleaved: load from elsewhere hits every server alike
                    runs[name].append(await hammer(urls[name], spans, args.concurrency, SERVERS[name]))
        finally:
            parent.send("done")
            proc.join(timeout=10)
            if moto is not None:
                moto.kill()
                moto.wait(timeout=10)
    results = {name: median_round(runs[name]) for name in SERVERS if name in runs}
    show(console, args, results)


def show(console: Console, args: argparse.Namespace, results: dict[str, Result]) -> None:
    table = Table(
        title=(
            f"{args.requests} range requests of {args.range_kb} KiB, {args.concurrency} concurrent, "
            f"{args.files} file(s) of {args.size_mb} MiB, loopback, server and client in separate "
            f"processes, {os.cpu_count()} CPUs; median of {args.rounds} interleaved rounds"
        )
    )
    for column in ("server", "requests", "req/s", "MB/s", "p50 ms", "p99 ms", "errors", "vs baseline"):
        table.add_column(column, justify="right" if column != "server" else "left")
    baseline = {"local": "file", "s3": "bucket"}
    for name, result in results.items():
        ratio = ""
        if name in baseline and baseline[name] in results:
            base = results[baseline[name]]
            ratio = f"{(result.requests / result.seconds) / (base.requests / base.seconds):.2f}×"
        table.add_row(*result.row(), ratio)
    console.print(table)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--range-kb", type=int, default=256, help="bytes per range request")
    parser.add_argument("--size-mb", type=int, default=8, help="size of each served file")
    parser.add_argument("--files", type=int, default=4, help="distinct clips (signed URLs) in rotation")
    parser.add_argument("--rounds", type=int, default=3, help="the median round is reported")
    parser.add_argument("--no-s3", dest="s3", action="store_false", help="leave the object store out")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
