"""EventStream against the real Redis: events survive a bot restart until acknowledged."""

from __future__ import annotations

import asyncio
import uuid

import redis.asyncio as aioredis

from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.types import Origin, Platform
from reelbot.queue.events import TEXT, Codec, EventStream
from reelbot.queue.keys import Keys

GROUP = "bots"
#: The queue carries text; callers bring the codec of their own event type.
CODEC: Codec[JobEvent] = Codec(JobEvent.to_json, JobEvent.from_json)


def event(kind: EventKind = EventKind.DONE, **extra: object) -> JobEvent:
    origin = Origin(platform=Platform.DISCORD, channel_id="c1", user_id="u1")
    return JobEvent(kind=kind, job_id=uuid.uuid4(), origin=origin, **extra)  # type: ignore[arg-type]


async def test_publish_read_ack(redis_client: aioredis.Redis, keys: Keys) -> None:
    stream = EventStream(redis_client, keys, "discord", codec=CODEC, maxlen=1000)
    await stream.ensure_group(GROUP)
    sent = [event(EventKind.PROGRESS, step=i, total_steps=3) for i in range(3)]
    for e in sent:
        await stream.publish(e)
    got = await stream.read(GROUP, "bot-1", count=10)
    assert [e for _, e in got] == sent
    assert await stream.ack(GROUP, *(eid for eid, _ in got)) == 3
    assert await stream.read(GROUP, "bot-1", count=10, block_ms=50) == []


async def test_unacked_events_come_back_after_restart(redis_client: aioredis.Redis, keys: Keys) -> None:
    before = EventStream(redis_client, keys, "line", codec=CODEC)
    await before.ensure_group(GROUP)
    done = event(clip_id=uuid.uuid4())
    failed = event(EventKind.FAILED, error_key="error.internal")
    await before.publish(done)
    await before.publish(failed)
    first = await before.read(GROUP, "line-bot", count=10)
    assert [e for _, e in first] == [done, failed]
    # The bot dies before acknowledging anything. Its successor reads them again, in pages.
    after = EventStream(redis_client, keys, "line", codec=CODEC)
    page1 = await after.read(GROUP, "line-bot", count=1)
    page2 = await after.read(GROUP, "line-bot", count=1)
    assert [e for _, e in page1 + page2] == [done, failed]
    await after.ack(GROUP, page1[0][0])
    newer = event(EventKind.STARTED)
    await after.publish(newer)
    assert [e for _, e in await after.read(GROUP, "line-bot", count=10)] == [newer]
    # Only the acknowledged one is gone for good: a third start sees the other two.
    third = EventStream(redis_client, keys, "line", codec=CODEC)
    assert [e for _, e in await third.read(GROUP, "line-bot", count=10)] == [failed, newer]


async def test_events_of_a_vanished_consumer_are_taken_over(redis_client: aioredis.Redis, keys: Keys) -> None:
    old = EventStream(redis_client, keys, "discord", codec=CODEC)
    await old.ensure_group(GROUP)
    sent = event()
    await old.publish(sent)
    assert len(await old.read(GROUP, "pod-abc", count=10)) == 1
    await asyncio.sleep(0.15)
    new = EventStream(redis_client, keys, "discord", codec=CODEC, stale_ms=100)
    got = await new.read(GROUP, "pod-xyz", count=10)
    assert [e for _, e in got] == [sent]


async def test_events_published_before_the_group_exist_are_delivered(
    redis_client: aioredis.Redis, keys: Keys
) -> None:
    stream = EventStream(redis_client, keys, "discord", codec=CODEC)
    early = event(EventKind.QUEUED, position=1)
    await stream.publish(early)
    await stream.ensure_group(GROUP)
    await stream.ensure_group(GROUP)  # idempotent
    assert [e for _, e in await stream.read(GROUP, "bot", count=10)] == [early]


async def test_malformed_entries_are_skipped_not_fatal(redis_client: aioredis.Redis, keys: Keys) -> None:
    stream = EventStream(redis_client, keys, "discord", codec=CODEC)
    await stream.ensure_group(GROUP)
    await redis_client.xadd(keys.events("discord"), {"event": "{not json"})
    good = event()
    await stream.publish(good)
    got = await stream.read(GROUP, "bot", count=10)
    assert [e for _, e in got] == [good]
    assert (await redis_client.xpending(keys.events("discord"), GROUP))["pending"] == 1


async def test_read_without_group_creates_it(redis_client: aioredis.Redis, keys: Keys) -> None:
    stream = EventStream(redis_client, keys, "discord", codec=CODEC)
    assert await stream.read("fresh", "bot", count=10) == []
    sent = event()
    await stream.publish(sent)
    assert [e for _, e in await stream.read("fresh", "bot", count=10)] == [sent]


async def test_stream_stays_bounded(redis_client: aioredis.Redis, keys: Keys) -> None:
    stream = EventStream(redis_client, keys, "discord", codec=CODEC, maxlen=100)
    for _ in range(1000):
        await stream.publish(event(EventKind.PROGRESS, step=1, total_steps=2))
    # Approximate trimming: whole radix-tree nodes (up to 100 entries) go at once.
    assert await redis_client.xlen(keys.events("discord")) <= 300


async def test_plain_text_payloads_by_default(redis_client: aioredis.Redis, keys: Keys) -> None:
    stream = EventStream(redis_client, keys, "cli")
    assert stream.codec is TEXT
    await stream.ensure_group(GROUP)
    await stream.publish('{"any": "json"}')
    got = await stream.read(GROUP, "bot", count=10)
    assert [payload for _, payload in got] == ['{"any": "json"}']
