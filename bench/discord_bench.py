"""Discord bot benchmark: process memory idle and under 50 concurrent /video, and the time
from interaction dispatch to the deferred response (p50/p99).

Runs ``reelbot discord`` as a real process against the local fake Discord (the same fake
the tests use: REST + gateway over localhost), with real Redis and a SQLite file in a
temporary folder, migrated beforehand (as production runs migrations once). Baseline from
the same run: a bare ``discord.Client`` process that defers every interaction and does
nothing else. No worker runs: this measures the bot side only.

    .venv/bin/python bench/discord_bench.py [--concurrent 50] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reelbot.app.service import ReelbotService  # noqa: E402
from reelbot.domain.settings import Settings  # noqa: E402
from tests.fakes.discord_api import FakeDiscord  # noqa: E402

REELBOT = str(Path(sys.executable).with_name("reelbot"))

BARE_CLIENT = """
import asyncio, os, sys, discord, discord.gateway, discord.http, yarl
discord.http.Route.BASE = os.environ["BENCH_API"]
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["BENCH_GATEWAY"])
client = discord.Client(intents=discord.Intents.none(), guild_ready_timeout=0)

@client.event
async def on_interaction(interaction):
    await interaction.response.defer(ephemeral=True, thinking=True)

client.run(os.environ["BENCH_TOKEN"], log_handler=None)
"""


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


class Sampler:
    """Peak RSS of a process while a block runs."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._task = pid, 0.0, None  # type: ignore[var-annotated]

    async def _run(self) -> None:
        while True:
            self.peak = max(self.peak, rss_mb(self.pid))
            await asyncio.sleep(0.02)

    async def __aenter__(self) -> Sampler:
        self._task = asyncio.create_task(self._run())  # type: ignore[assignment]
        return self

    async def __aexit__(self, *exc: Any) -> None:
        assert self._task is not None
        self._task.cancel()
        self.peak = max(self.peak, rss_mb(self.pid))


async def storm(fake: FakeDiscord, concurrent: int, follow_up: bool) -> tuple[list[float], list[float]]:
    """``concurrent`` /video interactions at once. Returns dispatch → deferred callback and
    (when ``follow_up``) dispatch → the "queued as job X" follow-up, both in ms."""
    payloads = [
        fake.slash("video", {"prompt": f"bench clip {i}: a paper boat"}, user=fake.user(name=f"bench{i}"))
        for i in range(concurrent)
    ]
    sent = await asyncio.gather(*(fake.send_interaction(p) for p in payloads))
    await fake.wait_for(lambda: all(i.callback is not None for i in sent), 120, "all callbacks")
    deferred = [(i.callback.at - i.sent_at) * 1000 for i in sent if i.callback is not None]
    if not follow_up:
        return deferred, []

    def first_follow_ups() -> dict[str, float] | None:
        found: dict[str, float] = {}
        for call in fake.calls:
            if call.method == "POST" and call.path.startswith(f"/webhooks/{fake.app_id}/"):
                found.setdefault(call.path.rsplit("/", 1)[-1], call.at)
        return found if all(i.token in found for i in sent) else None

    found = await fake.wait_for(first_follow_ups, 120, "all follow-ups")
    contents = [
        c.json.get("content", "")
        for c in fake.calls
        if c.method == "POST" and c.path.startswith("/webhooks/")
    ]
    refused = [c for c in contents if "job" not in c.lower()]
    if refused:
        print(f"warning: {len(refused)} requests were refused, e.g. {refused[0]!r}", file=sys.stderr)
    return deferred, [(found[i.token] - i.sent_at) * 1000 for i in sent]


