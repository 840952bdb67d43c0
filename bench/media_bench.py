"""Media server under concurrent range requests (what LINE's video player and browsers do).

Serves a real file through reelbot's media routes (signature check, path resolution,
``web.FileResponse`` with ranges) on loopback and hits it with ``--concurrency`` simultaneous
range requests, ``--requests`` in all, from one aiohttp client. Baseline from the same run:
a bare aiohttp handler answering the same byte ranges from memory (no signature, no file
system) — the ceiling of this machine's event loop + client.

    .venv/bin/python bench/media_bench.py --requests 4000 --concurrency 200

Prints requests/s, MB/s and p50/p99 latency per server. Loopback only; nothing leaves the host.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import statistics
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
from reelbot.storage.media import MediaStore

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


def baseline_app(data: bytes) -> web.Application:
    async def handler(request: web.Request) -> web.Response:
        rng = request.http_range
        start = rng.start or 0
        stop = rng.stop if rng.stop is not None else len(data)
        return web.Response(
            status=206,
            body=data[start:stop],
            headers={"Content-Range": f"bytes {start}-{stop - 1}/{len(data)}"},
            content_type="video/mp4",
        )

    app = web.Application()
    app.router.add_get("/raw", handler)
    return app


def server_process(folder: str, size_mb: int, files: int, conn: Connection) -> None:
    """Run both servers in their own process (as in production), so the client does not share a CPU."""

    async def run() -> None:
        store = MediaStore(Path(folder), "http://127.0.0.1", b"bench-signing-key-0123456789", 3600)
        data = os.urandom(size_mb * MiB)
        keys = [f"clips/bench-{i}.mp4" for i in range(files)]
        for key in keys:
            store.put_bytes(key, data)
        media_runner, media_port = await serve(create_media_app(store))
        raw_runner, raw_port = await serve(baseline_app(data))
        store.base_url = f"http://127.0.0.1:{media_port}"
        conn.send((raw_port, [store.signed_url(key) for key in keys], len(data)))
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # wait for "done"
        await media_runner.cleanup()
        await raw_runner.cleanup()

    asyncio.run(run())


async def main(args: argparse.Namespace) -> None:
    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        parent, child = multiprocessing.Pipe()
        proc = multiprocessing.get_context("spawn").Process(
            target=server_process, args=(tmp, args.size_mb, args.files, child), daemon=True
        )
        proc.start()
        try:
            raw_port, signed, size = await asyncio.get_running_loop().run_in_executor(None, parent.recv)
            spans = ranges(args.requests, size, args.range_kb * 1024, seed=1)
            raw = [f"http://127.0.0.1:{raw_port}/raw"]
            await hammer(signed, spans[: min(400, len(spans))], args.concurrency, "warm-up")
            await hammer(raw, spans[: min(400, len(spans))], args.concurrency, "warm-up")
            results = [
                await hammer(raw, spans, args.concurrency, "bare aiohttp (memory)"),
                await hammer(signed, spans, args.concurrency, "reelbot media (signed, file)"),
            ]
        finally:
            parent.send("done")
            proc.join(timeout=10)
    table = Table(
        title=(
            f"{args.requests} range requests of {args.range_kb} KiB, {args.concurrency} concurrent, "
            f"{args.files} file(s) of {args.size_mb} MiB, loopback, server and client in separate "
            f"processes, {os.cpu_count()} CPUs"
        )
    )
    for column in ("server", "requests", "req/s", "MB/s", "p50 ms", "p99 ms", "errors"):
        table.add_column(column, justify="right" if column != "server" else "left")
    for result in results:
        table.add_row(*result.row())
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
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
