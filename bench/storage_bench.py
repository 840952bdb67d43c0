"""Storage benchmark: what the database and the media store add per job.

Compares, in the same run:

* ``lifecycle`` — one job as the service and a worker drive it, each call in its own
  transaction (``session_scope``), like production: create_job, mark_running,
  5 × record_progress, mark_done (clip insert) — 8 transactions per job;
* ``floor``    — one bare INSERT of a one-row table per transaction on the same engine,
  × 8 (the database's own cost for the same number of commits);

on SQLite (WAL, ``BEGIN IMMEDIATE``) and PostgreSQL, with 1 and 4 threads (several workers
finishing jobs at once). Then the media store: an atomic ``put_bytes`` (temp file + fsync +
rename) of a clip-sized file against a plain ``Path.write_bytes`` (no fsync) baseline.

Run: ``.venv/bin/python bench/storage_bench.py --jobs 200``
(PostgreSQL from ``REELBOT_TEST_POSTGRES_URL``, default postgres@127.0.0.1:5432; a throwaway
database is created and dropped).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from reelbot.domain.types import GenerationRequest, Origin, Platform
from reelbot.storage import jobs
from reelbot.storage.db import make_engine, migrate, session_scope
from reelbot.storage.media import MediaStore

POSTGRES_URL = os.environ.get(
    "REELBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TRANSACTIONS_PER_JOB = 8


def lifecycle(engine: Engine) -> None:
    origin = Origin(platform=Platform.DISCORD, user_id=f"bench-{threading.get_ident()}", guild_id="g")
    request = GenerationRequest(prompt="a benchmark cat", origin=origin, preset="tiny", seed=1)
    with session_scope(engine) as s:
        job_id = jobs.create_job(session=s, request=request, idempotency_key=uuid.uuid4().hex).id
    with session_scope(engine) as s:
        jobs.mark_running(session=s, job_id=job_id, worker="bench")
    for step in range(1, 6):
        with session_scope(engine) as s:
            jobs.record_progress(session=s, job_id=job_id, step=step, total_steps=5)
    with session_scope(engine) as s:
        clip = jobs.mark_done(
            session=s,
            job_id=job_id,
            video_key="clips/x.mp4",
            thumbnail_key="thumbs/x.jpg",
            size_bytes=1,
            width=16,
            height=16,
            fps=8,
            num_frames=9,
            duration_s=1.0,
        )
        assert clip is not None


def floor(engine: Engine) -> None:
    for _ in range(TRANSACTIONS_PER_JOB):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO bench_floor (id) VALUES (:id)"), {"id": uuid.uuid4().hex})


def run(engine: Engine, fn: Callable[[Engine], None], total: int, threads: int) -> tuple[float, float]:
    """(jobs per second, p50 ms per job)."""
    per_thread = total // threads
    latencies: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        mine = []
        for _ in range(per_thread):
            t0 = time.perf_counter()
            fn(engine)
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, statistics.median(latencies) * 1000


def database_rows(name: str, url: str, total: int, table: Table) -> None:
    engine = make_engine(url, pool_size=8) if url.startswith("postgresql") else make_engine(url)
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bench_floor (id VARCHAR(32) PRIMARY KEY)"))
    for threads in (1, 4):
        for label, fn in (("floor", floor), ("lifecycle", lifecycle)):
            rate, p50 = run(engine, fn, total, threads)
            table.add_row(name, str(threads), label, f"{rate:,.0f}", f"{p50:.2f}")
    engine.dispose()


def media_rows(size_mib: int, count: int, table: Table) -> None:
    data = os.urandom(size_mib * 1024 * 1024)
    with tempfile.TemporaryDirectory() as tmp:
        store = MediaStore(Path(tmp) / "media", "http://x", b"k" * 32, 60)
        plain = Path(tmp) / "plain"
        plain.mkdir()
        for label, write in (
            ("Path.write_bytes (baseline)", lambda i: (plain / f"{i}.mp4").write_bytes(data)),
            ("MediaStore.put_bytes (atomic)", lambda i: store.put_bytes(f"clips/{i}.mp4", data)),
        ):
            times = []
            for i in range(count):
                t0 = time.perf_counter()
                write(i)
                times.append(time.perf_counter() - t0)
            p50 = statistics.median(times) * 1000
            table.add_row(label, f"{size_mib} MiB", f"{p50:.2f}", f"{size_mib / (p50 / 1000):,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--media-mib", type=int, default=5)
    parser.add_argument("--media-count", type=int, default=20)
    args = parser.parse_args()
    console = Console()

    db_table = Table(title=f"database: {args.jobs} jobs, {TRANSACTIONS_PER_JOB} transactions each")
    for column in ("backend", "threads", "workload", "jobs/s", "p50 ms/job"):
        db_table.add_column(column)
    with tempfile.TemporaryDirectory() as tmp:
        database_rows("sqlite", f"sqlite:///{tmp}/bench.db", args.jobs, db_table)
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"reelbot_bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        database_rows("postgres", url, args.jobs, db_table)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    console.print(db_table)

    media_table = Table(title="media store: one clip-sized write")
    for column in ("write", "size", "p50 ms", "MiB/s"):
        media_table.add_column(column)
    media_rows(args.media_mib, args.media_count, media_table)
    console.print(media_table)


if __name__ == "__main__":
    main()
