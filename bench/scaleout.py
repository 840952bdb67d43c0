"""Scale-out check: 1, 2 and 4 worker processes on one Redis — throughput, and no job twice or lost.

    .venv/bin/python bench/scaleout.py                      # 48 jobs per run, PostgreSQL if it answers
    .venv/bin/python bench/scaleout.py --jobs 100 --workers 1 2 4 8 --step-s 0.1
    .venv/bin/python bench/scaleout.py --db sqlite          # one SQLite file shared by the processes

Each run gets its own Redis prefix and its own database (a fresh PostgreSQL database, or a
SQLite file), submits ``--jobs`` clips through ``ReelbotService.submit`` with the ``noop``
preset (generator/noop.py: no model; each of 4 steps sleeps ``--step-s`` to stand in for GPU
time), then starts K ``reelbot`` worker processes in burst mode and waits for them to
drain the queue. Throughput is jobs / (last finish − first start) from the job rows.

Counted afterwards, from the database and Redis — and printed, not asserted:
done jobs and clips (= jobs: nothing lost), jobs whose STARTED event appears more than
once or whose ``attempts`` > 1 (= 0: nothing processed twice), pending and dead-letter
entries left in the streams (= 0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from rich.console import Console
from rich.table import Table

from reelbot.domain.events import EventKind
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform

console = Console(width=150)
ROOT = Path(__file__).resolve().parents[1]
POSTGRES_ADMIN_URL = os.environ.get(
    "REELBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@dataclass
class Run:
    workers: int
    jobs: int
    seconds: float
    jobs_per_s: float
    done: int
    clips: int
    started_events: int
    started_twice: int
    attempts_over_1: int
    pending_left: int
    dead_letters: int
    per_worker: dict[str, int]


def make_settings(data_dir: Path, prefix: str, database_url: str, redis_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data_dir,
        redis_url=redis_url,
        redis_prefix=prefix,
        database_url=database_url,
        preset="noop",
        device="cpu",
        media_secret="scaleout-secret-0123456789abcdef",  # type: ignore[arg-type]
        log_json=True,
    )


def worker_main(args: argparse.Namespace) -> None:
    """Child process: one burst-mode worker (the noop preset registered first)."""
    from reelbot.app.service import ReelbotService
    from reelbot.cli.wiring import worker_for
    from reelbot.generator import noop  # noqa: F401 - registers "noop" in this process
    from reelbot.ops.logs import setup_logging

    settings = make_settings(Path(args.data_dir), args.prefix, args.database_url, args.redis_url)
    settings = settings.model_copy(update={"log_level": "WARNING"})
    setup_logging(settings)

    async def run() -> None:
        service = await ReelbotService.open(settings)
        try:
            await worker_for(service, name=args.name, burst=True).run()
        finally:
            await service.close()

    asyncio.run(run())


def create_database(kind: str, tmp: Path) -> tuple[str, Any]:
    """(URL, cleanup) for a fresh database of ``kind``."""
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'scaleout.db'}", lambda: None
    from sqlalchemy import create_engine, text

    name = f"reelbot_scaleout_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", drop


def postgres_answers() -> bool:
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 2})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


async def one_run(workers: int, args: argparse.Namespace, tmp: Path) -> Run:
    from reelbot.app.service import ReelbotService
    from reelbot.generator import noop  # noqa: F401 - the submitting process validates the preset name
    from reelbot.storage.models import Clip, Job

    prefix = f"bench-scaleout-{uuid.uuid4().hex[:8]}"
    data_dir = tmp / f"run-{workers}"
    database_url, drop_database = create_database(args.db, data_dir if args.db == "sqlite" else tmp)
    settings = make_settings(data_dir, prefix, database_url, args.redis_url)
    service = await ReelbotService.open(settings)
    redis = aioredis.from_url(args.redis_url)
    try:
        for i in range(args.jobs):
            origin = Origin(platform=Platform.CLI, user_id=f"scaleout-{i}")
            request = GenerationRequest(prompt=f"scale-out job {i}", seed=i, preset="noop", origin=origin)
            await service.submit(request, idempotency_key=f"scaleout:{prefix}:{i}")
        env = dict(os.environ, REELBOT_NOOP_STEP_S=str(args.step_s))
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--worker",
                    "--name",
                    f"w{k}",
                    "--prefix",
                    prefix,
                    "--data-dir",
                    str(data_dir),
                    "--database-url",
                    database_url,
                    "--redis-url",
                    args.redis_url,
                ],
                cwd=ROOT,
                env=env,
            )
            for k in range(workers)
        ]
        deadline = time.monotonic() + args.timeout
        while any(p.poll() is None for p in procs):
            if time.monotonic() > deadline:
                for p in procs:
                    p.terminate()
                raise TimeoutError(f"workers did not drain {args.jobs} jobs in {args.timeout}s")
            await asyncio.sleep(0.2)

        from sqlmodel import Session, select

        with Session(service.db) as session:
            jobs = list(session.exec(select(Job)))
            clips = list(session.exec(select(Clip)))
        done = [j for j in jobs if JobState(j.state) is JobState.DONE]
        starts = [j.started_at for j in done if j.started_at]
        ends = [j.finished_at for j in done if j.finished_at]
        seconds = (max(ends) - min(starts)).total_seconds() if starts and ends else float("nan")

        events = service.events(Platform.CLI)
        started: Counter[str] = Counter()
        await events.ensure_group("scaleout")
        while batch := await events.read("scaleout", "counter", count=1000, block_ms=100):
            for entry_id, event in batch:
                if event.kind is EventKind.STARTED:
                    started[str(event.job_id)] += 1
                await events.ack("scaleout", entry_id)
        pending = 0
        dead = 0
        for lane in ("fast", "relaxed"):
            stream = service.keys.jobs(lane)
            if await redis.exists(stream):
                pending += int((await redis.xpending(stream, service.keys.workers_group))["pending"])
            dead += int(await redis.xlen(service.keys.dead(lane)))
        per_worker = Counter(str(j.worker) for j in done)
        return Run(
            workers=workers,
            jobs=args.jobs,
            seconds=seconds,
            jobs_per_s=len(done) / seconds if seconds == seconds and seconds > 0 else 0.0,
            done=len(done),
            clips=len({c.job_id for c in clips}),
            started_events=sum(started.values()),
            started_twice=sum(1 for n in started.values() if n > 1),
            attempts_over_1=sum(1 for j in jobs if (j.attempts or 0) > 1),
            pending_left=pending,
            dead_letters=dead,
            per_worker=dict(sorted(per_worker.items())),
        )
    finally:
        await service.close()
        async for key in redis.scan_iter(match=f"{prefix}*", count=1000):
            await redis.delete(key)
        await redis.aclose()
        drop_database()


def show(runs: list[Run], args: argparse.Namespace) -> None:
    base = runs[0].jobs_per_s if runs and runs[0].jobs_per_s else 0.0
    table = Table(
        title=(
            f"{args.jobs} noop jobs ({args.step_s:.2f} s × 4 steps of stand-in GPU time each), "
            f"database: {args.db}, machine: {os.cpu_count()} cores"
        )
    )
    for column in (
        "workers",
        "seconds",
        "jobs/s",
        "scaling",
        "done",
        "clips",
        "STARTED events",
        "started twice",
        "attempts>1",
        "pending left",
        "dead letters",
        "jobs per worker",
    ):
        table.add_column(column, justify="right")
    for r in runs:
        table.add_row(
            str(r.workers),
            f"{r.seconds:.2f}",
            f"{r.jobs_per_s:.2f}",
            f"{r.jobs_per_s / base:.2f}×" if base else "",
            f"{r.done}/{r.jobs}",
            str(r.clips),
            str(r.started_events),
            str(r.started_twice),
            str(r.attempts_over_1),
            str(r.pending_left),
            str(r.dead_letters),
            " ".join(str(n) for n in r.per_worker.values()),
        )
    console.print(table)
    ideal = 4 * args.step_s
    console.print(
        f"per-job floor without plumbing: {ideal:.2f} s of sleep → {1 / ideal:.1f} jobs/s per worker",
        highlight=False,
    )


async def main_async(args: argparse.Namespace) -> None:
    if args.db == "auto":
        args.db = "postgres" if postgres_answers() else "sqlite"
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="reelbot-scaleout-") as tmp:
        for workers in args.workers:
            run = await one_run(workers, args, Path(tmp))
            console.log(f"{workers} worker(s): {run.jobs_per_s:.2f} jobs/s, {run.done}/{run.jobs} done")
            runs.append(run)
    show(runs, args)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(r) for r in runs], indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=48)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--step-s", type=float, default=0.1, help="stand-in GPU seconds per denoising step")
    parser.add_argument("--db", choices=["auto", "postgres", "sqlite"], default="auto")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--json", type=Path)
    # Child-process mode (internal).
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--name", help=argparse.SUPPRESS)
    parser.add_argument("--prefix", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main(args)
    else:
        asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
