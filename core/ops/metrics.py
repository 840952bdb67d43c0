"""Every Prometheus metric reelbot exports, in one place, with one-line helpers for call sites.

Why one module: metric names are an operator-facing contract (dashboards, alerts, the KEDA
scaler's companion rules), so they are declared once here and never built ad hoc. Call
sites use the ``observe_*`` / ``set_*`` functions so that a worker or bot stays one line per
event and label values stay bounded (states and presets are enums/registry names, failure
reasons are message-catalogue keys — never free text, never ids).

All metrics live in the default ``prometheus_client.REGISTRY`` so that ``/metrics`` on any
process (see :mod:`reelbot.ops.health`) also shows the standard process and GC collectors.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

NAMESPACE = "reelbot"

# Seconds to an hour: a queue wait is sub-second when idle and tens of minutes on a busy
# evening; a tiny render takes a second, a full-size Wan clip several minutes.
WAIT_BUCKETS: tuple[float, ...] = (0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600)
RENDER_BUCKETS: tuple[float, ...] = (0.5, 1, 2, 5, 10, 20, 30, 60, 90, 120, 180, 300, 600, 1200, 1800)
# Per-stage timings (load, denoise, decode, encode, store, deliver) go down to milliseconds.
STAGE_BUCKETS: tuple[float, ...] = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1,
    2.5,
    5,
    10,
    30,
    60,
    120,
    300,
    600,
)

QUEUE_DEPTH = Gauge(
    "queue_depth",
    "Jobs waiting in a lane (stream entries not yet acknowledged)",
    ["lane"],
    namespace=NAMESPACE,
)
QUEUE_LAG = Gauge(
    "queue_lag",
    "Entries of a lane's stream not yet delivered to any worker (consumer-group lag)",
    ["lane"],
    namespace=NAMESPACE,
)
QUEUE_PENDING = Gauge(
    "queue_pending", "Entries delivered to a worker but not yet acknowledged", ["lane"], namespace=NAMESPACE
)
QUEUE_OLDEST_AGE = Gauge(
    "queue_oldest_age_seconds", "Age of the oldest waiting job in a lane", ["lane"], namespace=NAMESPACE
)
JOB_TRANSITIONS = Counter(
    "job_transitions",
    "Jobs entering a state (queued, running, done, failed, cancelled, ...)",
    ["state"],
    namespace=NAMESPACE,
)
JOB_WAIT = Histogram(
    "job_wait_seconds", "Enqueue to claim by a worker", ["preset"], buckets=WAIT_BUCKETS, namespace=NAMESPACE
)
JOB_RENDER = Histogram(
    "job_render_seconds",
    "Claim to finished clip stored (load, denoise, decode, encode, store)",
    ["preset"],
    buckets=RENDER_BUCKETS,
    namespace=NAMESPACE,
)
JOB_STAGE = Histogram(
    "job_stage_seconds",
    "Time per stage of one job",
    ["stage", "preset"],
    buckets=STAGE_BUCKETS,
    namespace=NAMESPACE,
)
GPU_SECONDS = Counter(
    "gpu_seconds",
    "Accelerator time spent rendering, per preset (cost accounting)",
    ["preset"],
    namespace=NAMESPACE,
)
JOB_FAILURES = Counter(
    "job_failures", "Failed job attempts by reason (a message-catalogue key)", ["reason"], namespace=NAMESPACE
)
DEAD_LETTERS = Counter("dead_letters", "Jobs moved to the dead-letter stream", namespace=NAMESPACE)
DEAD_LETTER_DEPTH = Gauge("dead_letter_depth", "Entries in the dead-letter stream", namespace=NAMESPACE)
WORKER_BUSY = Gauge("worker_busy", "1 while this worker renders a job", namespace=NAMESPACE)
WORKER_COLD_START = Gauge(
    "worker_cold_start_seconds",
    "Process start to the end of each start-up phase (imports, weights, warmup, ready): cumulative",
    ["phase", "preset"],
    namespace=NAMESPACE,
)
BOT_INTERACTIONS = Counter(
    "bot_interactions", "Commands, buttons and webhooks handled", ["platform", "command"], namespace=NAMESPACE
)
BOT_ERRORS = Counter(
    "bot_errors",
    "Bot interactions that ended in an error reply",
    ["platform", "command", "error"],
    namespace=NAMESPACE,
)
EVENTS_DELIVERED = Counter(
    "events_delivered", "Job events a bot delivered to its chat", ["platform", "kind"], namespace=NAMESPACE
)


def _reason(value: str | None) -> str:
    """Keep label cardinality bounded: a message key or an exception class name, ≤ 64 chars."""
    return (value or "unknown")[:64]


def observe_job_state(state: str) -> None:
    """Count one job entering ``state`` (a :class:`reelbot.domain.types.JobState` value)."""
    JOB_TRANSITIONS.labels(state=str(state)).inc()
    if str(state) in ("done", "failed", "cancelled"):
        WORKER_BUSY.set(0)


def observe_job_started(preset: str, wait_s: float) -> None:
    """A worker claimed a job that waited ``wait_s`` seconds since enqueue."""
    JOB_TRANSITIONS.labels(state="running").inc()
    JOB_WAIT.labels(preset=preset).observe(max(wait_s, 0.0))
    WORKER_BUSY.set(1)


def observe_job_finished(
    preset: str,
    state: str,
    *,
    render_s: float,
    gpu_s: float | None = None,
    reason: str | None = None,
) -> None:
    """A job left the worker: ``state`` is done / failed / cancelled.

    ``gpu_s`` defaults to ``render_s`` (a worker owns its accelerator while rendering);
    pass 0 for a CPU render so cost figures stay honest. ``reason`` (failed only) is the
    error's message key.
    """
    JOB_TRANSITIONS.labels(state=str(state)).inc()
    JOB_RENDER.labels(preset=preset).observe(max(render_s, 0.0))
    GPU_SECONDS.labels(preset=preset).inc(max(render_s if gpu_s is None else gpu_s, 0.0))
    if str(state) == "failed":
        JOB_FAILURES.labels(reason=_reason(reason)).inc()
    WORKER_BUSY.set(0)


def observe_failure(reason: str | None) -> None:
    """One failed attempt that will be retried (not yet a final state)."""
    JOB_FAILURES.labels(reason=_reason(reason)).inc()


def observe_dead_letter(depth: int | None = None) -> None:
    """A job was moved to the dead-letter stream; ``depth`` is its new length when known."""
    DEAD_LETTERS.inc()
    if depth is not None:
        DEAD_LETTER_DEPTH.set(depth)


def observe_stage(stage: str, preset: str, seconds: float) -> None:
    """One stage of one job (``load``, ``denoise``, ``decode``, ``encode``, ``store``, ``deliver``)."""
    JOB_STAGE.labels(stage=stage, preset=preset).observe(max(seconds, 0.0))


def observe_cold_start(preset: str, marks: Mapping[str, float]) -> None:
    """A worker's start-up phases, each as seconds since its process started (set once, at ready)."""
    for phase, seconds in marks.items():
        WORKER_COLD_START.labels(phase=phase, preset=preset).set(max(seconds, 0.0))


