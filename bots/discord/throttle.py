"""Throttled message edits: at most one edit per message every ``interval`` seconds.

Progress events arrive as fast as a GPU steps (several per second); Discord allows about
five edits per 5 s per channel. Each message keeps only its newest pending text: an update
that arrives inside the interval replaces the waiting one, and the last one is always sent
once the interval has passed. :meth:`EditThrottle.final` sends a terminal text (done, failed)
after the same interval and, unless ``close=False``, makes later progress for that message a no-op.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Edit = Callable[[], Awaitable[None]]


class _Slot:
    __slots__ = ("closed", "last_sent", "pending", "task")

    def __init__(self) -> None:
        self.last_sent = float("-inf")
        self.pending: Edit | None = None
        self.task: asyncio.Task[None] | None = None
        self.closed = False


class EditThrottle:
    """Coalescing, per-key rate limiter for message edits."""

    def __init__(self, interval: float, *, max_keys: int = 10_000) -> None:
        self.interval = interval
        self.max_keys = max_keys
        self._slots: dict[str, _Slot] = {}

    def _slot(self, key: str) -> _Slot:
        slot = self._slots.get(key)
        if slot is None:
            if len(self._slots) >= self.max_keys:
                self._evict()
            slot = self._slots[key] = _Slot()
        return slot

    def _evict(self) -> None:
        idle = [k for k, s in self._slots.items() if s.task is None or s.task.done()]
        for key in idle[: max(1, len(idle) // 2)]:
            del self._slots[key]

    def update(self, key: str, edit: Edit) -> None:
        """Schedule ``edit`` for ``key``; replaces an edit still waiting for its turn."""
        slot = self._slot(key)
        if slot.closed:
            return
        slot.pending = edit
        if slot.task is None or slot.task.done():
            slot.task = asyncio.create_task(self._drain(key, slot), name=f"discord-edit-{key}")

    async def final(self, key: str, edit: Edit, *, close: bool = True) -> None:
        """Send ``edit`` now-or-after-the-interval, replacing waiting progress; waits until sent.

        ``close=True`` (a job's outcome): later progress for this key is a no-op, so a late
        event never un-does "done". ``close=False`` (a storyboard shot's outcome, with more shots
        to come): progress after it is shown again; ``last_sent`` still spaces the edits.
        """
        slot = self._slot(key)
        slot.closed = close
        slot.pending = None
        if slot.task is not None and not slot.task.done():
            await asyncio.gather(slot.task, return_exceptions=True)
        await self._wait_turn(slot)
        try:
            await edit()
        finally:
            slot.last_sent = time.monotonic()

    def assume_edited(self, key: str, at: float) -> None:
        """Treat ``key`` as edited at ``at`` (monotonic) unless this process edited it later.

        Discord counts edits of a message across processes: a bot that restarts must not edit
        a message the previous process may have edited a moment before it stopped.
        """
        slot = self._slot(key)
        slot.last_sent = max(slot.last_sent, at)

    def forget(self, key: str) -> None:
        slot = self._slots.pop(key, None)
        if slot is not None and slot.task is not None:
            slot.task.cancel()

    async def _wait_turn(self, slot: _Slot) -> None:
        delay = slot.last_sent + self.interval - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    async def _drain(self, key: str, slot: _Slot) -> None:
        while slot.pending is not None and not slot.closed:
            await self._wait_turn(slot)
            edit, slot.pending = slot.pending, None
            if edit is None or slot.closed:
                return
            try:
                await edit()
            except Exception:
                # A lost progress edit is harmless; the next one (or the final) repairs the text.
                log.warning("progress edit for %s failed", key, exc_info=True)
            finally:
                slot.last_sent = time.monotonic()

    async def aclose(self) -> None:
        tasks = [s.task for s in self._slots.values() if s.task is not None and not s.task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._slots.clear()
