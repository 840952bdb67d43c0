"""Queue benchmark (issue 7, item 1): enqueue → claim → ack of no-op jobs.

Compares, on the same Redis in the same run:

* ``reelbot``  — :class:`reelbot.queue.streams.JobQueue` (idempotent, capped enqueue via Lua,
  pipelined; batched claim with reclaim + dead-letter check; ack = XACK+XDEL+index clean-up
  in one MULTI, sent only after the "work" finished),
* ``bare``     — a bare XADD / XREADGROUP / XACK loop with redis-py (the floor Redis sets),
* ``arq`` and ``saq`` — the same no-op job through their own workers, run in-process.

Two phases per system:

1. *throughput*: N jobs enqueued as fast as the system allows while its consumers drain
   them concurrently; jobs/s = N / (first enqueue → last ack).
2. *overhead*: L jobs one at a time on an idle queue (enqueue, wait until acknowledged /
   recorded complete, next); p50/p99 of enqueue → ack. This is the per-job cost the queue
   adds, free of queueing delay.

Run: ``.venv/bin/python bench/queue_bench.py --jobs 20000``
(arq and saq come from the ``bench`` extra; they are skipped with a note if missing).
Every key lives under a unique prefix and is deleted afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import platform
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from rich.console import Console
from rich.table import Table

from reelbot.queue.keys import Keys, Lane
from reelbot.queue.records import EnqueueItem
from reelbot.queue.settings import QueueSettings
from reelbot.queue.streams import JobQueue

ENQUEUE_BATCH = 500
#: arq/saq enqueue one job per call; this many calls run concurrently (redis-py's pool
#: refuses more than max_connections at once instead of waiting).
PEER_ENQUEUE_CONCURRENCY = 100
PEER_MAX_CONNECTIONS = 1000


@dataclass
class Result:
    name: str
    jobs: int
    seconds: float
    latencies_ms: list[float]
    note: str = ""

    @property
    def rate(self) -> float:
        return self.jobs / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


# ---------------------------------------------------------------------------------------------
# reelbot


async def reelbot_throughput(
    redis: aioredis.Redis, prefix: str, jobs: int, consumers: int, batch: int
) -> float:
    q = JobQueue(redis, Keys(prefix), QueueSettings())
    await q.ensure_groups()
    done = 0
    finished = asyncio.Event()

    async def produce() -> None:
        for start in range(0, jobs, ENQUEUE_BATCH):
            items = [
                EnqueueItem(uuid.uuid4(), f"bench-{i}", f"user-{i % 1000}", Lane.FAST)
                for i in range(start, min(start + ENQUEUE_BATCH, jobs))
            ]
            await q.enqueue_many(items, max_pending=jobs)

    async def consume(name: str) -> None:
        nonlocal done
        worker = JobQueue(redis, Keys(prefix), QueueSettings())
        while not finished.is_set():
            claimed = await worker.claim(name, count=batch, block_ms=20)
            if not claimed.deliveries:
                continue
            # no-op "work", then acknowledge: the result would be stored here first
            await worker.ack(*claimed.deliveries)
            done += len(claimed.deliveries)
            if done >= jobs:
                finished.set()

    t0 = time.perf_counter()
    await asyncio.gather(produce(), *(consume(f"c{i}") for i in range(consumers)))
    return time.perf_counter() - t0


async def reelbot_latency(redis: aioredis.Redis, prefix: str, jobs: int) -> list[float]:
    q = JobQueue(redis, Keys(prefix), QueueSettings())
    await q.ensure_groups()
    sent: dict[uuid.UUID, float] = {}
    latencies: list[float] = []
    acked = asyncio.Event()
    stop = asyncio.Event()

    async def consume() -> None:
        worker = JobQueue(redis, Keys(prefix), QueueSettings())
        while not stop.is_set():
            claimed = await worker.claim("lat", count=10, block_ms=100)
            if claimed.deliveries:
                await worker.ack(*claimed.deliveries)
                now = time.perf_counter()
                for d in claimed.deliveries:
                    latencies.append((now - sent[d.job_id]) * 1000)
                acked.set()

    consumer = asyncio.create_task(consume())
    await asyncio.sleep(0.05)  # let the consumer block first
    for i in range(jobs):
        job = uuid.uuid4()
        acked.clear()
        sent[job] = time.perf_counter()
        await q.enqueue(job, idempotency_key=f"lat-{i}", user_key="lat-user", max_pending=10)
        await acked.wait()
    stop.set()
    await consumer
    return latencies


# ---------------------------------------------------------------------------------------------
# bare XADD / XREADGROUP / XACK


async def bare_throughput(redis: aioredis.Redis, prefix: str, jobs: int, consumers: int, batch: int) -> float:
    stream, group = f"{prefix}:bare", "g"
    await redis.xgroup_create(stream, group, id="0", mkstream=True)
    done = 0
    finished = asyncio.Event()

    async def produce() -> None:
        for start in range(0, jobs, ENQUEUE_BATCH):
            pipe = redis.pipeline(transaction=False)
            for i in range(start, min(start + ENQUEUE_BATCH, jobs)):
                pipe.xadd(stream, {"job": str(i)})
            await pipe.execute()

    async def consume(name: str) -> None:
        nonlocal done
        while not finished.is_set():
            reply = await redis.xreadgroup(group, name, {stream: ">"}, count=batch, block=20)
            if not reply:
                continue
            ids = [mid for mid, _ in reply[0][1]]
            await redis.xack(stream, group, *ids)
            done += len(ids)
            if done >= jobs:
                finished.set()

    t0 = time.perf_counter()
    await asyncio.gather(produce(), *(consume(f"c{i}") for i in range(consumers)))
    return time.perf_counter() - t0


async def bare_latency(redis: aioredis.Redis, prefix: str, jobs: int) -> list[float]:
    stream, group = f"{prefix}:bare-lat", "g"
    await redis.xgroup_create(stream, group, id="0", mkstream=True)
    latencies: list[float] = []
    sent: dict[str, float] = {}
    acked = asyncio.Event()
    stop = asyncio.Event()

    async def consume() -> None:
        while not stop.is_set():
            reply = await redis.xreadgroup(group, "lat", {stream: ">"}, count=10, block=100)
            if reply:
                entries = reply[0][1]
                await redis.xack(stream, group, *(mid for mid, _ in entries))
                now = time.perf_counter()
                for _mid, fields in entries:
                    latencies.append((now - sent[fields[b"job"].decode()]) * 1000)
                acked.set()

    consumer = asyncio.create_task(consume())
    await asyncio.sleep(0.05)
    for i in range(jobs):
        acked.clear()
        sent[str(i)] = time.perf_counter()
        await redis.xadd(stream, {"job": str(i)})
        await acked.wait()
    stop.set()
    await consumer
    return latencies


# ---------------------------------------------------------------------------------------------
# arq


async def arq_run(
    url: str, prefix: str, jobs: int, latency_jobs: int, max_jobs: int
) -> tuple[float, list[float]]:
    from arq import create_pool
    from arq.connections import RedisSettings
    from arq.worker import Worker, func

    queue_name = f"{prefix}:arq"
    settings = RedisSettings.from_dsn(url)
    settings.max_connections = PEER_MAX_CONNECTIONS
    pool = await create_pool(settings, default_queue_name=queue_name)
    sent: dict[str, float] = {}
    latencies: list[float] = []
    target = 0
    completed = 0
    all_done = asyncio.Event()
    one_done = asyncio.Event()
    measuring = False

    async def noop(ctx: dict[str, Any]) -> None:
        return None

    async def after_job_end(ctx: dict[str, Any]) -> None:  # after the result was recorded
        nonlocal completed
        if measuring:
            latencies.append((time.perf_counter() - sent[ctx["job_id"]]) * 1000)
            one_done.set()
        completed += 1
        if completed >= target:
            all_done.set()

    worker = Worker(
        functions=[func(noop, name="noop")],
        redis_pool=pool,
        queue_name=queue_name,
        max_jobs=max_jobs,
        poll_delay=0.005,  # default 0.5 s would dominate the latency phase
        keep_result=0,
        handle_signals=False,
        after_job_end=after_job_end,
    )
    task = asyncio.create_task(worker.async_run())
    try:
        target = jobs
        t0 = time.perf_counter()
        for start in range(0, jobs, PEER_ENQUEUE_CONCURRENCY):
            await asyncio.gather(
                *(
                    pool.enqueue_job("noop", _job_id=f"{prefix}-t{i}")
                    for i in range(start, min(start + PEER_ENQUEUE_CONCURRENCY, jobs))
                )
            )
        await all_done.wait()
        seconds = time.perf_counter() - t0
        measuring = True
        for i in range(latency_jobs):
            one_done.clear()
            job_id = f"{prefix}-l{i}"
            sent[job_id] = time.perf_counter()
            await pool.enqueue_job("noop", _job_id=job_id)
            await one_done.wait()
    finally:
        await worker.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await pool.aclose()
    return seconds, latencies


# ---------------------------------------------------------------------------------------------
# saq


async def saq_run(
    url: str, prefix: str, jobs: int, latency_jobs: int, concurrency: int
) -> tuple[float, list[float]]:
    from saq import Worker
    from saq.queue.redis import RedisQueue

    queue = RedisQueue(aioredis.from_url(url, max_connections=PEER_MAX_CONNECTIONS), name=f"{prefix}-saq")
    await queue.connect()
    sent: dict[str, float] = {}
    latencies: list[float] = []
    target = jobs
    completed = 0
    all_done = asyncio.Event()
    one_done = asyncio.Event()
    measuring = False

    async def noop(ctx: dict[str, Any]) -> None:
        return None

    async def after_process(ctx: dict[str, Any]) -> None:  # after job.finish() stored the result
        nonlocal completed
        if measuring:
            latencies.append((time.perf_counter() - sent[ctx["job"].key]) * 1000)
            one_done.set()
        completed += 1
        if completed >= target:
            all_done.set()

    worker = Worker(queue, functions=[("noop", noop)], concurrency=concurrency, after_process=after_process)
    task = asyncio.create_task(worker.start())
    try:
        t0 = time.perf_counter()
        for start in range(0, jobs, PEER_ENQUEUE_CONCURRENCY):
            end = min(start + PEER_ENQUEUE_CONCURRENCY, jobs)
            await asyncio.gather(*(queue.enqueue("noop", key=f"t{i}") for i in range(start, end)))
        await all_done.wait()
        seconds = time.perf_counter() - t0
        measuring = True
        for i in range(latency_jobs):
            one_done.clear()
            key = f"l{i}"
            sent[key] = time.perf_counter()
            await queue.enqueue("noop", key=key)
            await one_done.wait()
    finally:
        await worker.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await queue.disconnect()
    return seconds, latencies


# ---------------------------------------------------------------------------------------------


async def cleanup(redis: aioredis.Redis, prefix: str) -> int:
    removed = 0
    async for key in redis.scan_iter(match=f"*{prefix}*", count=1000):
        removed += await redis.delete(key)
    return removed


async def attempt(name: str, fn: Callable[[], Awaitable[Result]], console: Console) -> Result:
    console.log(f"running {name} …")
    try:
        return await fn()
    except ImportError as exc:
        return Result(name, 0, 0.0, [], note=f"not installed ({exc.name}); pip install -e '.[bench]'")


def merge(rounds: list[Result]) -> Result:
    """Best round's rate (the machine is shared: slower rounds measure the neighbours), all
    rounds' latencies pooled (so p99 keeps every hiccup)."""
    best = min(rounds, key=lambda r: r.seconds if r.jobs else float("inf"))
    rates = ", ".join(f"{r.rate:,.0f}" for r in rounds if r.jobs)
    note = "; ".join(filter(None, [best.note, f"rounds jobs/s: {rates}" if len(rounds) > 1 else ""]))
    return Result(best.name, best.jobs, best.seconds, [x for r in rounds for x in r.latencies_ms], note)