@contextmanager
def time_stage(stage: str, preset: str, into: dict[str, float] | None = None) -> Iterator[None]:
    """``with time_stage("encode", preset, timings):`` records the stage and, optionally, into a dict.

    The dict lets a worker log the whole waterfall of a job in one structured line, which
    is what ``bench/e2e_bench.py`` reads back.
    """
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        observe_stage(stage, preset, elapsed)
        if into is not None:
            into[stage] = into.get(stage, 0.0) + elapsed


def observe_interaction(platform: str, command: str) -> None:
    """A bot handled a command / button / webhook event named ``command``."""
    BOT_INTERACTIONS.labels(platform=str(platform), command=command[:64]).inc()


def observe_bot_error(platform: str, command: str, error: str | None) -> None:
    """A bot interaction ended in an error reply; ``error`` is the message key or exception class."""
    BOT_ERRORS.labels(platform=str(platform), command=command[:64], error=_reason(error)).inc()


def observe_event_delivered(platform: str, kind: str) -> None:
    EVENTS_DELIVERED.labels(platform=str(platform), kind=str(kind)).inc()


@dataclass(frozen=True)
class LaneStats:
    """One lane's queue figures as read from Redis."""

    depth: int
    lag: int
    pending: int
    oldest_age_s: float | None = None


