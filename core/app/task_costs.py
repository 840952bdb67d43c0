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
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from reelbot.app.limits import RatePolicy
from reelbot.app.plan_holds import TaskHold, hold_tasks
from reelbot.domain.errors import LimitReached
from reelbot.domain.messages import Term
from reelbot.domain.tasks import FINISH, MUSIC
from reelbot.domain.types import GenerationRequest, Origin, ReferenceRole

if TYPE_CHECKING:
    from reelbot.app.limits import Reservation
    from reelbot.app.safety.quotas import Window
    from reelbot.app.service import ReelbotService
    from reelbot.domain.storyboard import Storyboard

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
    """The clip job's reservation step (``submission._reserve``) for a task: the ledger's
    script over the windows read under the person's lock (``locked_windows``)."""
    community = await asyncio.to_thread(service.safety.community_for, origin)
    async with service.locked_windows(origin, community) as windows:
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


# --- a plan of work: a clip (or a board's shots) and the tasks that follow it ------------------


@dataclass(frozen=True)
class PlanCost:
    """What a request and the tasks it asks to follow will cost, estimated before any of it
    is queued: ``work_s`` for the clip (a board's shots), each task as (kind, units, seconds)
    — the same figures the clip's submit and each task's :func:`reserve_task` will reserve;
    ``holds``: the tasks' shares :func:`check_plan` reserved (none before it ran)."""

    work_s: float
    tasks: tuple[tuple[str, float, float], ...]
    video_s: float  # the video the tasks work on: the clip's planned length (a draft's)
    holds: tuple[TaskHold, ...] = ()

    @property
    def tasks_s(self) -> float:
        return sum(seconds for _kind, _units, seconds in self.tasks)

    @property
    def total_s(self) -> float:
        return self.work_s + self.tasks_s


def planned_clip(
    service: ReelbotService, request: GenerationRequest, roles: Collection[ReferenceRole] = ()
) -> tuple[GenerationRequest, float]:
    """``request`` routed as its submit will route it (``roles``: the images sent beside it)
    and how long its clip will last (frames ÷ fps, the clip's stored ``duration_s``)."""
    from reelbot.domain.presets import plan_render, route_request

    settings = service.settings
    preset = route_request(request, settings, roles)
    routed = request.model_copy(update={"preset": preset.name})
    plan = plan_render(
        routed, preset, settings.limits, seed=request.seed or 0, default_speed=settings.engine.speed
    )
    return routed, plan.seconds


async def plan_cost(
    service: ReelbotService, clips: Sequence[GenerationRequest], *, video_s: float, music: bool = False
) -> PlanCost:
    """The estimates of ``clips`` (routed: :func:`planned_clip`) plus a finish of ``video_s``
    seconds, and first a music task as long as the video (``music_seconds_for``) with ``music``:
    what the after-render path will queue, priced by the same refit table."""
    from reelbot.app.music import music_seconds_for  # reelbot.app.music imports this module

    work = 0.0
    for request in clips:
        work += (await service.estimates.estimate(request)).seconds
    parts = [(MUSIC, music_seconds_for(video_s))] if music else []
    parts.append((FINISH, video_s))
    tasks = [
        (kind, units, (await service.estimates.estimate_task(kind, units)).seconds) for kind, units in parts
    ]
    return PlanCost(work, tuple(tasks), video_s)


async def check_plan(
    service: ReelbotService, origin: Origin, cost: PlanCost, *, board: bool = False
) -> PlanCost:
    """Refuse a plan whose whole cost does not fit ``origin``'s quota windows *now*, with
    ``quota.exceeded_short_*`` (by how much; whether the video alone would fit); when it
    fits, *hold* each task's share in the same locked step (returned in ``holds``), so what
    the person spends elsewhere while the clip renders cannot take the Short's share. The
    clip's submit reserves the clip's own share (the total was checked, so only a spend in
    the moment between the two can refuse the clip, which then drops its note and holds).

    A hold (:mod:`reelbot.app.plan_holds`) is an open reservation with no row: the caller
    ties it to the note the tasks wait with; the settle sweep keeps a tagged hold while the
    note's key exists and releases it once the note is gone (dropped on a failed, cancelled
    or deleted clip, or expired with its TTL after a bot died), an untagged one after its
    grace (a request refused before its note was written: its caller releases it at once)."""
    community = await asyncio.to_thread(service.safety.community_for, origin)
    limits = service.limits
    async with service.locked_windows(origin, community) as windows:
        try:
            await _check(service, origin, windows, cost.total_s)
            return replace(cost, holds=await hold_tasks(service, origin, windows, cost.tasks))
        except LimitReached as exc:
            window = next((w for w in windows if exc.key == f"quota.exceeded_{w.scope}_{w.period}"), None)
            if window is None or window.limit is None:
                raise
            used = window.charged + (await limits.counter(origin, window) or 0.0)
            alone = await _fits(service, origin, windows, cost.work_s)
    raise _refusal(window, used, cost, limits.relaxed_multiplier, board=board, alone=alone)


