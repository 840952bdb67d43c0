"""A real worker process that SIGKILLs itself at a chosen point (tests/e2e/test_worker_kill_points.py).

usage: python kill_worker.py after_done|after_files — settings come from REELBOT_* variables.
Only the kill point is test code: the worker, its parts and its stages are the real ones.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from typing import Any

from reelbot.app.service import ReelbotService
from reelbot.cli.wiring import worker_for
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.settings import load_settings


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


async def main(point: str) -> None:
    service = await ReelbotService.open(load_settings())
    worker = worker_for(service, name=f"doomed-{point}", burst=True)
    if point == "after_done":  # the job is marked done, its DONE event not yet published
        real_publish = worker.parts.publish

        async def publish(event: JobEvent) -> None:
            if event.kind is EventKind.DONE:
                die()
            await real_publish(event)

        object.__setattr__(worker.parts, "publish", publish)
    elif point == "after_files":  # both files stored, the job not yet marked done
        real_put = service.media.put_file

        def put_file(key: str, src: Any) -> None:
            real_put(key, src)
            if key.startswith("thumbs/"):
                die()

        service.media.put_file = put_file
    else:
        raise SystemExit(f"unknown kill point {point!r}")
    await worker.run()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
