"""Cold start of a fresh worker process: process start → imports → weights → warm-up → ready.

    .venv/bin/python bench/cold_start.py                        # tiny preset, CPU, 3 runs
    .venv/bin/python bench/cold_start.py --runs 5 --device cuda  # on a GPU box
    .venv/bin/python bench/cold_start.py --json out/cold_start.json

Each run starts ``reelbot worker`` (a new interpreter, its own data dir and Redis prefix, a
database migrated beforehand as the one-shot job would) and polls ``/readyz`` until 200. Two
figures per run: the worker's own phases, read back from its
``reelbot_worker_cold_start_seconds{phase}`` gauge (seconds since its process started, from
``/proc``), and the wall time the launcher saw from ``Popen`` to the first 200. Beside them,
the floor nobody can beat without a resident process: a bare ``python -c "import torch,
diffusers"``. Reported: the median of the runs for each column (not the best).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

PHASES = ("imports", "weights", "warmup", "ready")
SAMPLE = re.compile(r'^reelbot_worker_cold_start_seconds\{phase="(\w+)",preset="([\w.-]+)"\} (\S+)$', re.M)
console = Console(width=140)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> tuple[int, str] | None:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return None


def bare_import_s() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch, diffusers"], check=True)
    return time.perf_counter() - started


def one_run(args: argparse.Namespace, tmp: Path, index: int) -> dict[str, Any]:
    data = tmp / f"run-{index}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REELBOT_")}
    env.update(
        REELBOT_DATA_DIR=str(data),
        REELBOT_REDIS_URL=args.redis_url,
        REELBOT_REDIS_PREFIX=f"bench-cold-{uuid.uuid4().hex[:8]}",
        REELBOT_PRESET=args.preset,
        REELBOT_DEVICE=args.device,
        REELBOT_MEDIA_SECRET="bench-cold-start-0123456789",
        REELBOT_LOG_LEVEL="WARNING",
    )
    migrate = subprocess.run([sys.executable, "-m", "reelbot.cli", "migrate"], env=env, capture_output=True)
    if migrate.returncode:
        raise SystemExit(migrate.stderr.decode())
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reelbot.cli",
            "worker",
            "--health-host",
            "127.0.0.1",
            "--health-port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        while (answer := get(f"http://127.0.0.1:{port}/readyz")) is None or answer[0] != 200:
            if proc.poll() is not None:
                raise SystemExit(f"worker exited: {proc.stderr.read().decode() if proc.stderr else ''}")
            time.sleep(0.02)
        seen_s = time.perf_counter() - started
        metrics = get(f"http://127.0.0.1:{port}/metrics")
        marks = {phase: float(v) for phase, _preset, v in SAMPLE.findall(metrics[1] if metrics else "")}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    return {"marks": marks, "seen_ready_s": seen_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    floors = [bare_import_s() for _ in range(args.runs)]
    with tempfile.TemporaryDirectory(prefix="reelbot-cold-") as tmp:
        runs = [one_run(args, Path(tmp), i) for i in range(args.runs)]

    table = Table(title=f"worker cold start, preset {args.preset} on {args.device} (median of {args.runs})")
    for column in ("", *PHASES, "ready seen by launcher", 'bare "import torch, diffusers"'):
        table.add_column(column, justify="right")
    for i, run in enumerate(runs):
        marks = run["marks"]
        table.add_row(
            f"run {i + 1}", *(f"{marks.get(p, float('nan')):.2f}" for p in PHASES),
            f"{run['seen_ready_s']:.2f}", f"{floors[i]:.2f}",
        )  # fmt: skip
    median = {p: statistics.median(r["marks"].get(p, float("nan")) for r in runs) for p in PHASES}
    seen = statistics.median(r["seen_ready_s"] for r in runs)
    floor = statistics.median(floors)
    table.add_row(
        "median", *(f"{median[p]:.2f}" for p in PHASES), f"{seen:.2f}", f"{floor:.2f}", style="bold"
    )
    console.print(table)
    console.print("columns: seconds since the worker process started, at the end of each phase (cumulative)")
    console.print(f"ready / bare import floor: {median['ready'] / floor:.2f}×")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"args": {k: str(v) for k, v in vars(args).items()}, "runs": runs, "floors": floors}
        args.json.write_text(json.dumps(payload | {"median": median, "median_seen_s": seen}, indent=2))


if __name__ == "__main__":
    main()
