"""End-to-end benchmark: request → clip posted, per stage, with the tiny preset on this machine.

    .venv/bin/python bench/e2e_bench.py                 # 1 warm-up + 5 measured clips
    .venv/bin/python bench/e2e_bench.py -n 10 --json out/e2e.json

The real path, in one process: ``ReelbotService.submit`` (validation, database, Redis
Streams enqueue) → the real ``Worker`` (claim, load the preset once, denoise, VAE decode,
H.264 encode, media store, database) → the DONE event on the durable events stream → a
"bot" that reads it, looks the clip up and uploads the mp4 as multipart to a local fake
chat API (what the Discord follow-up does). Stage times inside the worker come from the
``timings`` the worker puts on its DONE event; the rest are measured here.

Stages: submit · queue wait · load · denoise · decode · encode · store · notify (event
published → read by the bot) · deliver (clip lookup + upload). ``load`` is ~0 after the
warm-up clip (the pipeline stays warm), which is the steady state a worker lives in.
Needs Redis (127.0.0.1:6379 or --redis-url). Prints a waterfall; nothing passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import redis.asyncio as aioredis
from aiohttp import web
from rich.console import Console
from rich.table import Table

from reelbot.domain.events import EventKind
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, Origin, Platform

console = Console(width=150)
WORKER_STAGES = ("queue_wait", "load", "denoise", "decode", "encode", "store")
STAGES = ("submit", *WORKER_STAGES, "notify", "deliver")
PROMPTS = (
    "a red paper boat drifting on a calm lake at sunset",
    "city lights seen from a night train window, rain on the glass",
    "a cat stretching on a sunny windowsill, slow motion",
    "waves crashing on black volcanic sand, drone shot",
    "hot air balloons rising over a misty valley at dawn",
)


async def start_fake_chat() -> tuple[web.AppRunner, str, list[int]]:
    """A local stand-in for a chat API's upload endpoint (multipart, like a Discord follow-up)."""
    received: list[int] = []

    async def upload(request: web.Request) -> web.Response:
        size = 0
        async for part in await request.multipart():  # type: ignore[union-attr]
            size += len(await part.read())  # type: ignore[union-attr]
        received.append(size)
        return web.json_response({"id": str(len(received)), "attachments": [{"size": size}]})

    app = web.Application(client_max_size=64 * 2**20)
    app.router.add_post("/api/v10/webhooks/{app}/{token}", upload)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}/api/v10/webhooks/bench/token", received


async def one_clip(
    service: Any, events: Any, http: aiohttp.ClientSession, chat_url: str, i: int
) -> tuple[dict[str, float], Any]:
    origin = Origin(platform=Platform.CLI, user_id=f"bench-{i}", channel_id="bench")
    request = GenerationRequest(prompt=PROMPTS[i % len(PROMPTS)], seed=1000 + i, origin=origin)
    t0 = time.perf_counter()
    ticket = await service.submit(request, idempotency_key=f"e2e-bench:{uuid.uuid4()}")
    t_submit = time.perf_counter()
    done = None
    while done is None:
        for entry_id, event in await events.read("bench", "bench-bot", count=20, block_ms=1000):
            await events.ack("bench", entry_id)
            if event.job_id != ticket.job_id:
                continue
            if event.kind is EventKind.FAILED:
                raise RuntimeError(f"job failed: {event.error_key} {event.error_detail}")
            if event.kind is EventKind.DONE:
                done = event
        if time.perf_counter() - t0 > 600:
            raise TimeoutError("no DONE event within 10 minutes")
    t_event = time.perf_counter()
    clip = await service.clip(done.clip_id)
    data = await asyncio.to_thread(service.media.path(clip.video_key).read_bytes)
    form = aiohttp.FormData()
    form.add_field(
        "payload_json", json.dumps({"content": "here is your clip"}), content_type="application/json"
    )
    form.add_field("files[0]", data, filename="clip.mp4", content_type="video/mp4")
    async with http.post(chat_url, data=form) as response:
        response.raise_for_status()
        await response.read()
    t_delivered = time.perf_counter()

    worker = {name: float((done.timings or {}).get(name, 0.0)) for name in WORKER_STAGES}
    stages = {"submit": t_submit - t0, **worker}
    inside = sum(worker.values())
    stages["notify"] = max(0.0, (t_event - t_submit) - inside)
    stages["deliver"] = t_delivered - t_event
    stages["total"] = t_delivered - t0
    return stages, clip


