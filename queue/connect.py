"""One way to open the Redis client every reelbot process uses.

Why a blocking pool: redis-py's default pool raises ``MaxConnectionsError`` the moment more
commands are in flight than it has connections (a burst of webhook deliveries, a storyboard
with many shots). A :class:`~redis.asyncio.BlockingConnectionPool` makes the extra commands
wait ``timeout`` seconds for a free connection instead, which is what a queue wants.
"""

from __future__ import annotations

import logging
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

from reelbot.queue.sentinel import connect_sentinel, is_sentinel_url

log = logging.getLogger(__name__)


def connect(
    url: str, *, max_connections: int = 100, timeout_s: float = 20.0, **kwargs: Any
) -> aioredis.Redis:
    """A client on a blocking pool of ``max_connections``; a command waits up to ``timeout_s``."""
    if is_sentinel_url(url):  # redis+sentinel://s0,s1,s2/<service>: follow the primary (sentinel.py)
        return connect_sentinel(url, max_connections=max_connections, timeout_s=timeout_s, **kwargs)
    pool = aioredis.BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=timeout_s, **kwargs
    )
    return aioredis.Redis(connection_pool=pool)


async def persistence(redis: aioredis.Redis) -> dict[str, str] | None:
    """``{"appendonly": ..., "save": ...}`` of the server, or None when CONFIG is not allowed
    (managed Redis often renames or disables it)."""
    out: dict[str, str] = {}
    try:
        for name in ("appendonly", "save"):
            reply: dict[Any, Any] = dict(await redis.config_get(name) or {})
            value = reply.get(name, reply.get(name.encode(), ""))
            out[name] = value.decode() if isinstance(value, bytes) else str(value)
    except ResponseError:
        return None
    return out


async def warn_without_persistence(redis: aioredis.Redis, *, who: str) -> bool:
    """Log a warning when the Redis reached keeps nothing across a restart; True when it does
    (or when that cannot be known). Never raises: a start-up check must not stop a process."""
    try:
        config = await persistence(redis)
    except RedisError as exc:
        log.warning("%s: could not ask Redis about persistence (%s)", who, type(exc).__name__)
        return True
    if config is None:
        log.info("%s: Redis CONFIG is not available; cannot check its persistence", who)
        return True
    if config.get("appendonly") == "yes" or config.get("save", "").strip():
        return True
    log.warning(
        "%s: Redis has no persistence (appendonly=no, save=''): a Redis restart loses queued "
        "jobs' messages (re-queued from the database) and undelivered results; see docs/queue.md",
        who,
    )
    return False
