"""The queue benchmark still runs (tiny sizes, reelbot and the bare loop, no figures checked)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import redis.asyncio as aioredis

from reelbot.queue.keys import Keys
from reelbot.queue.settings import QueueSettings
from reelbot.queue.streams import JobQueue

BENCH = Path(__file__).resolve().parents[2] / "bench" / "queue_bench.py"


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("reelbot_queue_bench", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


async def test_bench_drains_every_job_and_cleans_up(redis_client: aioredis.Redis, key_prefix: str) -> None:
    bench = load_bench()
    assert await bench.reelbot_throughput(redis_client, f"{key_prefix}-rb", 300, 2, 50) > 0
    assert await bench.bare_throughput(redis_client, key_prefix, 300, 2, 50) > 0
    latencies = await bench.reelbot_latency(redis_client, f"{key_prefix}-lat", 20)
    assert len(latencies) == 20 and all(x > 0 for x in latencies)
    # Every job was acknowledged: nothing waits or is pending in reelbot's lanes.
    depth = await JobQueue(redis_client, Keys(f"{key_prefix}-rb"), QueueSettings()).depth()
    assert all(lane["waiting"] == 0 and lane["pending"] == 0 for lane in depth.values())
    assert await bench.cleanup(redis_client, key_prefix) > 0
    assert [k async for k in redis_client.scan_iter(match=f"*{key_prefix}*")] == []
