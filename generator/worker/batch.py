"""Batching: compatible waiting jobs rendered by one pipeline call (``engine.batch_size``).

With ``REELBOT_ENGINE__BATCH_SIZE=N`` (N > 1) a worker claims up to N jobs per turn. When it
renders the first (the *lead*), every other claimed job that shares its preset, size, frame
count, fps, steps, guidance and speed mode — text-to-video only: no reference images, no
Extend, no Vary, no loop — rides along in the same call: a list of prompts and one generator
per item (:func:`reelbot.generator.tiny.run_wan_batch`), so each keeps its own seed.

Each companion is a job of its own for the whole call: it is marked running (and its STARTED
is published) when the batch starts, it gets its own progress events and progress row, and its
own cancel poller. A companion cancelled mid-batch does not stop the call (its frames are
dropped; the loop marks it cancelled); a lead cancelled (or lost) interrupts the call, and the
companions then render alone. The companions' frames wait here until the loop reaches each of
them; from there every job runs its own path (cancel check, encode, store, its own DONE or
FAILED, ack), so one whose encode or store fails fails alone. A batch that fails for another
reason is retried as the lead alone. The claimed jobs still waiting keep their claims fresh by
a heartbeat for the whole turn, and one another worker took over is skipped. They wait
*uncounted* (``JobQueue.hold_uncounted``): their delivery counts only once their render starts
(their own turn, or a batch they ride in), and a worker that stops hands them back with the
count they had — so claiming ahead never makes a job reach ``max_deliveries`` sooner than it
would waiting alone (``tests/e2e/test_batch_handback.py``). Off by default:
turn it on only where bench/gpu_bench.py shows a gain on the card (docs/presets.md, "Batching").
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from reelbot.domain.errors import ReelbotError
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, JobState, RemixKind
from reelbot.generator.cache import EngineCache
from reelbot.generator.presets import render_job
from reelbot.generator.runner import Rendered, plan_for
from reelbot.generator.speed.modes import control_for
from reelbot.generator.worker import stages
from reelbot.generator.worker.faults import TRANSIENT_ERRORS
from reelbot.generator.worker.progress import Steps
from reelbot.queue.records import Delivery
from reelbot.storage import jobs as job_repo

if TYPE_CHECKING:
    from reelbot.generator.worker.loop import Worker

log = logging.getLogger(__name__)

BatchKey = tuple[Any, ...]


def batch_key(request: GenerationRequest, settings: Settings) -> BatchKey | None:
    """What a job must share with another to render in the same call; None: it renders alone."""
    if request.references or request.remix_kind is RemixKind.EXTEND or request.variation or request.loop:
        return None
    try:
        preset, plan = plan_for(request, settings)
    except ReelbotError:
        return None  # it fails on its own path, with its own message
    return (
        preset.name,
        plan.width,
        plan.height,
        plan.num_frames,
        plan.fps,
        plan.steps,
        plan.guidance,
        plan.speed,
    )


def render_batch(
    requests: list[GenerationRequest],
    settings: Settings,
    cache: EngineCache,
    on_step: Callable[[int, int], bool],
) -> list[stages.RenderResult]:
    """Render compatible ``requests`` in one pipeline call under their (shared) speed mode.

    Passes are counted once for the call (each report carries that count: the forward calls
    that made its clip, batched); GPU-seconds are split evenly between the jobs.
    """
    started = time.monotonic()
    preset, _ = plan_for(requests[0], settings)
    engine = cache.get(preset)
    loaded = time.monotonic()
    if not hasattr(engine, "render_batch"):
        raise ValueError(f"preset {preset.name} has no batched render")
    plans = [plan_for(request, settings)[1] for request in requests]
    control = control_for(engine, preset, cache.context)
    mitigate = settings.engine.motion_mitigation
    jobs = [control.job_for(render_job(r, p), mitigate) for r, p in zip(requests, plans, strict=True)]
    with control.session(jobs[0], mitigate=mitigate) as session:
        frames = engine.render_batch(jobs, on_step)
    finished = time.monotonic()
    share = (finished - started) / len(requests)
    report = session.report
    results = []
    for one, plan in zip(frames, plans, strict=True):
        own = (
            dataclasses.replace(report, gpu_seconds=round(report.gpu_seconds / len(requests), 4))
            if report
            else None
        )
        rendered = Rendered(frames=one, plan=plan, preset=preset, report=own)
        timings = {"load": (loaded - started) / len(requests), "denoise": (finished - loaded) / len(requests)}
        results.append(stages.RenderResult(rendered, stages.charged_seconds(rendered, share), timings))
    return results


@dataclasses.dataclass
class Companion:
    """A waiting job riding along in the lead's call: its row, its request, its own Steps."""

    job: Any
    request: GenerationRequest
    steps: Steps

    @property
    def job_id(self) -> uuid.UUID:
        return self.job.id  # type: ignore[no-any-return]


