"""What a worker is built from: plain parts the composition root hands over, never the service.

Why: the generator must not import the application (``reelbot.app``). The CLI's
``reelbot.cli.wiring.worker_for`` takes them from a running service; tests may build them
from their own Redis, database and media folder.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from reelbot.domain.events import JobEvent
from reelbot.domain.settings import Settings
from reelbot.ports import JobObserver, NoObserver
from reelbot.queue.events import EventStream
from reelbot.queue.streams import JobQueue
from reelbot.storage.db import session_scope


class Reconcile(Protocol):
    def __call__(self, *, older_than_s: float = ...) -> Awaitable[int]:
        """Re-enqueue ``queued`` jobs that have no queue message, oldest first; how many."""
        ...


@dataclass(frozen=True)
class WorkerParts:
    """Settings, the jobs queue, the media store, the database engine, the events streams
    (one per platform, already carrying ``JobEvent``), the reconcile step of the service and
    where job figures go (``reelbot.ops.metrics`` in every real process; nothing by default)."""

    settings: Settings
    queue: JobQueue
    media: Any  # reelbot.storage.media.MediaStore (local folder or bucket)
    db: Any  # SQLAlchemy engine
    events: Callable[[str], EventStream[JobEvent]]
    reconcile: Reconcile
    observer: JobObserver = field(default_factory=NoObserver)

    async def run_db(self, fn: Any, /, **kwargs: Any) -> Any:
        """One repository call (``fn(session=..., **kwargs)``) in its own transaction, off the loop."""

        def call() -> Any:
            with session_scope(self.db) as session:
                return fn(session=session, **kwargs)

        return await asyncio.to_thread(call)

    async def publish(self, event: JobEvent) -> None:
        """Append ``event`` to the events stream of its platform."""
        await self.events(str(event.origin.platform)).publish(event)
