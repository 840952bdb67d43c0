"""Gallery page render time for a 500-clip gallery, beside a bare aiohttp handler.

One person owns ``--clips`` clips (rows made with the real repositories, ``create_job`` then
``mark_done``, in the service's SQLite database; no media files are needed: a page only signs
their keys). Three servers run on loopback in this process:

* **bare** — an aiohttp handler returning the bytes of the gallery page, captured once;
* **gallery (page 1)** — ``GET /g/<token>``: link check, two queries (page + count), preset
  list, 24 cards with signed URLs, Jinja2 render — what a visitor gets;
* **gallery (all on one page)** — the same with every clip on one page (the worst case).

Each round sends ``--requests`` sequential GETs to each server (interleaved); latency is
taken at the client. Printed: p50/p99 per server, the median over ``--rounds`` rounds, and the
server-side cost (gallery − bare, same bytes on the wire).

    .venv/bin/python bench/web_bench.py --clips 500 --requests 200 --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from reelbot.app.gallery import Gallery
from reelbot.app.service import ReelbotService
from reelbot.bots.media_server import create_media_app
from reelbot.bots.web.routes import RateLimiter
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, Origin, Platform, SpeedMode
from reelbot.storage import jobs as job_repo
from reelbot.storage.db import session_scope


def insert_clips(service: ReelbotService, count: int) -> None:
    origin = Origin(
        platform=Platform.DISCORD, user_id="bench-user", guild_id="g", channel_id="c", message_id="1"
    )
    with session_scope(service.db) as session:
        for i in range(count):
            speed = [SpeedMode.QUALITY, SpeedMode.DRAFT, None][i % 3]
            request = GenerationRequest(
                prompt=f"第 {i} 支：台北夜市的霓虹燈 <b>&</b> 🎬", origin=origin, speed=speed
            )
            job = job_repo.create_job(
                session=session,
                request=request,
                idempotency_key=f"bench-{i}-{uuid.uuid4()}",
                preset=["tiny", "tiny-ltx"][i % 2],
                seed=i,
            )
            clip_id = uuid.uuid4()
            job_repo.mark_done(
                session=session,
                job_id=job.id,
                video_key=f"clips/{clip_id}.mp4",
                thumbnail_key=f"thumbs/{clip_id}.jpg",
                size_bytes=1000,
                width=144,
                height=256,
                fps=8,
                num_frames=24,
                duration_s=3.0,
                clip_id=clip_id,
            )


async def start(app: web.Application) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


async def timed(session: aiohttp.ClientSession, url: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        async with session.get(url) as response:
            await response.read()
            assert response.status == 200, response.status
        out.append((time.perf_counter() - t0) * 1000)
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            data_dir=Path(tmp) / "data",
            redis_prefix=f"web-bench-{uuid.uuid4().hex[:8]}",
            media_secret="bench-secret-0123456789abcdef",  # type: ignore[arg-type]
        )
        service = await ReelbotService.open(settings)
        try:
            await asyncio.to_thread(insert_clips, service, args.clips)
            results = await run_servers(service, args)
        finally:
            await service.close()
    print(f"{args.clips}-clip gallery, {args.requests} sequential GETs x {args.rounds} rounds (median round)")
    print(f"{'server':34} {'bytes':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for name, (size, p50, p99) in results.items():
        print(f"{name:34} {size:>8} {p50:>8.2f} {p99:>8.2f}")


async def run_servers(
    service: ReelbotService, args: argparse.Namespace
) -> dict[str, tuple[int, float, float]]:
    limiter = RateLimiter(limit=10**9)
    pages = -(-args.clips // 24)
    cases = [
        ("page1", f"reelbot gallery, page 1/{pages} (24)", 24),
        ("all", f"reelbot gallery, all {args.clips} cards", args.clips),
    ]
    servers: dict[str, tuple[web.AppRunner, str]] = {}
    bodies: dict[str, bytes] = {}
    async with aiohttp.ClientSession() as session:
        for key, name, per_page in cases:
            gallery = Gallery(service, per_page=per_page)
            app = create_media_app(service.media, service.clip, gallery=gallery, limiter=limiter)
            runner, port = await start(app)
            service.media.base_url = f"http://127.0.0.1:{port}"
            link = await gallery.link_for_user(Platform.DISCORD, "bench-user")
            async with session.get(link) as response:
                body = await response.read()
            bare = web.Application()

            async def handler(_request: web.Request, body: bytes = body) -> web.Response:
                return web.Response(body=body, content_type="text/html", charset="utf-8")

            bare.router.add_get("/", handler)
            bare_runner, bare_port = await start(bare)
            servers[name] = (runner, link)
            servers[f"bare aiohttp, same bytes ({key})"] = (bare_runner, f"http://127.0.0.1:{bare_port}/")
            bodies[name] = bodies[f"bare aiohttp, same bytes ({key})"] = body
        rounds: dict[str, list[tuple[float, float]]] = {name: [] for name in servers}
        for _ in range(args.rounds):
            for name, (_, url) in servers.items():
                latencies = await timed(session, url, args.requests)
                rounds[name].append((pct(latencies, 0.5), pct(latencies, 0.99)))
    for runner, _ in servers.values():
        await runner.cleanup()
    return {
        name: (
            len(bodies[name]),
            statistics.median(p50 for p50, _ in rounds[name]),
            statistics.median(p99 for _, p99 in rounds[name]),
        )
        for name in servers
    }


def parse() -> Any:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clips", type=int, default=500)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
