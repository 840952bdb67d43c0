"""A minimal worker loop used by test_lifecycle.py: the shutdown contract in ~40 lines.

Run as a subprocess: ``python shutdown_worker.py REDIS_URL STREAM GROUP DONE_KEY JOB_SECONDS``.
It claims one entry at a time, "renders" for JOB_SECONDS, records the id in DONE_KEY and
only then acks — exactly the order generator/worker.py follows.
"""

from __future__ import annotations

import asyncio
import sys

import redis.asyncio as aioredis

from reelbot.ops.lifecycle import install_shutdown_handlers


async def main(url: str, stream: str, group: str, done_key: str, job_seconds: float) -> int:
    stop = asyncio.Event()
    install_shutdown_handlers(stop)
    client = aioredis.from_url(url)
    try:
        while not stop.is_set():
            reply = await client.xreadgroup(group, "w-under-test", {stream: ">"}, count=1, block=100)
            if not reply:
                continue
            entry_id = reply[0][1][0][0].decode()
            print(f"claimed {entry_id}", flush=True)
            await asyncio.sleep(job_seconds)  # the render; a second signal cancels it here
            await client.sadd(done_key, entry_id)
            await client.xack(stream, group, entry_id)
            print(f"acked {entry_id}", flush=True)
        print("stopped", flush=True)
        return 0
    finally:
        await client.aclose()


if __name__ == "__main__":
    url, stream, group, done_key, seconds = sys.argv[1:6]
    try:
        sys.exit(asyncio.run(main(url, stream, group, done_key, float(seconds))))
    except asyncio.CancelledError:
        print("cancelled", flush=True)
        sys.exit(130)