class Batcher:
    """One worker's batching: the claimed jobs waiting in this turn, and frames rendered ahead."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.size = max(1, worker.settings.engine.batch_size)
        self.waiting: dict[uuid.UUID, Delivery] = {}
        self.ready: dict[uuid.UUID, stages.RenderResult] = {}
        self.lost: set[uuid.UUID] = set()
        self.running: set[uuid.UUID] = set()  # companions this turn marked running (and announced)
        self.uncounted: set[uuid.UUID] = set()  # claimed ahead of their turn: no delivery used yet
        self.batches = 0  # pipeline calls that rendered more than one job

    @property
    def on(self) -> bool:
        return self.size > 1

    def started(self, job_id: uuid.UUID) -> bool:
        """Whether a batch already marked this job running and published its STARTED (the loop
        then does neither again: one start, one attempt counted)."""
        return job_id in self.running

    @contextlib.asynccontextmanager
    async def turn(self, deliveries: list[Delivery]) -> AsyncIterator[None]:
        """Keep the claims of this turn's waiting jobs fresh until the loop reaches them."""
        if not self.on or len(deliveries) < 2:
            yield
            return
        self.waiting = {d.job_id: d for d in deliveries}
        for delivery in deliveries[1:]:  # the first starts now; the others wait uncounted
            await self._count(delivery, counted=False)
        beat = asyncio.create_task(self._heartbeat())
        try:
            yield
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
            self.waiting.clear()
            self.ready.clear()  # a job not reached (stopping) renders again when redelivered
            self.lost.clear()
            self.running.clear()
            self.uncounted.clear()

    async def reached(self, delivery: Delivery) -> bool:
        """The loop starts on ``delivery``; False when another worker took it over meanwhile,
        or when the worker is stopping (then its claim is handed back: a SIGTERM waits for the
        job in hand, not for every job this turn claimed). A handed-back job never reached its
        own turn, so it goes back *uncounted*, in its row and in the queue: a companion the
        batch marked running returns with the attempt count it had before the claim."""
        self.waiting.pop(delivery.job_id, None)  # its own heartbeat takes over from here
        if self.on and self.worker.stopping.is_set():
            with contextlib.suppress(Exception):
                started = self.started(delivery.job_id)
                if started:  # back to queued, its batch start undone
                    await self.worker.parts.run_db(job_repo.hand_back_unstarted, job_id=delivery.job_id)
                await self.worker.queue.release(self.worker.name, delivery, count_attempt=False)
                if started:
                    await self._say_queued_again(delivery.job_id)
            return False
        if delivery.job_id in self.lost:
            return False
        await self._count(delivery, counted=True)  # its own turn: from here a kill counts
        return True

    async def _say_queued_again(self, job_id: uuid.UUID) -> None:
        """A handed-back companion had announced STARTED with the batch: its chat hears it is
        waiting again (a QUEUED event; the bots re-estimate its place), not stale progress."""
        job = await self.worker.parts.run_db(job_repo.get_job, job_id=job_id)
        if job is None or JobState(job.state) is not JobState.QUEUED:
            return
        origin = GenerationRequest.model_validate_json(job.request_json).origin
        position = await self.worker.queue.position(job_id)
        await self.worker.parts.publish(
            JobEvent(kind=EventKind.QUEUED, job_id=job_id, origin=origin, position=position)
        )

    async def _count(self, delivery: Delivery, *, counted: bool) -> None:
        """Hold a claimed-ahead job uncounted, or count it once its render starts (alone or as
        a companion): a worker killed meanwhile must not use up a delivery of a job it never
        started — a job waiting alone would not have been claimed at all. Best effort: Redis
        trouble leaves the count as it was (the job still runs; only a kill then counts it
        differently)."""
        if counted and delivery.job_id not in self.uncounted:
            return
        with contextlib.suppress(*TRANSIENT_ERRORS):
            if not await self.worker.queue.hold_uncounted(self.worker.name, delivery, counted=counted):
                return  # another worker took it over: its claim, its count
            if counted:
                self.uncounted.discard(delivery.job_id)
            else:
                self.uncounted.add(delivery.job_id)

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.worker.settings.queue.heartbeat_s)
            for job_id, delivery in list(self.waiting.items()):
                with contextlib.suppress(*TRANSIENT_ERRORS):
                    if not await self.worker.queue.heartbeat(self.worker.name, delivery):
                        self.lost.add(job_id)
                        self.waiting.pop(job_id, None)
                        self.ready.pop(job_id, None)

    async def render(
        self, job_id: uuid.UUID, request: GenerationRequest, on_step: Callable[[int, int], bool]
    ) -> stages.RenderResult | None:
        """The lead's result with compatible companions rendered along, or a companion's frames
        rendered earlier; None: render alone (nothing compatible, or batching off)."""
        if job_id in self.ready:
            return self.ready.pop(job_id)
        if not self.on:
            return None
        companions = await self._start(await self._companions(job_id, request))
        if not companions:
            return None
        results = await self._call(request, companions, on_step)
        if results is None:
            return None
        self.batches += 1
        log.info("job %s rendered with %d companion(s) in one call", job_id, len(companions))
        for companion, result in zip(companions, results[1:], strict=True):
            if companion.steps.cancelled:  # never stored; the loop marks it cancelled
                log.info("job %s was cancelled mid-batch; its frames are dropped", companion.job_id)
                continue
            if companion.job_id in self.waiting:
                self.ready[companion.job_id] = result
        return results[0]

    async def _call(
        self, request: GenerationRequest, companions: list[Companion], on_step: Callable[[int, int], bool]
    ) -> list[stages.RenderResult] | None:
        """The one pipeline call, each companion polling its own cancel and reporting its own
        steps; None when it failed and the lead should render alone."""
        requests = [request, *(c.request for c in companions)]
        pollers = [asyncio.create_task(c.steps.poll_cancel()) for c in companions]

        def step(done: int, total: int) -> bool:
            for companion in companions:
                companion.steps.on_step(done, total)  # its progress; its cancel stops only itself
            return on_step(done, total)  # the lead's cancel (or lost claim) stops the call

        settings, cache = self.worker.settings, self.worker.cache
        try:
            return await stages.in_thread(render_batch, requests, settings, cache, step)  # type: ignore[no-any-return]
        except ReelbotError as exc:
            if exc.key == "job.interrupted":
                raise  # the lead was cancelled (or lost): the companions render alone later
            log.warning("batch of %d failed (%s); rendering the lead alone", len(requests), exc.key)
        except Exception as exc:
            log.warning(
                "batch of %d failed (%s: %s); rendering the lead alone",
                len(requests),
                type(exc).__name__,
                exc,
            )
        finally:
            for companion, poller in zip(companions, pollers, strict=True):
                companion.steps.done = True
                poller.cancel()
        return None

    async def _start(self, found: list[tuple[Any, GenerationRequest]]) -> list[Companion]:
        """Mark each companion running and announce it, as the loop does for a job of its own;
        one that is no longer queued (cancelled, taken) stays out of the call."""
        worker, companions = self.worker, []
        for job, request in found:
            delivery = self.waiting.get(job.id)
            if delivery is None or not await worker.parts.run_db(
                job_repo.mark_running, job_id=job.id, worker=worker.name, reclaim=delivery.attempt > 1
            ):
                continue
            self.running.add(job.id)
            await self._count(delivery, counted=True)  # rendering now, in the lead's call
            await worker.parts.publish(JobEvent(kind=EventKind.STARTED, job_id=job.id, origin=request.origin))
            worker.parts.observer.observe_job_started(job.preset, time.time() - job.created_at.timestamp())
            steps = Steps(worker.queue, worker.progress, job.id, request, asyncio.Event())
            companions.append(Companion(job, request, steps))
        return companions

    async def _companions(
        self, lead: uuid.UUID, request: GenerationRequest
    ) -> list[tuple[Any, GenerationRequest]]:
        """Waiting jobs of this turn that can share the lead's call, at most ``size - 1``."""
        settings = self.worker.settings
        key = batch_key(request, settings)
        if key is None:
            return []
        found: list[tuple[Any, GenerationRequest]] = []
        for job_id in list(self.waiting):
            if job_id == lead or len(found) >= self.size - 1:
                continue
            job = await self.worker.parts.run_db(job_repo.get_job, job_id=job_id)
            if job is None or JobState(job.state) is not JobState.QUEUED:
                continue
            other = GenerationRequest.model_validate_json(job.request_json)
            if await self.worker.queue.is_cancelled(job_id) or batch_key(other, settings) != key:
                continue
            found.append((job, other))
        return found