async def _check(service: ReelbotService, origin: Origin, windows: Sequence[Window], estimate: float) -> None:
    """The ledger's own quota rule (check only, no rate: the clip's submit checks those)."""
    await service.limits.reserve(
        uuid.uuid4(),
        origin,
        estimate_s=estimate,
        windows=windows,
        rates=RatePolicy(),
        check_only=True,
        slots=0,
    )


async def _fits(service: ReelbotService, origin: Origin, windows: Sequence[Window], estimate: float) -> bool:
    try:
        await _check(service, origin, windows, estimate)
    except LimitReached:
        return False
    return True


def _refusal(
    window: Window, used: float, cost: PlanCost, multiplier: float, *, board: bool, alone: bool
) -> LimitReached:
    assert window.limit is not None
    hard = window.limit * multiplier
    remaining = max(0.0, hard - used)
    what = "board" if board else "clip"
    tasks = "music" if any(kind == MUSIC for kind, *_ in cost.tasks) else "finish"
    return LimitReached(
        f"quota.exceeded_short_{window.scope}_{window.period}",
        lead=Term(f"quota.short_lead_{what}"),
        work=Term(f"quota.short_work_{what}"),
        tasks=Term(f"quota.short_tasks_{tasks}"),
        hint=Term(f"quota.short_hint_{what}_{'fits' if alone else 'over'}"),
        needed=_fmt(cost.total_s),
        work_s=_fmt(cost.work_s),
        tasks_s=_fmt(cost.tasks_s),
        remaining=_fmt(remaining),
        over=_fmt(cost.total_s - remaining),
        limit=_fmt(hard),
        resets=window.resets_at.strftime("%Y-%m-%d %H:%M UTC"),
    )


def _fmt(seconds: float) -> str:
    return f"{seconds:,.0f}"


async def check_clip_and_finish(
    service: ReelbotService,
    request: GenerationRequest,
    roles: Collection[ReferenceRole] = (),
    *,
    music: bool = False,
) -> PlanCost:
    """A clip asked for with its finish (``music``: composed first): its prompt moderated
    first (:func:`moderate_first`), then refused up front (:func:`check_plan`) when clip +
    finish (+ music) would not fit ``request.origin``'s quotas, so the person is not handed
    the clip and then refused the Short. For any chat (Discord /video, LINE); the estimate
    it used is returned, with the tasks' holds (:func:`check_plan`)."""
    await moderate_first(service, [request])
    routed, seconds = planned_clip(service, request, roles)
    cost = await plan_cost(service, [routed], video_s=seconds, music=music)
    return await check_plan(service, request.origin, cost)


async def moderate_first(service: ReelbotService, requests: Sequence[GenerationRequest]) -> None:
    """The plan's prompts through the submit's own admit step (``service.safety.admit``: the
    same moderation, and a refusal written to the moderators' log), before its cost is
    checked. Why first: a refused prompt is a moderation refusal, logged as any is, also from
    someone over their quota — not a quota message that hides it. The reference images are
    the submit's to moderate (/video downloads them only once the plan fits); it moderates
    the text again, as it does for every request (a second look, cheap beside a render).
    The chats' early limit check moderates with it too (:mod:`reelbot.app.early_checks`)."""
    if not requests:
        return
    community = await asyncio.to_thread(service.safety.community_for, requests[0].origin)
    for request in requests:
        await service.safety.admit(request, community=community)


def planned_board(
    service: ReelbotService, board: Storyboard, origin: Origin
) -> tuple[list[GenerationRequest], float]:
    """A chat storyboard's shots routed as ``submit_storyboard`` routes them (one preset for
    every shot, honouring every role the board uses) and its draft's length: the shots'
    frames less what each crossfade overlaps (the draft assembly's rule, ``join_overlaps``;
    beat snapping, when asked for, only shortens it)."""
    from reelbot.domain.presets import plan_render, route_board
    from reelbot.domain.storyboard import join_overlaps, shot_request

    settings = service.settings
    shot_roles = [set(board.reference_paths(index)) for index in range(len(board.shots))]
    preset = route_board(board.preset, shot_roles, settings)
    requests, counts, fps = [], [], 1
    for index in range(len(board.shots)):
        request = shot_request(board, index, origin=origin, preset=preset.name, seed=0, image_hashes={})
        plan = plan_render(request, preset, settings.limits, seed=0, default_speed=settings.engine.speed)
        requests.append(request)
        counts.append(plan.num_frames)
        fps = plan.fps
    overlaps = join_overlaps(counts, board.transitions(), board.crossfade_frames(fps))
    return requests, (sum(counts) - sum(overlaps)) / fps


async def check_board_and_finish(
    service: ReelbotService, board: Storyboard, origin: Origin, *, music: bool = False
) -> PlanCost:
    """:func:`check_clip_and_finish` for a storyboard whose draft is finished once posted:
    every shot's prompt moderated first, then every shot's estimate + music (as long as the
    draft) + the draft's finish, refused up front in the storyboard's wording (``board=True``)."""
    requests, seconds = planned_board(service, board, origin)
    await moderate_first(service, requests)  # every shot, also those queued in a later wave
    cost = await plan_cost(service, requests, video_s=seconds, music=music)
    return await check_plan(service, origin, cost, board=True)
