"""Benchmark (not collected by default: the name does not start with ``test_``): webhook → reply
latency of a prompt with every creator control and of a typed storyboard (3 shots queued as
jobs), beside a plain prompt and 分鏡進度, through the same harness as the tests (TLS webhook,
real service, fake Messaging API); and the pure parser on a 60-shot board. Prints figures;
asserts only that each path worked.

    .venv/bin/pytest tests/bots/line/bench_line_boards.py -q -s
"""

from __future__ import annotations

import statistics
import time

from reelbot.bots.line.storyboard_syntax import parse_board
from tests.bots.line.conftest import Harness, last_reply, text_event

ROUNDS = 20
BOARD = "\n".join(
    [
        "分鏡 夜市的一晚 比例:9:16 種子:7",
        "1. 女孩走進雨中的夜市 1秒",
        "2. 她買了珍珠奶茶 鏡頭:推近 1秒",
        "- 她微笑 | 1s",
    ]
)


async def test_bench_line_boards(harness: Harness) -> None:
    harness.bot.config.user_jobs_per_hour = 10**6
    names = ("prompt", "prompt + every control", "storyboard (3 shots)", "分鏡進度")
    results: dict[str, list[float]] = {name: [] for name in names}

    async def timed(name: str, text: str, user: str, expect: str) -> None:
        start = time.perf_counter()
        await harness.send(text_event(text, user=user))
        results[name].append((time.perf_counter() - start) * 1000)
        assert last_reply(harness)["text"].startswith(expect), last_reply(harness)["text"]

    for i in range(ROUNDS):
        await timed("prompt", "一隻貓", f"Ua{i:04d}", "排隊中")
        controls = "一隻貓 速度:快 動態:高 鏡頭:推近 循環 比例:16:9 秒數:1 種子:4 不要:模糊"
        await timed("prompt + every control", controls, f"Ub{i:04d}", "排隊中")
        await timed("storyboard (3 shots)", BOARD, f"Uc{i:04d}", "收到分鏡")
        await timed("分鏡進度", "分鏡進度", f"Uc{i:04d}", "分鏡「夜市的一晚」")
    lines = [f"{'path':24s} {'median ms':>10s} {'p90 ms':>8s}"]
    for name, values in results.items():
        values.sort()
        p90 = values[max(0, int(0.9 * len(values)) - 1)]
        lines.append(f"{name:24s} {statistics.median(values):10.1f} {p90:8.1f}")
    big = "分鏡 長片 種子:1\n" + "\n".join(
        f"{n}. 鏡頭 {n}：女孩走進雨中的夜市 鏡頭:推近 1秒" for n in range(1, 61)
    )
    start = time.perf_counter()
    for _ in range(200):
        assert len(parse_board(big, default_seconds=1.0, locale="zh-TW").shots) == 60
    lines.append(f"parse_board, 60 shots: {(time.perf_counter() - start) / 200 * 1000:.2f} ms each")
    print("\n" + "\n".join(lines))
