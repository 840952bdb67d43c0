"""Metrics: the helpers move the right samples and /metrics text parses as Prometheus format."""

from __future__ import annotations

import redis.asyncio as aioredis
from prometheus_client.parser import text_string_to_metric_families

from reelbot.ops import metrics


def test_job_lifecycle_moves_counters_and_histograms() -> None:
    preset = "ops-test-preset"
    before_done = metrics.sample_value("reelbot_job_transitions_total", {"state": "done"})
    before_fail = metrics.sample_value("reelbot_job_failures_total", {"reason": "job.out_of_memory"})

    metrics.observe_job_started(preset, wait_s=3.0)
    metrics.observe_job_finished(preset, "done", render_s=42.0)
    metrics.observe_job_started(preset, wait_s=0.2)
    metrics.observe_job_finished(preset, "failed", render_s=5.0, gpu_s=4.0, reason="job.out_of_memory")

    assert metrics.sample_value("reelbot_job_transitions_total", {"state": "done"}) == before_done + 1
    assert (
        metrics.sample_value("reelbot_job_failures_total", {"reason": "job.out_of_memory"}) == before_fail + 1
    )
    assert metrics.sample_value("reelbot_gpu_seconds_total", {"preset": preset}) == 46.0
    assert metrics.sample_value("reelbot_job_wait_seconds_count", {"preset": preset}) == 2
    assert metrics.sample_value("reelbot_job_wait_seconds_sum", {"preset": preset}) == 3.2
    # 3 s lands in the 5 s bucket but not in the 2 s one; 0.2 s in both.
    assert metrics.sample_value("reelbot_job_wait_seconds_bucket", {"preset": preset, "le": "2.0"}) == 1
    assert metrics.sample_value("reelbot_job_wait_seconds_bucket", {"preset": preset, "le": "5.0"}) == 2
    assert metrics.sample_value("reelbot_job_render_seconds_sum", {"preset": preset}) == 47.0
    assert metrics.sample_value("reelbot_worker_busy") == 0


def test_stage_timer_records_histogram_and_dict() -> None:
    timings: dict[str, float] = {}
    with metrics.time_stage("encode", "ops-stage-preset", timings):
        sum(range(1000))
    assert set(timings) == {"encode"} and timings["encode"] >= 0
    assert (
        metrics.sample_value(
            "reelbot_job_stage_seconds_count", {"stage": "encode", "preset": "ops-stage-preset"}
        )
        == 1
    )


def test_failure_reason_label_is_bounded() -> None:
    metrics.observe_failure("x" * 500)
    assert metrics.sample_value("reelbot_job_failures_total", {"reason": "x" * 64}) >= 1


def test_exposition_is_valid_text_format_with_every_family() -> None:
    metrics.observe_interaction("discord", "make")
    metrics.observe_bot_error("line", "postback", "request.prompt_empty")
    metrics.observe_dead_letter(depth=7)
    metrics.set_queue_stats("ops-lane", metrics.LaneStats(depth=5, lag=3, pending=2, oldest_age_s=12.5))

    text = metrics.render_latest().decode()
    families = {family.name: family for family in text_string_to_metric_families(text)}
    expected = {
        "reelbot_queue_depth": "gauge",
        "reelbot_queue_lag": "gauge",
        "reelbot_queue_pending": "gauge",
        "reelbot_job_transitions": "counter",
        "reelbot_job_wait_seconds": "histogram",
        "reelbot_job_render_seconds": "histogram",
        "reelbot_gpu_seconds": "counter",
        "reelbot_job_failures": "counter",
        "reelbot_dead_letters": "counter",
        "reelbot_dead_letter_depth": "gauge",
        "reelbot_bot_interactions": "counter",
        "reelbot_bot_errors": "counter",
    }
    for name, kind in expected.items():
        assert families[name].type == kind, name
    lag = [s for s in families["reelbot_queue_lag"].samples if s.labels == {"lane": "ops-lane"}]
    assert lag and lag[0].value == 3
    assert families["reelbot_dead_letter_depth"].samples[0].value == 7
    # Process collectors ride along on the default registry.
    assert "process_cpu_seconds" in families or "python_gc_objects_collected" in families


async def test_lane_stats_read_from_a_real_consumer_group(
    redis_client: aioredis.Redis, key_prefix: str
) -> None:
    stream, group = f"{key_prefix}:ops:jobs", "workers"
    assert await metrics.read_lane_stats(redis_client, stream, group) == metrics.LaneStats(0, 0, 0)

    for i in range(5):
        await redis_client.xadd(stream, {"n": str(i)})
    # No group yet: everything is lag.
    assert await metrics.read_lane_stats(redis_client, stream, group) == metrics.LaneStats(5, 5, 0)

    await redis_client.xgroup_create(stream, group, id="0")
    claimed = await redis_client.xreadgroup(group, "w1", {stream: ">"}, count=2)
    assert len(claimed[0][1]) == 2
    stats = await metrics.read_lane_stats(redis_client, stream, group)
    assert stats == metrics.LaneStats(depth=5, lag=3, pending=2)

    await redis_client.xack(stream, group, claimed[0][1][0][0])
    assert await metrics.read_lane_stats(redis_client, stream, group) == metrics.LaneStats(4, 3, 1)


async def test_refresh_queue_metrics_reads_every_lane(redis_client: aioredis.Redis, key_prefix: str) -> None:
    from reelbot.queue.keys import WORKERS_GROUP, Keys

    keys = Keys(key_prefix)
    await redis_client.xgroup_create(keys.jobs("fast"), WORKERS_GROUP, id="0", mkstream=True)
    for i in range(3):
        await redis_client.xadd(keys.jobs("fast"), {"job": str(i)})
    await redis_client.xadd(keys.dead("relaxed"), {"job": "x", "error": "boom"})

    stats = await metrics.refresh_queue_metrics(redis_client, key_prefix)
    assert stats["fast"] == metrics.LaneStats(depth=3, lag=3, pending=0)
    assert stats["relaxed"] == metrics.LaneStats(0, 0, 0)
    assert metrics.sample_value("reelbot_queue_lag", {"lane": "fast"}) == 3
    assert metrics.sample_value("reelbot_dead_letter_depth") == 1
