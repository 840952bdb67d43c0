"""The model's step callback (it runs in the render thread) and the cancel poller beside it."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.types import GenerationRequest
from reelbot.generator.worker.faults import TRANSIENT_ERRORS
from reelbot.queue.streams import JobQueue

PROGRESS_MIN_INTERVAL_S = 0.5  # progress events are hints; don't flood the events stream


class Steps:
    """The model's step callback (runs in the render thread) and the cancel poller beside it."""

    def __init__(
        self,
        queue: JobQueue,
        send: Callable[[JobEvent], Coroutine[Any, Any, None]],
        job_id: uuid.UUID,
        request: GenerationRequest,
        lost: asyncio.Event,
    ) -> None:
        self.queue, self.send = queue, send
        self.job_id, self.request, self.lost = job_id, request, lost
        self.loop = asyncio.get_running_loop()
        self.cancelled = False
        self.done = False
        self.last_sent = 0.0

    async def poll_cancel(self) -> None:
        while not (self.cancelled or self.done):
            with contextlib.suppress(*TRANSIENT_ERRORS):
                self.cancelled = await self.queue.is_cancelled(self.job_id)
            await asyncio.sleep(1.0)

    def on_step(self, step: int, total: int) -> bool:
        now = time.monotonic()
        if step == total or now - self.last_sent >= PROGRESS_MIN_INTERVAL_S:
            self.last_sent = now
            event = JobEvent(
                kind=EventKind.PROGRESS,
                job_id=self.job_id,
                origin=self.request.origin,
                step=step,
                total_steps=total,
            )
            asyncio.run_coroutine_threadsafe(self.send(event), self.loop)
        return not (self.cancelled or self.lost.is_set())
