"""Redis behind Sentinel: the client follows the primary through a failover.

Configured by the one Redis setting every process already reads, ``REELBOT_REDIS_URL``::

    redis+sentinel://[:password@]sentinel-0:26379,sentinel-1:26379,sentinel-2:26379/<service>[/<db>]

(``rediss+sentinel://`` for TLS to the data nodes). The hosts are the Sentinels, ``service``
is the name they monitor (``sentinel monitor <service> ...``). Why a URL and not separate
fields: every place that opens Redis — the service, workers, bots, ``reelbot health``, the
CLI — already passes ``settings.redis_url`` to :func:`reelbot.queue.connect.connect`, so a
deployment turns Sentinel on by changing one variable, and nothing can forget to.

What the client does: redis-py's :class:`~redis.asyncio.sentinel.Sentinel` asks the
Sentinels for the primary's address on each new connection; when the primary dies, the
commands in flight fail with ``ConnectionError`` and are retried (backing off, for up to
``failover_s``) until the Sentinels have promoted a replica, then go to the new primary.
The pool is blocking like :func:`~reelbot.queue.connect.connect`'s. What survives a failover
is what had reached the replica: see docs/queue.md ("Redis with failover").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import redis.asyncio as aioredis
from redis.asyncio.connection import BlockingConnectionPool, SSLConnection
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool, SentinelManagedConnection
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

SCHEMES = ("redis+sentinel", "rediss+sentinel")
DEFAULT_SENTINEL_PORT = 26379


def is_sentinel_url(url: str) -> bool:
    return url.split("://", 1)[0] in SCHEMES


@dataclass(frozen=True)
class SentinelTarget:
    """A parsed ``redis+sentinel://`` URL (the password is for the data nodes and Sentinels)."""

    sentinels: list[tuple[str, int]]
    service_name: str
    db: int = 0
    username: str | None = None
    password: str | None = None
    ssl: bool = False

    def __repr__(self) -> str:  # never the password
        return (
            f"SentinelTarget(sentinels={self.sentinels!r}, service_name={self.service_name!r}, db={self.db})"
        )


def parse_sentinel_url(url: str) -> SentinelTarget:
    """Parse ``redis+sentinel://[user:pass@]h1:p1,h2:p2/service[/db]``; ValueError when malformed."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise ValueError(f"not a Sentinel URL (scheme {parts.scheme!r})")
    netloc = parts.netloc
    auth, _, hosts = netloc.rpartition("@")
    username, _, password = auth.partition(":") if auth else ("", "", "")
    sentinels: list[tuple[str, int]] = []
    for item in filter(None, hosts.split(",")):
        host, _, port = item.rpartition(":") if ":" in item else (item, "", "")
        if not host:
            raise ValueError(f"sentinel address {item!r} has no host")
        sentinels.append((host, int(port) if port else DEFAULT_SENTINEL_PORT))
    if not sentinels:
        raise ValueError("a Sentinel URL names at least one sentinel host")
    path = [segment for segment in parts.path.split("/") if segment]
    if not path or len(path) > 2:
        raise ValueError("a Sentinel URL's path is /<service name>[/<db>]")
    db = int(path[1]) if len(path) == 2 else 0
    return SentinelTarget(
        sentinels=sentinels,
        service_name=unquote(path[0]),
        db=db,
        username=unquote(username) or None,
        password=unquote(password) or None,
        ssl=parts.scheme.startswith("rediss"),
    )


class BlockingSentinelConnectionPool(SentinelConnectionPool, BlockingConnectionPool):
    """Connections to whatever the Sentinels call the primary; extra commands wait for one."""


class PrimaryFollowingConnection(SentinelManagedConnection):
    """Asks the Sentinels for the primary on *every* (re)connect.

    Why: in redis-py 8.1 a command retried after a dropped connection reconnects through
    ``send_packed_command`` → ``connect_check_health``, which skips
    ``SentinelManagedConnection.connect`` (where the primary is looked up) and dials the dead
    primary's address until the retries run out — the client never follows the failover.
    Upstream: redis/redis-py issue 3874 (open; PR 3875). Drop this class once a release fixes it.
    """

    async def connect_check_health(
        self, check_health: bool = True, retry_socket_connect: bool = True
    ) -> None:
        if self.is_connected:
            return
        if self.connection_pool.is_master:
            self.host, self.port = await self.connection_pool.get_master_address()
        await super().connect_check_health(
            check_health=check_health, retry_socket_connect=retry_socket_connect
        )


class PrimaryFollowingSSLConnection(PrimaryFollowingConnection, SSLConnection):
    """The same over TLS (``rediss+sentinel://``)."""


def failover_retry(failover_s: float) -> Retry:
    """Retries that span a failover: backoff up to 1 s, enough attempts for ``failover_s``."""
    attempts = max(3, int(failover_s / 0.5))
    return Retry(ExponentialWithJitterBackoff(cap=1.0, base=0.05), attempts)


def connect_sentinel(
    url: str,
    *,
    max_connections: int = 100,
    timeout_s: float = 20.0,
    failover_s: float = 30.0,
    socket_timeout_s: float = 5.0,
    **kwargs: Any,
) -> aioredis.Redis:
    """A client for the current primary of the service the URL names (see the module doc)."""
    target = parse_sentinel_url(url)
    auth = {"username": target.username, "password": target.password}
    sentinel = Sentinel(
        target.sentinels,
        sentinel_kwargs={
            **auth,
            "socket_timeout": socket_timeout_s,
            "socket_connect_timeout": socket_timeout_s,
        },
        socket_timeout=socket_timeout_s,
        socket_connect_timeout=socket_timeout_s,
    )
    return sentinel.master_for(
        target.service_name,
        redis_class=aioredis.Redis,
        connection_pool_class=BlockingSentinelConnectionPool,
        db=target.db,
        connection_class=PrimaryFollowingSSLConnection if target.ssl else PrimaryFollowingConnection,
        max_connections=max_connections,
        timeout=timeout_s,
        retry=failover_retry(failover_s),
        # A demoted primary that is still up answers writes with READONLY: retry those too.
        retry_on_error=[RedisConnectionError, RedisTimeoutError, ReadOnlyError],
        **auth,
        **kwargs,
    )
