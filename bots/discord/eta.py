"""Live ETA on the status messages of waiting jobs: re-estimated at a modest interval.

A job's status message says its place and expected wait when the ``queued`` event arrives
(:meth:`EtaRefresher.queued_line`). While it waits, the work ahead of it shrinks and workers
come and go, so every ``eta_refresh_s`` (default 30 s) the refresher asks the service for the
waits of all jobs it tracks — one question for all of them — and edits a message only when
its text changed, through the same :class:`~reelbot.bots.discord.throttle.EditThrottle` as
progress: Discord never sees more than one edit per message per interval from us.

It tracks at most ``MAX_TRACKED`` jobs (the newest); a job leaves when it starts, ends, or is
no longer waiting. After a restart tracking resumes with the next ``queued`` event of a job;
the events stream replays what the bot missed.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import OrderedDict
from typing import TYPE_CHECKING

from reelbot.bots.common.wait import queued_line
from reelbot.domain.events import JobEvent
from reelbot.domain.types import Origin

if TYPE_CHECKING:
    from reelbot.bots.discord.delivery import Delivery

log = logging.getLogger(__name__)

#: Waiting jobs whose messages are kept current (each refresh costs one small Redis script
#: and one database read per job, and at most one edit).
MAX_TRACKED = 200


class EtaRefresher:
    """Keeps the ETA of waiting jobs' status messages current."""

    def __init__(self, delivery: Delivery, interval_s: float) -> None:
        self.delivery = delivery
        self.interval_s = interval_s
        self._waiting: OrderedDict[uuid.UUID, Origin] = OrderedDict()
        self._shown: dict[uuid.UUID, str] = {}
        self._task: asyncio.Task[None] | None = None

    @property
    def tracked(self) -> list[uuid.UUID]:
        return list(self._waiting)

    async def queued_line(self, event: JobEvent) -> str | None:
        """The status line for a ``queued`` event (and track the job); None when it is not
        waiting any more or no wait can be estimated (the caller shows the plain line)."""
        try:
            wait = await self.delivery.bot.service.waits.wait_for(event.job_id)
        except Exception:
            log.warning("no wait estimate for job %s", event.job_id, exc_info=True)
            return None
        if wait is None:
            self.forget(event.job_id)
            return None
        self._waiting[event.job_id] = event.origin
        self._waiting.move_to_end(event.job_id)
        while len(self._waiting) > MAX_TRACKED:
            old, _ = self._waiting.popitem(last=False)
            self._shown.pop(old, None)
        line = queued_line(wait, event.origin.locale)
        self._shown[event.job_id] = line
        return line

    def forget(self, job_id: uuid.UUID) -> None:
        self._waiting.pop(job_id, None)
        self._shown.pop(job_id, None)

    async def refresh_once(self) -> int:
        """Re-estimate every tracked job; edit the messages whose line changed. Returns how
        many edits were handed to the throttle."""
        if not self._waiting:
            return 0
        waits = await self.delivery.bot.service.waits.waits_for(list(self._waiting))
        edits = 0
        for job_id, origin in list(self._waiting.items()):
            wait = waits.get(job_id)
            if wait is None:  # started, finished or cancelled: its own events take over
                self.forget(job_id)
                continue
            line = queued_line(wait, origin.locale)
            if line == self._shown.get(job_id) or job_id not in self._waiting:
                continue  # unchanged, or it started meanwhile: never put "queued" back over it
            self._shown[job_id] = line
            if await self.delivery.edit_status(job_id, origin, line):
                edits += 1
        return edits

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="discord-eta")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await self.refresh_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis or the database away for a moment: next round
                log.warning("refreshing waiting jobs' ETA failed", exc_info=True)
