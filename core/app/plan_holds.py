"""A plan's holds: the quota shares of tasks that will be queued later, reserved now.

Why apart from :mod:`reelbot.app.task_costs` (which prices a plan and checks it): a hold lives
between the up-front plan check and the task it is for — minutes or hours of a clip
rendering — and has no row of its own, so everything that ends one is here: the note the
tasks wait with ties its holds to the note's Redis key (:func:`tag_holds`; the settle sweep,
``ReelbotService.settle_limits``, keeps a tagged hold while that key exists and releases it
once it is gone), the task is queued under its hold's id (:func:`hold_for`: the ledger
reserves an id once, so the hold *is* the task's reservation), and a dropped note gives back
what no task took over (:func:`release_holds`). ``/usage`` shows what is held
(:func:`held_shares`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reelbot.app.limits import RatePolicy
from reelbot.domain.types import Origin

if TYPE_CHECKING:
    from reelbot.app.safety.quotas import Window
    from reelbot.app.service import ReelbotService


@dataclass(frozen=True)
class TaskHold:
    """A task's share of a plan, reserved before the task exists (``check_plan``) under the
    id the task will be queued with: the task's own ``reserve_task`` then finds the
    reservation already there and keeps it (the ledger reserves an id once), so the hold
    becomes the task's reservation — counted once, with no moment in which it is not."""

    kind: str
    task_id: uuid.UUID
    estimate_s: float


async def hold_tasks(
    service: ReelbotService,
    origin: Origin,
    windows: Sequence[Window],
    tasks: Iterable[tuple[str, float, float]],
) -> tuple[TaskHold, ...]:
    """Each of ``tasks`` (kind, units, seconds) reserved for its estimate under a new task id
    (no hourly slot: a task takes none), inside the caller's :meth:`locked_windows` step;
    any refusal gives back what was already held."""
    holds: list[TaskHold] = []
    try:
        for kind, _units, seconds in tasks:
            hold = TaskHold(kind, uuid.uuid4(), seconds)
            await service.limits.reserve(
                hold.task_id, origin, estimate_s=seconds, windows=windows, rates=RatePolicy(),
                take_rate_slots=False,
            )  # fmt: skip
            holds.append(hold)
    except BaseException:
        for hold in holds:
            await service.limits.release(hold.task_id)
        raise
    return tuple(holds)


def hold_for(holds: Iterable[TaskHold], kind: str) -> uuid.UUID | None:
    """The task id a ``kind`` task of the plan must be queued under (None: nothing held)."""
    return next((hold.task_id for hold in holds if hold.kind == kind), None)


async def tag_holds(service: ReelbotService, holds: Iterable[TaskHold], note: str) -> None:
    """Tie the plan's holds to the Redis key of the note its tasks wait with (a later note
    takes them over: music composing for the finish that follows)."""
    for hold in holds:
        await service.limits.tag(hold.task_id, note)


async def release_holds(service: ReelbotService, holds: Iterable[TaskHold], note: str | None) -> None:
    """Give back the holds still tied to ``note`` (None: never tied to one) that no task took
    over."""
    mine = [hold.task_id for hold in holds if await service.limits.tag_of(hold.task_id) == note]
    for task_id in await _not_taken_over(service, mine):
        await service.limits.release(task_id)


async def held_shares(
    service: ReelbotService, origin: Origin, windows: Sequence[Window]
) -> dict[tuple[str, str], float]:
    """(scope, period) → the seconds plan holds take of each of ``origin``'s ``windows`` now:
    the open reservations tagged with a note that no task row took over yet (``/usage``)."""
    open_ = list(await service.limits.open_reservations())
    tagged = [job_id for job_id in open_ if await service.limits.tag_of(job_id) is not None]
    holds = await _not_taken_over(service, tagged)
    return {(w.scope, w.period): await service.limits.held_in(origin, w, holds) for w in windows if holds}


async def _not_taken_over(service: ReelbotService, hold_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """Of ``hold_ids``, those still plain holds: an id with a task row is that task's
    reservation now, settled by the task's outcome."""
    from reelbot.storage import tasks as task_repo

    if not hold_ids:
        return []
    taken = await service.run_db(task_repo.task_outcomes, task_ids=hold_ids)
    return [hold_id for hold_id in hold_ids if hold_id not in taken]
