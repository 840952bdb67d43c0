"""A burst of single commands through redis-py's asyncio client, to compare redis-py versions.

    .venv/bin/python bench/redis_client_burst.py                 # the pinned redis-py (8.1)
    python3.11 -m venv /tmp/r53 && /tmp/r53/bin/pip install redis==5.3.1 rich
    /tmp/r53/bin/python bench/redis_client_burst.py              # the same with redis-py 5.3

Why it needs nothing of reelbot: it must run unchanged in a throwaway venv with another
redis-py. What it does is what N webhook deliveries arriving at once do to the queue: N
concurrent single calls (an ``XADD``, and an ``EVALSHA`` of a small script like the queue's
enqueue) through a :class:`~redis.asyncio.BlockingConnectionPool` as ``queue/connect.py``
opens it. Two figures per case: commands/s (median of rounds; load-dependent) and Python
function calls per command under ``cProfile`` (deterministic: what the client itself costs,
whatever else the machine runs).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import redis
import redis.asyncio as aioredis
from rich.console import Console
from rich.table import Table

SCRIPT = """
local id = redis.call('XADD', KEYS[1], '*', 'job', ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], id)
return id
"""


async def burst(n: int, call: Callable[[int], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(call(i) for i in range(n)))
    return n / (time.perf_counter() - started)


async def case(url: str, name: str, n: int, pool_size: int, rounds: int) -> tuple[str, float, float]:
    pool = aioredis.BlockingConnectionPool.from_url(url, max_connections=pool_size, timeout=30)
    client = aioredis.Redis(connection_pool=pool)
    prefix = f"bench-burst-{uuid.uuid4().hex[:8]}"
    stream, index = f"{prefix}:s", f"{prefix}:i"
    script = client.register_script(SCRIPT)

    async def one(i: int) -> Any:
        if name == "XADD":
            return await client.xadd(stream, {"job": str(i)})
        return await script(keys=[stream, index], args=[f"{uuid.uuid4()}"])

    try:
        await one(0)  # connect, load the script
        rates = [await burst(n, one) for _ in range(rounds)]
        profile = cProfile.Profile()
        profile.enable()
        await burst(n, one)
        profile.disable()
        calls = pstats.Stats(profile).total_calls / n  # type: ignore[attr-defined]
    finally:
        await client.delete(stream, index)
        await client.aclose()
    return name, statistics.median(rates), calls


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("-n", type=int, default=2000, help="commands in one burst")
    parser.add_argument("--pool", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    table = Table(
        title=f"redis-py {redis.__version__}: a burst of {args.n} single commands (median of {args.rounds})"
    )
    for column in ("command", "pool", "commands/s", "Python calls per command"):
        table.add_column(column, justify="right")
    for name in ("XADD", "EVALSHA"):
        for size in args.pool:
            _, rate, calls = await case(args.url, name, args.n, size, args.rounds)
            table.add_row(name, str(size), f"{rate:,.0f}", f"{calls:.0f}")
    Console(width=120).print(table)


if __name__ == "__main__":
    asyncio.run(main())
