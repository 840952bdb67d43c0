"""A worker waiting out a Redis/database/disk fault answers /readyz with 503 ("worker"), and
200 again once the fault is over; the check is wired the way `reelbot worker` wires it."""

from __future__ import annotations

import json

import aiohttp

from reelbot.app.service import ReelbotService
from reelbot.cli.wiring import worker_for
from reelbot.domain.settings import Settings
from reelbot.ops.health import bound_port, serve_health


async def readyz(port: int) -> tuple[int, dict[str, str]]:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/readyz") as response:
        return response.status, json.loads(await response.text())["checks"]


async def test_readyz_says_not_ready_while_the_worker_waits_out_a_fault(settings: Settings) -> None:
    service = await ReelbotService.open(settings)
    worker = worker_for(service, name="ready-or-not", burst=True)
    runner = await serve_health(settings, host="127.0.0.1", port=0, extra_checks={"worker": worker.readiness})
    assert runner is not None
    try:
        status, checks = await readyz(bound_port(runner))
        assert status == 200 and checks["worker"] == "ok"
        worker.fault = "OSError"  # what the loop sets while it backs off (see test_worker_kill_points)
        status, checks = await readyz(bound_port(runner))
        assert status == 503 and checks["worker"] != "ok" and checks["redis"] == "ok"
        worker.fault = None
        assert (await readyz(bound_port(runner)))[0] == 200
    finally:
        await runner.cleanup()
        await service.close()
