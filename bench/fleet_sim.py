"""Fleet simulation: how many GPU workers 10,000 creators need, and what a clip then costs.

    .venv/bin/python bench/fleet_sim.py                           # defaults below
    .venv/bin/python bench/fleet_sim.py --service-s 45 --clips-per-creator 2 --workers 2 4 8 16
    .venv/bin/python bench/fleet_sim.py --service-json out/e2e.json   # service time from e2e_bench

Model (deliberately simple, every knob a flag):

* Arrivals: a non-homogeneous Poisson process over ``--days`` days. Each creator makes
  ``--clips-per-creator`` clips a day on average; the daily shape is a quiet night, a
  working-day plateau and an evening peak (19:00–23:00, ``--evening-peak`` × the day
  rate). On top, ``--bursts`` random 15-minute bursts a day at ``--burst-factor`` × the
  rate (a big server's event, a trend) — the spikes a fleet must absorb.
* Service: each clip holds one GPU for a log-normal time with median ``--service-s`` and
  coefficient of variation ``--service-cv`` (retries and cold starts not modelled here).
* Queue: FIFO, K identical always-on workers (what the fast lane does). Waits come from
  an exact event-driven simulation (a heap of worker free times), not from formulas.

Cost: an always-on fleet pays K × 24 GPU-hours a day; an autoscaled one (KEDA, scale to
zero) pays roughly the busy GPU-hours plus idle tails, shown as a lower bound.
Prints tables; nothing here passes or fails. docs/capacity.md explains how to read them.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

console = Console(width=150)
DAY_S = 24 * 3600


def daily_shape(hours: np.ndarray, evening_peak: float) -> np.ndarray:
    """Relative arrival rate by hour of day (local time), mean 1 over the day."""
    night = 0.15 + 0.0 * hours
    day = np.where((hours >= 8) & (hours < 19), 1.0, night)
    evening = np.where((hours >= 19) & (hours < 23), evening_peak, day)
    shape = np.where((hours >= 23) | (hours < 1), 0.6 * evening_peak, evening)
    return shape / shape.mean()


@dataclass(frozen=True)
class Scenario:
    creators: int
    clips_per_creator: float
    days: int
    evening_peak: float
    bursts: int
    burst_factor: float
    service_s: float
    service_cv: float
    seed: int


def arrivals(s: Scenario, rng: np.random.Generator) -> np.ndarray:
    """Arrival times in seconds, sorted (thinning of a per-minute piecewise-constant rate)."""
    minutes = s.days * 24 * 60
    hours = (np.arange(minutes) / 60.0) % 24
    rate = daily_shape(np.floor(hours), s.evening_peak) * s.creators * s.clips_per_creator / (24 * 60)
    for day in range(s.days):
        for start in rng.integers(day * 1440, (day + 1) * 1440 - 15, size=s.bursts):
            rate[start : start + 15] *= s.burst_factor
    counts = rng.poisson(rate)
    times = np.repeat(np.arange(minutes) * 60.0, counts) + rng.uniform(0, 60, size=int(counts.sum()))
    return np.sort(times)


def service_times(s: Scenario, n: int, rng: np.random.Generator) -> np.ndarray:
    sigma = math.sqrt(math.log(1 + s.service_cv**2))
    return rng.lognormal(mean=math.log(s.service_s), sigma=sigma, size=n)


def simulate(arrive: np.ndarray, service: np.ndarray, workers: int) -> np.ndarray:
    """FIFO K-server queue: the wait of each job (start − arrival), exact."""
    free = [0.0] * workers
    heapq.heapify(free)
    waits = np.empty_like(arrive)
    for i, (t, d) in enumerate(zip(arrive, service, strict=True)):
        start = max(t, heapq.heappop(free))
        waits[i] = start - t
        heapq.heappush(free, start + d)
    return waits


@dataclass(frozen=True)
class Autoscaler:
    """KEDA + HPA as deploy/k8s configures them (keda-scaledobject.yaml)."""

    max_replicas: int
    lag_count: int = 2  # one more worker per this many waiting jobs
    polling_s: float = 10.0
    cooldown_s: float = 600.0  # to zero after this long without lag or pending
    scale_down_window_s: float = 300.0  # HPA stabilization
    scale_down_every_s: float = 120.0  # at most one pod per period
    cold_start_s: float = 60.0  # pod scheduled + model loaded from the /models volume


@dataclass(frozen=True)
class AutoResult:
    max_replicas: int
    wait_p50: float
    wait_p95: float
    wait_p99: float
    peak_replicas: int
    gpu_hours_per_day: float
    cost_per_clip: float


def simulate_autoscaled(
    arrive: np.ndarray, service: np.ndarray, scaler: Autoscaler, days: int, price: float
) -> AutoResult:
    """Time-stepped (1 s) queue with replicas driven by lag/pending like the ScaledObject."""
    step = 1.0
    waiting: list[int] = []  # indices of queued jobs, FIFO
    head = 0
    busy_until: list[float] = []  # heap: finish time of each busy worker
    idle = 0
    starting: list[float] = []  # heap: ready times of pods still starting
    waits = np.full(len(arrive), np.nan)
    desired_history: list[tuple[float, int]] = []
    last_active = -math.inf
    last_scale_down = -math.inf
    gpu_seconds = 0.0
    peak = 0
    nxt = 0
    t = 0.0
    end = days * DAY_S
    while t < end or head < len(waiting) or busy_until:
        while nxt < len(arrive) and arrive[nxt] <= t:
            waiting.append(nxt)
            nxt += 1
        while busy_until and busy_until[0] <= t:
            heapq.heappop(busy_until)
            idle += 1
        while starting and starting[0] <= t:
            heapq.heappop(starting)
            idle += 1
        while idle and head < len(waiting):
            job = waiting[head]
            head += 1
            idle -= 1
            waits[job] = t - arrive[job]
            heapq.heappush(busy_until, t + service[job])
        if t % scaler.polling_s < step:
            lag = len(waiting) - head
            pending = len(busy_until)
            desired = max(math.ceil(lag / scaler.lag_count), pending)
            if lag or pending:
                last_active = t
            current = idle + len(busy_until) + len(starting)
            if desired == 0 and t - last_active < scaler.cooldown_s:
                desired = max(current, 1) if current else 0  # KEDA keeps ≥1 until cooldown ends
            desired = min(desired, scaler.max_replicas)
            desired_history.append((t, desired))
            while desired_history and desired_history[0][0] < t - scaler.scale_down_window_s:
                desired_history.pop(0)
            stabilized = max(d for _, d in desired_history)
            if desired > current:
                for _ in range(desired - current):
                    heapq.heappush(starting, t + scaler.cold_start_s)
            elif (
                stabilized < current
                and idle
                and (t - last_scale_down >= scaler.scale_down_every_s or stabilized == 0)
            ):
                remove = min(idle, current - stabilized) if stabilized == 0 else 1
                idle -= remove
                last_scale_down = t
        replicas = idle + len(busy_until) + len(starting)
        peak = max(peak, replicas)
        gpu_seconds += replicas * step
        t += step
        if t > end + 10 * DAY_S:  # a backlog that never drains: stop, report what we have
            break
    served = waits[~np.isnan(waits)]
    unserved = len(arrive) - len(served)
    if unserved:
        served = np.concatenate([served, np.full(unserved, np.inf)])
    clips_per_day = len(arrive) / days
    gpu_hours_per_day = gpu_seconds / 3600 / days
    return AutoResult(
        max_replicas=scaler.max_replicas,
        wait_p50=float(np.percentile(served, 50)),
        wait_p95=float(np.percentile(served, 95)),
        wait_p99=float(np.percentile(served, 99)),
        peak_replicas=peak,
        gpu_hours_per_day=gpu_hours_per_day,
        cost_per_clip=gpu_hours_per_day * price / clips_per_day,
    )


@dataclass(frozen=True)
class Result:
    workers: int
    clips: int
    wait_p50: float
    wait_p95: float
    wait_p99: float
    peak_hour_p95: float
    utilisation: float
    gpu_hours_per_day: float
    busy_gpu_hours_per_day: float
    cost_per_clip_fixed: float
    cost_per_clip_autoscaled: float


def workload(s: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """(arrival times, service times), reproducible from the scenario's seed."""
    rng = np.random.default_rng(s.seed)
    arrive = arrivals(s, rng)
    return arrive, service_times(s, len(arrive), rng)


