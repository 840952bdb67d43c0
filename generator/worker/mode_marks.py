"""Workers tell the service which preset's mode they cannot load, so it stops queueing it.

Why: a draft LoRA that is missing or made for another model is found only where the file
should be, on a worker's disk, which the service cannot see. Without a word from the workers
every draft job of that preset would be queued and then fail. So a worker that fails to load
the adapter (warm-up preload or a job) sets ``Keys.mode_unavailable(preset, mode)`` to the
error's message key, with a TTL refreshed on every failure; one that loads it clears the mark.
The TTL lets a file an operator puts in place count again even where no worker says so; in a
mixed fleet (only some workers have the file) the last report wins until then.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from reelbot.domain.errors import ReelbotError
from reelbot.domain.reports import RenderReport
from reelbot.generator.worker.faults import TRANSIENT_ERRORS
from reelbot.queue.streams import JobQueue

log = logging.getLogger(__name__)

#: How long a failure counts without another report (docs/presets.md, "Draft LoRA").
MARK_TTL_S = 15 * 60
#: The errors that mean "this worker cannot load the mode's adapter" (generator/speed/lora.py).
ADAPTER_ERRORS = frozenset({"generator.lora_missing", "generator.lora_mismatch"})


@dataclass(frozen=True)
class AdapterLoad:
    """What loading one preset's mode adapter came to; ``error`` is None when it loaded."""

    preset: str
    mode: str
    error: str | None = None


def failed_load(exc: ReelbotError) -> AdapterLoad | None:
    """The failed load ``exc`` reports, or None for any other error."""
    if exc.key not in ADAPTER_ERRORS:
        return None
    return AdapterLoad(str(exc.details["preset"]), str(exc.details["mode"]), exc.key)


def loaded(report: RenderReport | None) -> AdapterLoad | None:
    """A render that ran with its mode's adapter on: the adapter loads on this worker."""
    if report is None or report.lora is None:
        return None
    return AdapterLoad(report.preset, report.mode)


async def record(queue: JobQueue, outcome: AdapterLoad | None) -> None:
    """Mark (or clear) ``outcome``'s mode in Redis; nothing for None. Best effort: a mark is
    a hint, and a Redis fault here must not hide the job's own error."""
    if outcome is None:
        return
    key = queue.keys.mode_unavailable(outcome.preset, outcome.mode)
    try:
        if outcome.error is None:
            await queue.redis.delete(key)
        else:
            await queue.redis.set(key, outcome.error, ex=MARK_TTL_S)
            log.warning(
                "%s:%s marked unavailable for %d s, because %s",
                outcome.preset,
                outcome.mode,
                MARK_TTL_S,
                outcome.error,
            )
    except TRANSIENT_ERRORS as exc:
        log.warning("could not record %s:%s availability: %s", outcome.preset, outcome.mode, exc)
