"""A real batching worker process that SIGKILLs itself when its first job starts
(tests/e2e/test_batch_handback.py): the jobs its turn claimed ahead are still waiting.

usage: python kill_batch_worker.py — settings come from REELBOT_* variables (batch size, queue).
Only the kill point is test code: the worker, its batcher and its queue are the real ones.
"""

from __future__ import annotations

import asyncio
import os
import signal

from reelbot.app.service import ReelbotService
from reelbot.cli.wiring import worker_for
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.settings import load_settings


async def main() -> None:
    service = await ReelbotService.open(load_settings())
    worker = worker_for(service, name="doomed-batcher", burst=True)
    real_publish = worker.parts.publish

    async def publish(event: JobEvent) -> None:
        if event.kind is EventKind.STARTED:  # the lead is running, the others wait in the turn
            os.kill(os.getpid(), signal.SIGKILL)
        await real_publish(event)

    object.__setattr__(worker.parts, "publish", publish)
    await worker.run()


if __name__ == "__main__":
    asyncio.run(main())
