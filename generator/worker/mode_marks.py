"""Workers tell the service which preset's mode they cannot load, so it stops queueing it.

Why: a draft LoRA that is missing or made for another model is found only where the file
should be, on a worker's disk, which the service cannot see. Without a word from the workers
every draft job of that preset would be queued and then fail. So a worker that fails to load
the adapter (warm-up preload or a job) sets ``Keys.mode_unavailable(preset, mode)`` to the
error's message key, with a TTL refreshed on every failure; one that loads it clears the mark.
At warm-up a worker also looks at the files of every other preset it serves (``lora_files``: a
missing or unreadable file marks, a look never clears: only a load knows a LoRA fits).

A mark also records the worker's host and what the files were (``<key>|<host>|<state>``), so a
file an operator puts in place ends it early: the periodic :func:`reconcile` of a worker on that
host deletes a mark whose files now differ (the next draft job loads them for real and marks
again if they still fail). Other hosts' marks are left to their TTL: their disk may differ. In
a mixed fleet (only some workers have the file) the last report wins until then.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass

from reelbot.domain.errors import ReelbotError
from reelbot.domain.presets import PRESETS
from reelbot.domain.reports import RenderReport
from reelbot.generator.presets import LoadContext
from reelbot.generator.worker import lora_files
from reelbot.generator.worker.faults import TRANSIENT_ERRORS
from reelbot.queue.keys import MODE_MARK_SEPARATOR
from reelbot.queue.streams import JobQueue

log = logging.getLogger(__name__)

#: How long a failure counts without another report (docs/presets.md, "Draft LoRA").
MARK_TTL_S = 15 * 60
#: The errors that mean "this worker cannot load the mode's adapter" (generator/speed/lora.py).
ADAPTER_ERRORS = frozenset({"generator.lora_missing", "generator.lora_mismatch"})
#: Delete a mark only if it is still the value this worker compared (another may have just set one).
_DELETE_IF_SAME = (
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
)


@dataclass(frozen=True)
class AdapterLoad:
    """What loading (or looking at) one preset's mode adapter came to; ``error`` is None when it
    loaded, ``files`` what its files were then (``lora_files.state``)."""

    preset: str
    mode: str
    error: str | None = None
    files: str = ""


def failed_load(exc: ReelbotError, models_dir: str | None) -> AdapterLoad | None:
    """The failed load ``exc`` reports, with the files as they are now, or None for any other error."""
    if exc.key not in ADAPTER_ERRORS:
        return None
    preset = str(exc.details["preset"])
    spec = PRESETS.get(preset)
    files = lora_files.state(spec, models_dir) if spec is not None else ""
    return AdapterLoad(preset, str(exc.details["mode"]), exc.key, files)


def looked_at(context: LoadContext, skip: str) -> list[AdapterLoad]:
    """Warm-up's cheap look at every preset served here but ``skip`` (loaded for real): one
    failed load for each whose files are missing or unreadable, nothing for the others."""
    found = []
    for spec in lora_files.served(context):
        if spec.name == skip:
            continue
        try:
            error = lora_files.broken(spec, context.cache_dir)
        except Exception:  # a hint only: a look that fails (a bad repo id) must not stop warm-up
            log.warning("could not look at preset %s's draft LoRA files", spec.name, exc_info=True)
            continue
        if error is not None:
            log.warning("draft LoRA of preset %s is unusable here (%s): marking it", spec.name, error)
            found.append(AdapterLoad(spec.name, "draft", error, lora_files.state(spec, context.cache_dir)))
    return found


def mark_value(outcome: AdapterLoad) -> str:
    """``<error key>|<host>|<files>``: the service reads the key; this host's reconcile the rest."""
    return MODE_MARK_SEPARATOR.join((outcome.error or "", socket.gethostname(), outcome.files))


def loaded(report: RenderReport | None) -> AdapterLoad | None:
    """A render that ran with its mode's adapter on: the adapter loads on this worker."""
    if report is None or report.lora is None:
        return None
    return AdapterLoad(report.preset, report.mode)


async def record(queue: JobQueue, *outcomes: AdapterLoad | None) -> None:
    """Mark (or clear) each outcome's mode in Redis; nothing for None."""
    for outcome in outcomes:
        if outcome is not None:
            await _record(queue, outcome)


async def _record(queue: JobQueue, outcome: AdapterLoad) -> None:
    """Best effort: a mark is a hint, and a Redis fault here must not hide the job's own error."""
    key = queue.keys.mode_unavailable(outcome.preset, outcome.mode)
    try:
        if outcome.error is None:
            await queue.redis.delete(key)
        else:
            await queue.redis.set(key, mark_value(outcome), ex=MARK_TTL_S)
            log.warning(
                "%s:%s marked unavailable for %d s, because %s",
                outcome.preset,
                outcome.mode,
                MARK_TTL_S,
                outcome.error,
            )
    except TRANSIENT_ERRORS as exc:
        log.warning("could not record %s:%s availability: %s", outcome.preset, outcome.mode, exc)


async def reconcile(queue: JobQueue, context: LoadContext) -> list[str]:
    """Delete the marks this host set whose preset's files changed since (put in place,
    replaced, downloaded); returns those presets. Never marks: only a load or warm-up does.
    Best effort, like :func:`record`: a Redis fault leaves the marks to their TTL."""
    cleared: list[str] = []
    host = socket.gethostname()
    try:
        for spec in lora_files.served(context):
            key = queue.keys.mode_unavailable(spec.name, "draft")
            stored = await queue.redis.get(key)
            value = stored.decode() if isinstance(stored, bytes) else stored
            if value is None or value.count(MODE_MARK_SEPARATOR) < 2:
                continue  # no mark, or one from a worker that records no files: its TTL ends it
            _error, marked_on, files = value.split(MODE_MARK_SEPARATOR, 2)
            if marked_on != host or files == lora_files.state(spec, context.cache_dir):
                continue
            if await queue.redis.eval(_DELETE_IF_SAME, 1, key, value):
                log.info("%s:draft mark cleared: its LoRA files changed since it failed", spec.name)
                cleared.append(spec.name)
    except TRANSIENT_ERRORS as exc:
        log.warning("could not reconcile draft marks: %s", exc)
    return cleared
