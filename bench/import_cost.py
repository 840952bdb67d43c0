"""What each package adds to a process: RSS and import time, imported in order after a base set.

One fresh interpreter imports the comma-separated base set, then each name in turn, and
prints the RSS (``/proc/self/status``) and wall time each import adds; a package shared by
two rows counts for the first. Used for the table "What a bot process loads" in
docs/architecture.md.

    .venv/bin/python bench/import_cost.py asyncio,aiohttp,discord pydantic sqlalchemy …
"""

from __future__ import annotations

import importlib
import os
import sys
import time


def rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main(base: str, names: list[str]) -> None:
    for name in base.split(","):
        importlib.import_module(name)
    print(f"{'base ' + base:40s} {rss_mb():7.1f} MB")
    for name in names:
        before, started, count = rss_mb(), time.perf_counter(), len(sys.modules)
        importlib.import_module(name)
        elapsed = 1000 * (time.perf_counter() - started)
        added = len(sys.modules) - count
        print(f"{name:40s} +{rss_mb() - before:6.1f} MB  {elapsed:7.1f} ms  +{added} modules")
    print(f"{'total':40s} {rss_mb():7.1f} MB")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