async def measure(
    label: str,
    argv: list[str],
    env: dict[str, str],
    fake: FakeDiscord,
    concurrent: int,
    rounds: int,
    follow_up: bool,
) -> dict[str, Any]:
    fake.disconnect_all()
    proc = await asyncio.create_subprocess_exec(
        *argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=env.get("BENCH_CWD")
    )
    try:
        started = time.monotonic()
        await fake.wait_identified(120)
        ready_s = time.monotonic() - started
        await asyncio.sleep(2.0)
        idle = rss_mb(proc.pid)
        latencies: list[float] = []
        accepted: list[float] = []
        async with Sampler(proc.pid) as sampler:
            for _ in range(rounds):
                deferred, queued = await storm(fake, concurrent, follow_up)
                latencies += deferred
                accepted += queued
        after = rss_mb(proc.pid)
    finally:
        proc.terminate()
        try:
            _, err = await asyncio.wait_for(proc.communicate(), 30)
        except TimeoutError:
            proc.kill()
            err = b""
    if proc.returncode not in (0, -15):
        print(f"{label} exited with {proc.returncode}: {err.decode()[-800:]}", file=sys.stderr)
    return {
        "label": label,
        "ready_s": ready_s,
        "idle": idle,
        "peak": sampler.peak,
        "after": after,
        "n": len(latencies),
        "p50": statistics.median(latencies),
        "p99": pct(latencies, 0.99),
        "max": max(latencies),
        "job_p50": statistics.median(accepted) if accepted else float("nan"),
        "job_p99": pct(accepted, 0.99) if accepted else float("nan"),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--concurrent", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="bursts of --concurrent interactions")
    args = parser.parse_args()

    fake = FakeDiscord(interaction_window_s=3600)  # measure, never refuse, late callbacks
    await fake.start()
    prefix = f"reelbot-bench-{uuid.uuid4().hex[:8]}"
    redis_url = os.environ.get("REELBOT_REDIS_URL", "redis://127.0.0.1:6379/0")
    results = []
    with tempfile.TemporaryDirectory(prefix="reelbot-discord-bench-") as tmp:
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("REELBOT_")}
        base_env.update(
            BENCH_API=fake.api_base, BENCH_GATEWAY=fake.gateway_url, BENCH_TOKEN=fake.token, BENCH_CWD=tmp
        )
        bot_env = {
            **base_env,
            "REELBOT_DATA_DIR": str(Path(tmp) / "data"),
            "REELBOT_MIGRATE_ON_START": "true",  # a fresh database; no `reelbot migrate` job here
            "REELBOT_REDIS_URL": redis_url,
            "REELBOT_REDIS_PREFIX": prefix,
            "REELBOT_LOG_LEVEL": "WARNING",
            "REELBOT_DISCORD_TOKEN": fake.token,
            "REELBOT_DISCORD_API_BASE": fake.api_base,
            "REELBOT_DISCORD_GATEWAY_URL": fake.gateway_url,
            "REELBOT_DISCORD_GUILD_READY_TIMEOUT": "0",
            "REELBOT_DISCORD_HEALTH_PORT": "0",
            "REELBOT_LIMITS__MAX_PENDING_JOBS_PER_USER": "100",
        }
        # Migrate once beforehand, as production does (`reelbot migrate` or a one-shot job;
        # migrate_on_start defaults to off): the bot then only checks the schema's revision
        # and never imports alembic, like a real restart. Same as bench/line_bench.py.
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, data_dir=Path(tmp) / "data", redis_url=redis_url, redis_prefix=prefix
        )
        service = await ReelbotService.open(settings)
        await service.close()
        try:
            results.append(
                await measure(
                    "bare discord.Client (defer only)",
                    [sys.executable, "-c", BARE_CLIENT],
                    base_env,
                    fake,
                    args.concurrent,
                    args.rounds,
                    follow_up=False,
                )
            )
            results.append(
                await measure(
                    "reelbot discord (/video → job)",
                    [REELBOT, "discord"],
                    bot_env,
                    fake,
                    args.concurrent,
                    args.rounds,
                    follow_up=True,
                )
            )
        finally:
            client = aioredis.from_url(redis_url)
            async for key in client.scan_iter(match=f"{prefix}*", count=1000):
                await client.delete(key)
            await client.aclose()
            await fake.stop()

    print(
        f"\nDiscord bot benchmark — {args.rounds} bursts × {args.concurrent} concurrent /video "
        f"(CPU: {os.cpu_count()} cores; fake Discord on localhost)"
    )
    header = (
        f"{'process':34} {'ready s':>8} {'RSS idle MB':>12} {'RSS peak MB':>12} {'RSS after MB':>13} "
        f"{'n':>5} {'defer p50 ms':>13} {'defer p99 ms':>13} {'max ms':>8} "
        f"{'job p50 ms':>11} {'job p99 ms':>11}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['label']:34} {r['ready_s']:8.2f} {r['idle']:12.1f} {r['peak']:12.1f} {r['after']:13.1f} "
            f"{r['n']:5d} {r['p50']:13.2f} {r['p99']:13.2f} {r['max']:8.2f} "
            f"{r['job_p50']:11.1f} {r['job_p99']:11.1f}"
        )
    print("defer = INTERACTION_CREATE sent → deferred callback received; job = → 'queued as job X' follow-up")


if __name__ == "__main__":
    asyncio.run(main())