async def main(args: argparse.Namespace) -> None:
    console = Console(width=200)
    prefix = f"bench-{uuid.uuid4().hex[:10]}"
    redis = aioredis.from_url(args.redis_url, decode_responses=False)
    info = await redis.info("server")
    peer_jobs = min(args.jobs, args.peer_jobs)
    load_before = os.getloadavg()[0]
    rounds: dict[str, list[Result]] = {}
    try:
        for n in range(args.rounds):
            p = f"{prefix}-r{n}"

            async def run_bare(p: str = p) -> Result:
                seconds = await bare_throughput(redis, p, args.jobs, args.consumers, args.batch)
                latencies = await bare_latency(redis, p, args.latency_jobs)
                return Result("bare XADD/XREADGROUP/XACK", args.jobs, seconds, latencies)

            async def run_reelbot(p: str = p) -> Result:
                seconds = await reelbot_throughput(redis, f"{p}-rb", args.jobs, args.consumers, args.batch)
                latencies = await reelbot_latency(redis, f"{p}-rbl", args.latency_jobs)
                return Result("reelbot JobQueue", args.jobs, seconds, latencies)

            async def run_arq(p: str = p) -> Result:
                seconds, lat = await arq_run(
                    args.redis_url, p, peer_jobs, args.latency_jobs, args.peer_concurrency
                )
                return Result("arq", peer_jobs, seconds, lat, note="poll_delay=5 ms, keep_result=0")

            async def run_saq(p: str = p) -> Result:
                seconds, lat = await saq_run(
                    args.redis_url, p, peer_jobs, args.latency_jobs, args.peer_concurrency
                )
                return Result("saq", peer_jobs, seconds, lat)

            systems = [("bare", run_bare), ("reelbot", run_reelbot)]
            if not args.skip_peers:
                systems += [("arq", run_arq), ("saq", run_saq)]
            for name, fn in systems:
                rounds.setdefault(name, []).append(await attempt(f"{name} (round {n + 1})", fn, console))
            await cleanup(redis, p)
    finally:
        removed = await cleanup(redis, prefix)
        await redis.aclose()
        console.log(f"removed {removed} leftover benchmark keys")
    results = [merge(rs) for rs in rounds.values()]

    bare = next((r for r in results if r.name.startswith("bare")), None)
    peers = [r.rate for r in results if r.name in ("arq", "saq") and r.jobs]
    table = Table(
        title=(
            f"queue: enqueue → claim → ack of no-op jobs · Redis {info.get('redis_version')} · "
            f"{platform.machine()} × {os.cpu_count()} cpus "
            f"(load {load_before:.1f} → {os.getloadavg()[0]:.1f}) · "
            f"{args.consumers} consumers, claim batch {args.batch} · best of {args.rounds} rounds"
        )
    )
    for col in (
        "system",
        "jobs",
        "seconds",
        "jobs/s",
        "vs bare",
        "vs best peer",
        f"overhead p50 ms (n={args.latency_jobs})",
        "p99 ms",
        "note",
    ):
        table.add_column(col, justify="left" if col in ("system", "note") else "right")
    for r in results:
        table.add_row(
            r.name,
            str(r.jobs),
            f"{r.seconds:.2f}",
            f"{r.rate:,.0f}",
            f"{r.rate / bare.rate:.0%}" if bare and bare.rate and r.jobs else "",
            f"{r.rate / max(peers):.1f}×" if peers and r.jobs else "",
            f"{r.pct(50):.3f}",
            f"{r.pct(99):.3f}",
            r.note,
        )
    console.print(table)
    same_round = [
        f"{r.rate / b.rate:.0%}"
        for r, b in zip(rounds.get("reelbot", []), rounds.get("bare", []), strict=False)
        if b.rate and r.jobs
    ]
    if same_round:
        console.print(f"reelbot vs bare within each round: {', '.join(same_round)}")
    if results and any(r.latencies_ms for r in results):
        console.print(
            "overhead = one job at a time on an idle queue, enqueue call → acknowledged "
            "(arq/saq: their after-job hook, which runs after the result is recorded); "
            f"median of all: {statistics.median(x for r in results for x in r.latencies_ms):.3f} ms"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--jobs", type=int, default=20000, help="jobs for reelbot and the bare loop")
    parser.add_argument("--peer-jobs", type=int, default=5000, help="jobs for arq and saq (they are slower)")
    parser.add_argument("--latency-jobs", type=int, default=1000, help="one-at-a-time jobs for p50/p99")
    parser.add_argument("--consumers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=100, help="claim count per call")
    parser.add_argument("--peer-concurrency", type=int, default=50, help="arq max_jobs / saq concurrency")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the best rate is shown")
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument(
        "--redis-url", default=os.environ.get("REELBOT_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    return parser.parse_args()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(parse_args()))
