"""What a worker task costs: its profile, refit from measured runs, reserved against the quotas.

Why apart from :mod:`reelbot.app.safety.costs`: a clip's estimate is arithmetic on a preset
spec and its latent tokens; a task's is one line per kind — a fixed part plus seconds per
second of output (finished video, composed track). What a task *does* with the quota is the
clip job's path, though: :func:`reserve_task` checks and reserves its estimate in the same
atomic ledger step (:class:`~reelbot.app.limits.LimitLedger`) under the task's own id, before
its row exists; :func:`~reelbot.app.tasks.submit_task` stores the reserved estimate and lane
on the row (or releases the reservation when it refuses); the service's ``settle_limits``
settles it from the stored state — done: the measured ``Task.run_s`` counts instead (the
quota windows sum it), failed or cancelled: released. So two finishes in a row cannot both
slip under one quota.

The figures start as the ``profile`` below and become ``measured`` once
:class:`~reelbot.app.estimates.Estimator` has ``min_samples`` done tasks of the kind: the
median of measured ÷ profile scales the profile, as for a clip (see
:func:`reelbot.app.estimates.refit_tasks`).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reelbot.domain.tasks import FINISH, MUSIC
from reelbot.domain.types import Origin

if TYPE_CHECKING:
    from reelbot.app.limits import Reservation
    from reelbot.app.service import ReelbotService

#: Worker-seconds per second of finished video (``profile``). From docs/benchmarks.md,
#: "Finish for Shorts": a 60-s draft finished in 289.9 s wall on the shared 2-core box
#: (upscale + interpolation + soundtrack + captions) → 4.8 s per output second. The same
#: run spent 431.8 ffmpeg CPU-seconds (7.2 per output second): the wall figure is what a
#: worker is held for, the unit a clip job is charged in (its run time on the GPU worker).
FINISH_S_PER_OUTPUT_S = 4.8


@dataclass(frozen=True)
class TaskProfile:
    """A task kind's static cost: ``fixed_s + per_unit_s × units``; ``unit`` names what one
    unit is (a second of finished video, a second of track) for operators."""

    kind: str
    fixed_s: float
    per_unit_s: float
    unit: str

    def seconds(self, units: float) -> float:
        return self.fixed_s + self.per_unit_s * max(0.0, units)


def task_profiles() -> dict[str, TaskProfile]:
    """Every charged task kind's profile. The music figures are the music module's own
    (imported here, not copied: ``reelbot.app.music`` imports this module at load)."""
    from reelbot.app.music import MUSIC_FIXED_GPU_S, MUSIC_GPU_S_PER_AUDIO_S

    return {
        FINISH: TaskProfile(FINISH, 0.0, FINISH_S_PER_OUTPUT_S, "output_s"),
        MUSIC: TaskProfile(MUSIC, MUSIC_FIXED_GPU_S, MUSIC_GPU_S_PER_AUDIO_S, "track_s"),
    }


def task_units(kind: str, payload: Mapping[str, Any], result: Mapping[str, Any]) -> float | None:
    """The units a done task's measured seconds are divided by: the finished file's length
    (``duration_s``, what the worker measured) or the track's (``seconds``); None when the
    stored task does not say (it is then no evidence)."""
    if kind == FINISH:
        raw = result.get("duration_s")
    elif kind == MUSIC:
        raw = result.get("seconds", payload.get("seconds"))
    else:
        return None
    try:
        units = float(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None
    return units if units is not None and units > 0 else None


async def reserve_task(
    service: ReelbotService,
    origin: Origin,
    kind: str,
    units: float,
    *,
    task_id: uuid.UUID | None = None,
    idempotency_key: str | None = None,
) -> uuid.UUID:
    """Check and reserve a ``kind`` task of ``units`` seconds against ``origin``'s quota
    windows (the existing ``quota.exceeded_*`` messages; the hourly rates are checked, but
    a task takes no clip slot of them) under ``task_id`` (a new id when None), which is
    returned: the task must be submitted under it, so the reservation is settled with it.

    A key already stored (a double click) reserves nothing: ``submit_task`` answers with
    the first task, which holds its own reservation."""
    task_id = task_id or uuid.uuid4()
    if idempotency_key is not None and await service.run_db(_stored, idempotency_key=idempotency_key):
        return task_id
    estimate = (await service.estimates.estimate_task(kind, units)).seconds
    await _reserve(service, task_id, origin, estimate)
    return task_id


async def _reserve(
    service: ReelbotService, task_id: uuid.UUID, origin: Origin, estimate: float
) -> Reservation:
    """The clip job's reservation step (``submission._reserve``) for a task: settle what is
    stored, then read the windows and run the ledger's script under the person's lock."""
    community = await asyncio.to_thread(service.safety.community_for, origin)
    await service.settle_limits()
    async with service.limits.locked(service.limits.scopes(origin)):
        held = set(await service.limits.open_reservations())
        windows = await asyncio.to_thread(service._quota_windows, origin, community, held)
        return await service.limits.reserve(
            task_id,
            origin,
            estimate_s=estimate,
            windows=windows,
            rates=service._rate_policy(origin, community),
            take_rate_slots=False,
        )


def _stored(*, session: Any, idempotency_key: str) -> bool:
    from reelbot.storage import tasks as task_repo

    return task_repo.get_task_by_key(session=session, idempotency_key=idempotency_key) is not None
