"""``/metrics``, ``/healthz`` and ``/readyz`` for every reelbot process.

Why two probes: ``/healthz`` answers "is this process alive" (the event loop turns) and
is what a container HEALTHCHECK / Kubernetes liveness probe restarts on; ``/readyz``
answers "can it do its job now" (Redis answers PING, the database answers ``SELECT 1``)
and only takes the pod out of a Service — a Redis blip must not restart every worker.

A process either mounts the routes on its own aiohttp app (:func:`add_health_routes`:
the LINE webhook and the media server do) or runs them on a side port
(:func:`start_health_server`: workers and the Discord bot, which serve no HTTP).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry

from reelbot.domain.settings import Settings
from reelbot.ops.metrics import render_latest

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[None]]
"""A readiness check: returns when the dependency answers, raises otherwise."""

DEFAULT_HEALTH_PORT = 9102  # side port for processes without their own HTTP server
CHECK_TIMEOUT_S = 2.0

CHECKS_KEY: web.AppKey[Mapping[str, Check]] = web.AppKey("reelbot_health_checks", Mapping)
REGISTRY_KEY: web.AppKey[CollectorRegistry] = web.AppKey("reelbot_health_registry", CollectorRegistry)
STARTED_KEY: web.AppKey[float] = web.AppKey("reelbot_health_started", float)


def redis_check(redis_url: str) -> Check:
    """PING over a fresh short-lived connection (a pooled one could hide a dead server)."""

    async def check() -> None:
        import redis.asyncio as aioredis

        from reelbot.queue.sentinel import connect_sentinel, is_sentinel_url

        if is_sentinel_url(redis_url):  # PING whatever the Sentinels call the primary now
            client = connect_sentinel(
                redis_url, max_connections=2, failover_s=CHECK_TIMEOUT_S, socket_timeout_s=CHECK_TIMEOUT_S
            )
        else:
            client = aioredis.from_url(
                redis_url, socket_connect_timeout=CHECK_TIMEOUT_S, socket_timeout=CHECK_TIMEOUT_S
            )
        try:
            if not await client.ping():
                raise ConnectionError("redis did not answer PING")
        finally:
            await client.aclose()

    return check


def database_check(database_url: str) -> Check:
    """``SELECT 1`` on the configured database, in a thread (SQLAlchemy here is sync)."""
    from sqlalchemy import create_engine, text

    # One engine per check, kept for the process: pool_pre_ping turns a dropped connection
    # into a fresh retry instead of a false "not ready".
    connect_args: dict[str, Any] = {}
    if database_url.startswith("postgresql"):
        connect_args["connect_timeout"] = max(int(CHECK_TIMEOUT_S), 1)
    engine = create_engine(database_url, pool_pre_ping=True, connect_args=connect_args)

    def select_one() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1")).scalar_one()

    async def check() -> None:
        await asyncio.to_thread(select_one)

    return check


def default_checks(settings: Settings) -> dict[str, Check]:
    """Redis and the database: what every reelbot process needs to be useful."""
    return {
        "redis": redis_check(settings.redis_url),
        "database": database_check(settings.resolved_database_url),
    }


async def _run_check(check: Check) -> str | None:
    """None when healthy, else a short reason (the exception class: messages may hold hosts or secrets)."""
    try:
        await asyncio.wait_for(check(), timeout=CHECK_TIMEOUT_S + 1)
    except TimeoutError:
        return "timeout"
    except Exception as exc:
        log.warning("readiness check failed: %s", type(exc).__name__)
        return type(exc).__name__
    return None


async def healthz(request: web.Request) -> web.Response:
    started = request.app[STARTED_KEY]
    return web.json_response({"status": "ok", "uptime_s": round(time.monotonic() - started, 3)})


async def readyz(request: web.Request) -> web.Response:
    checks = request.app[CHECKS_KEY]
    names = list(checks)
    results = await asyncio.gather(*(_run_check(checks[name]) for name in names))
    report = {name: (error or "ok") for name, error in zip(names, results, strict=True)}
    ready = all(error is None for error in results)
    return web.json_response(
        {"status": "ok" if ready else "unavailable", "checks": report}, status=200 if ready else 503
    )


async def metrics(request: web.Request) -> web.Response:
    body = render_latest(request.app[REGISTRY_KEY])
    response = web.Response(body=body)
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


def add_health_routes(
    app: web.Application,
    checks: Mapping[str, Check],
    *,
    registry: CollectorRegistry = REGISTRY,
) -> web.Application:
    """Mount ``/metrics``, ``/healthz`` and ``/readyz`` on an existing app (call before it starts)."""
    app[CHECKS_KEY] = dict(checks)
    app[REGISTRY_KEY] = registry
    app[STARTED_KEY] = time.monotonic()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    return app


def health_app(checks: Mapping[str, Check], *, registry: CollectorRegistry = REGISTRY) -> web.Application:
    """A stand-alone app with only the three routes."""
    return add_health_routes(web.Application(), checks, registry=registry)


async def start_health_server(
    checks: Mapping[str, Check],
    *,
    host: str = "0.0.0.0",  # noqa: S104 - probes come from the kubelet / Prometheus, not localhost
    port: int = DEFAULT_HEALTH_PORT,
    registry: CollectorRegistry = REGISTRY,
) -> web.AppRunner:
    """Serve the routes on a side port; ``await runner.cleanup()`` on shutdown.

    ``port=0`` picks a free port (tests); read it back with :func:`bound_port`.
    """
    runner = web.AppRunner(health_app(checks, registry=registry), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    log.info("health endpoints on %s:%d", host, bound_port(runner))
    return runner


async def serve_health(
    settings: Settings,
    *,
    port: int = DEFAULT_HEALTH_PORT,
    host: str = "0.0.0.0",  # noqa: S104 - see start_health_server
    required: bool = True,
    extra_checks: Mapping[str, Check] | None = None,
) -> web.AppRunner | None:
    """One line for a worker or the Discord bot: the three routes with Redis + database checks
    (and ``extra_checks``, e.g. a worker's own "not waiting out a fault").

    ``required=False``: a port already taken (two workers on one dev machine) is logged and
    the process runs on without the endpoints instead of dying.
    """
    try:
        checks = {**default_checks(settings), **(extra_checks or {})}
        return await start_health_server(checks, host=host, port=port)
    except OSError as exc:
        if required:
            raise
        log.warning("health endpoints not started: port %d unavailable (%s)", port, exc.strerror)
        return None


def bound_port(runner: web.AppRunner) -> int:
    """The TCP port a started runner listens on."""
    for address in runner.addresses:
        if isinstance(address, tuple):
            return int(address[1])
    raise RuntimeError("health server is not listening")