def run(s: Scenario, worker_counts: list[int], price_per_gpu_hour: float) -> list[Result]:
    arrive, service = workload(s)
    busy_hours_per_day = float(service.sum()) / 3600 / s.days
    clips_per_day = len(arrive) / s.days
    hour_of_day = (arrive % DAY_S) // 3600
    peak = (hour_of_day >= 20) & (hour_of_day < 22)
    results = []
    for k in worker_counts:
        waits = simulate(arrive, service, k)
        results.append(
            Result(
                workers=k,
                clips=len(arrive),
                wait_p50=float(np.percentile(waits, 50)),
                wait_p95=float(np.percentile(waits, 95)),
                wait_p99=float(np.percentile(waits, 99)),
                peak_hour_p95=float(np.percentile(waits[peak], 95)) if peak.any() else 0.0,
                utilisation=busy_hours_per_day / (k * 24),
                gpu_hours_per_day=k * 24.0,
                busy_gpu_hours_per_day=busy_hours_per_day,
                cost_per_clip_fixed=k * 24 * price_per_gpu_hour / clips_per_day,
                cost_per_clip_autoscaled=busy_hours_per_day * price_per_gpu_hour / clips_per_day,
            )
        )
    return results


def fmt_s(seconds: float) -> str:
    if seconds >= 3600 * 24:
        return "∞ (backlog)"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s"


