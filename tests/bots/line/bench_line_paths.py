"""Benchmark (not collected by default: the name does not start with ``test_``): webhook → reply
latency of the LINE paths, through the same harness as the tests (TLS webhook, real service,
real face detection, fake Messaging API). Prints figures; asserts only that each path worked.

    .venv/bin/pytest tests/bots/line/bench_line_paths.py -q -s

Baselines from the same run: ``help`` (no service call) and a plain ``prompt`` (submit).
"""

from __future__ import annotations

import statistics
import time
from importlib import resources
from typing import Any

from tests.bots.line.conftest import Harness, image_event, last_reply, postback_event, text_event
from tests.fakes.line_api import Content

ROUNDS = 30


async def test_bench_line_paths(harness: Harness) -> None:
    harness.bot.config.user_jobs_per_hour = 10**6
    samples = resources.files("skimage") / "data"
    face, no_face = (samples / "astronaut.png").read_bytes(), (samples / "coffee.png").read_bytes()
    names = ("help", "prompt", "no-face photo + prompt", "face photo + prompt", "consent tap", "用量", "取消")
    results: dict[str, list[float]] = {name: [] for name in names}

    async def timed(name: str, *events: dict[str, Any]) -> None:
        start = time.perf_counter()
        await harness.send(*events)
        results[name].append((time.perf_counter() - start) * 1000)

    for i in range(ROUNDS):
        user = f"Ubench{i:04d}"  # a fresh user per round: no pending cap, no quota in the way
        await timed("help", text_event("說明", user=user))
        await timed("prompt", text_event("一隻貓", user=user))
        harness.fake.contents[f"n{i}"] = Content(no_face, "image/png")
        await harness.send(image_event(f"n{i}", user=user))
        await timed("no-face photo + prompt", text_event("讓它動", user=user))
        harness.fake.contents[f"f{i}"] = Content(face, "image/png")
        await harness.send(image_event(f"f{i}", user=user))
        await timed("face photo + prompt", text_event("讓他揮手", user=user))
        data = last_reply(harness)["quickReply"]["items"][0]["action"]["data"]
        assert data.startswith("consent:")
        await timed("consent tap", postback_event(data, user=user))
        await timed("用量", text_event("用量", user=user))
        await timed("取消", text_event("取消", user=user))
        assert last_reply(harness)["text"].startswith("已取消工作")
    lines = [f"{'path':24s} {'median ms':>10s} {'p90 ms':>8s}"]
    for name, values in results.items():
        values.sort()
        p90 = values[max(0, int(0.9 * len(values)) - 1)]
        lines.append(f"{name:24s} {statistics.median(values):10.1f} {p90:8.1f}")
    print("\n" + "\n".join(lines))
