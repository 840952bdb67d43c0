"""Opening and using the service's stores: the database, the media store, Redis and the
job events streams (a part of :class:`~reelbot.app.service.ReelbotService`, kept apart so
the service itself only says what it does, not how its connections are made).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

from reelbot.domain.events import JobEvent
from reelbot.domain.settings import Settings
from reelbot.queue.connect import connect
from reelbot.queue.events import Codec, EventStream
from reelbot.queue.keys import Keys
from reelbot.storage.db import check_revision, make_engine, session_scope
from reelbot.storage.db import migrate as migrate_schema
from reelbot.storage.media import MediaStore, open_media_store

#: Job events travel as JSON text through the queue's events streams.
JOB_EVENTS: Codec[JobEvent] = Codec(JobEvent.to_json, JobEvent.from_json)


@dataclass(frozen=True)
class Stores:
    """The three connections a service holds, opened together."""

    redis: aioredis.Redis
    db: Any
    media: MediaStore


async def open_stores(settings: Settings, *, migrate: bool) -> Stores:
    """Database first (migrated, or only checked: see ``ReelbotService.open``), then the
    media store and Redis; a schema refusal disposes of the engine before it is raised."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    try:
        await asyncio.to_thread(migrate_schema if migrate else check_revision, engine)
    except BaseException:
        await asyncio.to_thread(engine.dispose)
        raise
    media = open_media_store(settings)  # local folder or S3 bucket (settings.media)
    q = settings.queue
    redis = connect(settings.redis_url, max_connections=q.max_connections, timeout_s=q.pool_timeout_s)
    return Stores(redis=redis, db=engine, media=media)


async def close_stores(redis: aioredis.Redis, db: Any) -> None:
    await redis.aclose()
    await asyncio.to_thread(db.dispose)


def job_events(redis: aioredis.Redis, keys: Keys, platform: str, settings: Settings) -> EventStream[JobEvent]:
    """The events stream one platform's bot reads (queued, progress, done …)."""
    return EventStream(redis, keys, platform, maxlen=settings.queue.events_maxlen, codec=JOB_EVENTS)


async def run_in_session(db: Any, fn: Any, /, **kwargs: Any) -> Any:
    """Run a repository function (``fn(session=..., **kwargs)``) in one transaction, off the
    event loop: SQLModel is synchronous, the service and the bots are not."""

    def call() -> Any:
        with session_scope(db) as session:
            return fn(session=session, **kwargs)

    return await asyncio.to_thread(call)