def set_queue_stats(lane: str, stats: LaneStats) -> None:
    """Publish a lane's figures (the queue package or a periodic task reads them from Redis)."""
    QUEUE_DEPTH.labels(lane=lane).set(stats.depth)
    QUEUE_LAG.labels(lane=lane).set(stats.lag)
    QUEUE_PENDING.labels(lane=lane).set(stats.pending)
    if stats.oldest_age_s is not None:
        QUEUE_OLDEST_AGE.labels(lane=lane).set(stats.oldest_age_s)


def _field(info: Mapping[Any, Any], name: str) -> Any:
    """XINFO replies have str or bytes keys depending on ``decode_responses``."""
    if name in info:
        return info[name]
    return info.get(name.encode())


async def read_lane_stats(redis: Any, stream: str, group: str) -> LaneStats:
    """Read a lane's depth, lag and pending count from the stream's consumer group.

    ``lag`` is Redis ≥ 7's XINFO GROUPS field — the same number KEDA's ``redis-streams``
    scaler uses with ``lagCount``, so the dashboard shows what drives autoscaling. A stream
    or group that does not exist yet reads as empty.
    """
    try:
        groups = await redis.xinfo_groups(stream)
    except Exception as exc:  # redis.ResponseError "no such key" before the first enqueue
        if "no such key" in str(exc).lower():
            return LaneStats(depth=0, lag=0, pending=0)
        raise
    wanted = next((g for g in groups if _decode(_field(g, "name")) == group), None)
    if wanted is None:
        length = int(await redis.xlen(stream))
        return LaneStats(depth=length, lag=length, pending=0)
    lag_raw = _field(wanted, "lag")
    pending = int(_field(wanted, "pending") or 0)
    lag = int(lag_raw) if lag_raw is not None else int(await redis.xlen(stream))
    return LaneStats(depth=lag + pending, lag=lag, pending=pending)


def _decode(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def render_latest(registry: CollectorRegistry = REGISTRY) -> bytes:
    """The text exposition format (what ``/metrics`` serves)."""
    return generate_latest(registry)


def sample_value(
    name: str, labels: Mapping[str, str] | None = None, registry: CollectorRegistry = REGISTRY
) -> float:
    """Current value of one sample (0 when absent); for tests and benchmarks reading counters."""
    value = registry.get_sample_value(name, dict(labels or {}))
    return float(value) if value is not None else 0.0


async def refresh_queue_metrics(redis: Any, prefix: str) -> dict[str, LaneStats]:
    """Read every lane's depth/lag/pending and the dead-letter lengths into the gauges.

    One line for any process that holds a Redis client (worker, media server): call it
    every few seconds, e.g. ``while not stop.is_set(): await refresh_queue_metrics(...)``.
    """
    from reelbot.queue.keys import LANES, WORKERS_GROUP, Keys

    keys = Keys(prefix)
    stats: dict[str, LaneStats] = {}
    dead = 0
    for lane in LANES:
        stats[lane.value] = await read_lane_stats(redis, keys.jobs(lane), WORKERS_GROUP)
        set_queue_stats(lane.value, stats[lane.value])
        dead += int(await redis.xlen(keys.dead(lane)))
    DEAD_LETTER_DEPTH.set(dead)
    return stats
