"""/healthz, /readyz and /metrics against the real Redis and real databases."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Mapping

import aiohttp
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from reelbot.domain.settings import Settings
from reelbot.ops import metrics
from reelbot.ops.health import (
    Check,
    add_health_routes,
    bound_port,
    database_check,
    default_checks,
    redis_check,
    start_health_server,
)
from tests.conftest import POSTGRES_URL


def closed_port() -> int:
    """A port nothing listens on: bind, read the number, close."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def serve() -> AsyncIterator[object]:
    runners: list[web.AppRunner] = []

    async def start(checks: Mapping[str, Check]) -> str:
        runner = await start_health_server(checks, host="127.0.0.1", port=0)
        runners.append(runner)
        return f"http://127.0.0.1:{bound_port(runner)}"

    yield start
    for runner in runners:
        await runner.cleanup()


async def get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, response.headers["Content-Type"], await response.text()


async def test_ready_with_real_redis_and_sqlite(serve, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    settings.data_dir.mkdir(parents=True)
    base = await serve(default_checks(settings))
    status, _, body = await get(base + "/healthz")
    assert status == 200 and '"status": "ok"' in body
    status, _, body = await get(base + "/readyz")
    assert status == 200, body
    assert '"redis": "ok"' in body and '"database": "ok"' in body


async def test_not_ready_when_redis_is_unreachable(serve, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    settings.data_dir.mkdir(parents=True)
    dead = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{closed_port()}/0"})
    base = await serve(default_checks(dead))
    status, _, body = await get(base + "/readyz")
    assert status == 503
    assert '"redis": "ConnectionError"' in body and '"database": "ok"' in body
    # Liveness is unaffected: a Redis outage must not restart the process.
    status, _, _ = await get(base + "/healthz")
    assert status == 200


async def test_not_ready_when_database_is_unreachable(serve) -> None:  # type: ignore[no-untyped-def]
    url = f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/postgres"
    base = await serve({"database": database_check(url)})
    status, _, body = await get(base + "/readyz")
    assert status == 503 and '"database": "OperationalError"' in body
    assert "127.0.0.1" not in body  # reasons name the failure class, never hosts or credentials


@pytest.mark.postgres
async def test_ready_with_real_postgres(serve) -> None:  # type: ignore[no-untyped-def]
    base = await serve(
        {"database": database_check(POSTGRES_URL), "redis": redis_check("redis://127.0.0.1:6379/0")}
    )
    status, _, body = await get(base + "/readyz")
    assert status == 200, body


async def test_metrics_route_serves_prometheus_text(serve) -> None:  # type: ignore[no-untyped-def]
    metrics.observe_interaction("discord", "ops-health-probe")
    base = await serve({})
    status, content_type, body = await get(base + "/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(body)}
    samples = families["reelbot_bot_interactions"].samples
    assert any(s.labels.get("command") == "ops-health-probe" and s.value >= 1 for s in samples)


async def test_routes_mount_on_an_existing_app() -> None:
    app = web.Application()

    async def webhook(_: web.Request) -> web.Response:
        return web.Response(text="hook")

    app.router.add_post("/line/webhook", webhook)
    add_health_routes(app, {})
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        base = f"http://127.0.0.1:{bound_port(runner)}"
        assert (await get(base + "/healthz"))[0] == 200
        assert (await get(base + "/readyz"))[0] == 200  # no checks: ready
        async with aiohttp.ClientSession() as session, session.post(base + "/line/webhook") as response:
            assert await response.text() == "hook"
    finally:
        await runner.cleanup()


async def test_serve_health_one_liner(settings: Settings) -> None:
    from reelbot.ops.health import serve_health

    settings.data_dir.mkdir(parents=True)
    runner = await serve_health(settings, host="127.0.0.1", port=0)
    assert runner is not None
    try:
        # The port is now taken: optional endpoints step aside, required ones raise.
        assert await serve_health(settings, host="127.0.0.1", port=bound_port(runner), required=False) is None
        with pytest.raises(OSError):
            await serve_health(settings, host="127.0.0.1", port=bound_port(runner))
        status, _, body = await get(f"http://127.0.0.1:{bound_port(runner)}/readyz")
        assert status == 200 and '"redis": "ok"' in body
    finally:
        await runner.cleanup()