def waterfall(rows: list[dict[str, float]], clip: Any, width: int = 60) -> None:
    medians = {stage: statistics.median(r[stage] for r in rows) for stage in STAGES}
    total = statistics.median(r["total"] for r in rows)
    scale = width / max(sum(medians.values()), 1e-9)
    table = Table(
        title=(
            f"tiny preset, {clip.width}×{clip.height} × {clip.num_frames} frames @ {clip.fps} fps, "
            f"median of {len(rows)} clips (after 1 warm-up)"
        )
    )
    for column, justify in (
        ("stage", "left"),
        ("median s", "right"),
        ("p max s", "right"),
        ("share", "right"),
        ("waterfall", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    offset = 0.0
    for stage in STAGES:
        value = medians[stage]
        start = round(offset * scale)
        length = max(1, round(value * scale)) if value > 0 else 0
        bar = " " * start + "█" * length
        table.add_row(
            stage, f"{value:.3f}", f"{max(r[stage] for r in rows):.3f}", f"{value / total:.0%}", bar
        )
        offset += value
    table.add_row(
        "total (request → posted)", f"{total:.3f}", f"{max(r['total'] for r in rows):.3f}", "100%", ""
    )
    console.print(table)


async def main_async(args: argparse.Namespace) -> None:
    from reelbot.app.service import ReelbotService
    from reelbot.cli.wiring import worker_for

    prefix = f"bench-e2e-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="reelbot-e2e-") as tmp:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            data_dir=Path(tmp) / "data",
            redis_url=args.redis_url,
            redis_prefix=prefix,
            preset="tiny",
            device="cpu",
            media_secret="bench-secret-0123456789abcdef",  # type: ignore[arg-type]
        )
        service = await ReelbotService.open(settings)
        runner, chat_url, received = await start_fake_chat()
        worker = worker_for(service, name="bench-worker")
        worker_task = asyncio.create_task(worker.run())
        events = service.events(Platform.CLI)
        await events.ensure_group("bench")
        rows: list[dict[str, float]] = []
        clip = None
        try:
            async with aiohttp.ClientSession() as http:
                for i in range(args.n + 1):
                    stages, clip = await one_clip(service, events, http, chat_url, i)
                    label = "warm-up" if i == 0 else f"clip {i}"
                    console.log(f"{label}: {stages['total']:.2f} s (load {stages['load']:.2f} s)")
                    if i > 0:
                        rows.append(stages)
        finally:
            worker.stop()
            await asyncio.wait_for(worker_task, timeout=60)
            await runner.cleanup()
            await service.close()
            redis = aioredis.from_url(args.redis_url)
            async for key in redis.scan_iter(match=f"{prefix}*", count=1000):
                await redis.delete(key)
            await redis.aclose()
        assert len(received) == args.n + 1 and clip is not None
        waterfall(rows, clip)
        if args.json:
            render = [sum(r[s] for s in ("load", "denoise", "decode", "encode", "store")) for r in rows]
            payload = {
                "clip": f"{clip.width}x{clip.height}x{clip.num_frames}@{clip.fps}",
                "n": len(rows),
                "stages_median_s": {s: statistics.median(r[s] for r in rows) for s in (*STAGES, "total")},
                "render_median_s": statistics.median(render),
                "rows": rows,
            }
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(payload, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5, help="measured clips (after one warm-up)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--json", type=Path)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
