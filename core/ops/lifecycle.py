"""Graceful shutdown: what SIGTERM means for every reelbot process.

The contract (docs/deploy.md has the operator's view):

1. The first SIGTERM or SIGINT sets a ``stop`` event. A worker stops claiming new jobs at
   once; the job it is rendering either finishes (result stored, *then* acked) or — if it
   cannot finish within the grace period — is left unacknowledged, so another worker
   reclaims it after ``queue.reclaim_idle_ms`` (XAUTOCLAIM). Nothing is acked that was
   not finished; nothing finished is lost.
2. A second signal means "now": the ``force`` callback runs (default: cancel the task
   that installed the handlers), which interrupts the render; the message stays pending
   and is reclaimed as above.
3. Kubernetes sends SIGTERM, waits ``terminationGracePeriodSeconds`` (set longer than one
   render in deploy/k8s), then SIGKILL — which is case 2 without the clean-up, and still
   safe for the same reason.

Bots and the media server use the same helper: on ``stop`` they close their listeners
and flush what they hold, and their event-stream messages stay pending until acked.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Iterable

log = logging.getLogger(__name__)

DEFAULT_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT)


def install_shutdown_handlers(
    stop: asyncio.Event,
    *,
    force: Callable[[], None] | None = None,
    signals: Iterable[signal.Signals] = DEFAULT_SIGNALS,
    loop: asyncio.AbstractEventLoop | None = None,
) -> Callable[[], None]:
    """Make the first signal set ``stop`` and the second call ``force``; returns an uninstaller.

    Call from inside the running loop (e.g. at the top of a worker's ``main``). ``force``
    defaults to cancelling the task that called this function, so ``asyncio.run(main())``
    unwinds through its ``finally`` blocks instead of dying mid-write.
    """
    running = loop or asyncio.get_running_loop()
    caller = asyncio.current_task(running)
    received: list[signal.Signals] = []
    chosen = tuple(signals)

    def on_force() -> None:
        if force is not None:
            force()
        elif caller is not None and not caller.done():
            caller.cancel()

    def handle(sig: signal.Signals) -> None:
        received.append(sig)
        if len(received) == 1:
            log.info("%s received: finishing the current job, claiming no more", sig.name)
            stop.set()
        else:
            log.warning("%s received again: stopping now; unfinished work stays queued", sig.name)
            on_force()

    for sig in chosen:
        running.add_signal_handler(sig, handle, sig)

    def uninstall() -> None:
        for sig in chosen:
            running.remove_signal_handler(sig)

    return uninstall


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep up to ``seconds``; True when ``stop`` was set meanwhile (idle loops, back-off)."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True