def show(s: Scenario, results: list[Result], price: float) -> None:
    clips_per_day = results[0].clips / s.days
    console.print(
        f"{s.creators:,} creators × {s.clips_per_creator} clips/day = {clips_per_day:,.0f} clips/day "
        f"over {s.days} days; evening peak ×{s.evening_peak}, {s.bursts} bursts/day ×{s.burst_factor}; "
        f"service median {s.service_s:.0f} s (cv {s.service_cv}); ${price}/GPU-hour",
        highlight=False,
    )
    table = Table(title="Queue wait vs always-on workers (FIFO)")
    for column in (
        "K",
        "utilisation",
        "wait p50",
        "wait p95",
        "wait p99",
        "p95 20–22h",
        "GPU-h/day",
        "$/clip fixed",
        "$/clip autoscaled≥",
    ):
        table.add_column(column, justify="right")
    for r in results:
        overloaded = r.utilisation >= 1
        table.add_row(
            str(r.workers),
            f"{r.utilisation:.0%}",
            fmt_s(r.wait_p50),
            fmt_s(r.wait_p95),
            fmt_s(r.wait_p99),
            fmt_s(r.peak_hour_p95),
            f"{r.gpu_hours_per_day:.0f}",
            "n/a (backlog)" if overloaded else f"{r.cost_per_clip_fixed:.3f}",
            f"{r.cost_per_clip_autoscaled:.3f}",
        )
    console.print(table)
    console.print(f"busy GPU-hours/day: {results[0].busy_gpu_hours_per_day:.1f}", highlight=False)


def show_autoscaled(results: list[AutoResult], scaler: Autoscaler) -> None:
    table = Table(
        title=(
            f"KEDA-autoscaled workers (0..max, lagCount {scaler.lag_count}, "
            f"cold start {scaler.cold_start_s:.0f} s, cooldown {scaler.cooldown_s:.0f} s)"
        )
    )
    for column in (
        "max replicas",
        "wait p50",
        "wait p95",
        "wait p99",
        "peak replicas",
        "GPU-h/day",
        "$/clip",
    ):
        table.add_column(column, justify="right")
    for r in results:
        table.add_row(
            str(r.max_replicas),
            fmt_s(r.wait_p50),
            fmt_s(r.wait_p95),
            fmt_s(r.wait_p99),
            str(r.peak_replicas),
            f"{r.gpu_hours_per_day:.0f}",
            f"{r.cost_per_clip:.3f}",
        )
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creators", type=int, default=10_000)
    parser.add_argument(
        "--clips-per-creator", type=float, default=1.0, help="mean clips per creator per day"
    )
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--evening-peak", type=float, default=3.0, help="evening rate / working-day rate")
    parser.add_argument("--bursts", type=int, default=3, help="15-minute bursts per day")
    parser.add_argument("--burst-factor", type=float, default=4.0)
    parser.add_argument(
        "--service-s",
        type=float,
        default=90.0,
        help="median GPU seconds per clip (default: Wan 2.1 1.3B 480p 81 frames, H100, est.)",
    )
    parser.add_argument("--service-cv", type=float, default=0.15)
    parser.add_argument("--service-json", type=Path, help="take the median from e2e_bench.py --json output")
    parser.add_argument("--workers", type=int, nargs="+", default=[12, 16, 24, 32, 40, 48, 64])
    parser.add_argument(
        "--max-replicas",
        type=int,
        nargs="+",
        default=[24, 32, 48, 64],
        help="autoscaled fleets to simulate (KEDA maxReplicaCount)",
    )
    parser.add_argument("--cold-start-s", type=float, default=60.0, help="new pod to first claim")
    parser.add_argument("--price", type=float, default=2.5, help="US dollars per GPU-hour")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    service_s = args.service_s
    if args.service_json:
        service_s = float(json.loads(args.service_json.read_text())["render_median_s"])
    scenario = Scenario(
        args.creators,
        args.clips_per_creator,
        args.days,
        args.evening_peak,
        args.bursts,
        args.burst_factor,
        service_s,
        args.service_cv,
        args.seed,
    )
    results = run(scenario, sorted(args.workers), args.price)
    show(scenario, results, args.price)
    arrive, service = workload(scenario)
    auto = []
    for max_replicas in sorted(args.max_replicas):
        scaler = Autoscaler(max_replicas=max_replicas, cold_start_s=args.cold_start_s)
        auto.append(simulate_autoscaled(arrive, service, scaler, scenario.days, args.price))
    show_autoscaled(auto, Autoscaler(max_replicas=0, cold_start_s=args.cold_start_s))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"fixed": [r.__dict__ for r in results], "autoscaled": [r.__dict__ for r in auto]}
        args.json.write_text(json.dumps(payload, indent=2))


if __name__ == "__main__":
    main()
