"""The Redis primary is killed while a worker renders: every clip is still made and told once.

Real processes: redis-server primary + replica + Sentinel (tests/fleet/redis_nodes.py). The
service and the worker talk to Redis only through ``connect_sentinel`` — what
``connect(settings.redis_url)`` hands a ``redis+sentinel://`` URL to.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from reelbot.app.service import ReelbotService
from reelbot.cli.wiring import worker_for
from reelbot.domain.events import EventKind
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform
from reelbot.generator.cache import EngineCache
from reelbot.queue.sentinel import connect_sentinel
from reelbot.storage.db import make_engine, migrate
from reelbot.storage.media import open_media_store
from tests.fleet.redis_nodes import RedisNodes

ALICE = Origin(platform=Platform.DISCORD, user_id="alice", channel_id="c1", guild_id="g1", locale="en")


@pytest.fixture
async def service(nodes: RedisNodes, tmp_path: Path, key_prefix: str) -> AsyncIterator[ReelbotService]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        redis_url=nodes.url,
        redis_prefix=key_prefix,
        preset="tiny",
        device="cpu",
        media_secret="test-secret-0123456789abcdef",  # type: ignore[arg-type]
    )
    engine = make_engine(settings.resolved_database_url)
    await asyncio.to_thread(migrate, engine)
    redis = connect_sentinel(nodes.url, max_connections=20)
    svc = ReelbotService(settings, redis, engine, open_media_store(settings))
    await svc.queue.ensure_groups()
    try:
        yield svc
    finally:
        await svc.close()


async def test_primary_killed_mid_render_every_clip_made_and_told_once(
    service: ReelbotService, nodes: RedisNodes, tiny_cache: EngineCache
) -> None:
    tickets = [
        await service.submit(
            GenerationRequest(prompt=f"shot {i}", origin=ALICE, seed=i), idempotency_key=f"k{i}"
        )
        for i in range(3)
    ]
    assert await service.redis.execute_command("WAIT", 1, 10_000) == 1  # the queue reached the replica
    worker = asyncio.create_task(worker_for(service, name="w1", burst=True, cache=tiny_cache).run())

    deadline = time.monotonic() + 300
    while (await service.job(tickets[0].job_id)).step is None:  # rendering the first job now
        assert time.monotonic() < deadline and not worker.done(), "the worker never started rendering"
        await asyncio.sleep(0.02)
    nodes.kill_primary()

    await asyncio.wait_for(worker, timeout=300)
    assert nodes.sentinel_primary_port() == nodes.replica_port
    clips = set()
    for ticket in tickets:
        view = await service.job(ticket.job_id)
        assert view.state is JobState.DONE, view
        clips.add(view.clip_id)
    assert len(clips) == 3 and None not in clips

    events = service.events(Platform.DISCORD)
    await events.ensure_group("discord")
    done = Counter(
        event.job_id
        for _, event in await events.read("discord", "bot-1", count=1000, block_ms=10)
        if event.kind is EventKind.DONE
    )
    assert done == Counter({ticket.job_id: 1 for ticket in tickets})
    depth = await service.queue.depth()
    assert all(lane["pending"] == 0 and lane["dead"] == 0 for lane in depth.values()), depth
