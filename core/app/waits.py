"""How long a waiting job still waits: the work ahead of it over the workers serving it.

``eta = (work ahead + what running jobs still need) ÷ live workers + the job's own estimate``

* *Work ahead*: the refit estimate (:mod:`reelbot.app.estimates`) of every job a worker takes
  before this one, in serving order — all of the fast lane's for a relaxed job (workers
  drain fast first), its own lane's jobs in front of it otherwise. Past ``limit`` ids the
  queue stops listing and the mean of the listed ones stands in for the rest.
* *Running jobs*: each one's estimate × the share of steps it has not done yet.
* *Live workers*: consumers of the workers' group seen within the reclaim idle time (the
  queue counts them; :meth:`~reelbot.queue.streams.JobQueue.live_consumers`). With none, the
  wait is unknown (``eta_s`` is None) — no figure is better than a made-up one.

Everything is GPU-seconds as the workers measure them, so the ETA follows the machines that
really serve. It is an estimate for people, not a promise: a job cancelled ahead, a worker
joining or a slow clip moves it, and the bots show it again as it changes.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from reelbot.app.estimates import Estimate, EstimateTable, Estimator, Source
from reelbot.domain.errors import ReelbotError
from reelbot.domain.types import GenerationRequest
from reelbot.queue.records import Standing
from reelbot.queue.streams import JobQueue

#: Ids the queue lists per question (ahead and in flight each); the rest is extrapolated.
LIST_LIMIT = 500


@dataclass(frozen=True)
class Wait:
    """A waiting job's place and expected wait."""

    job_id: uuid.UUID
    lane: str
    lane_position: int  # 1-based in its own lane
    position: int  # 1-based in serving order across lanes
    ahead_s: float  # GPU-seconds of work before it (jobs ahead + the rest of running jobs)
    own_s: float  # its own estimate
    workers: int  # live consumers of the workers' group
    source: Source  # what its own estimate rests on

    @property
    def eta_s(self) -> float | None:
        """Seconds until it is done; None while no worker is alive to serve it."""
        if self.workers <= 0:
            return None
        return self.ahead_s / self.workers + self.own_s


class WaitPlanner:
    """Answers "how long for this job" from the queue, the database and the estimator."""

    def __init__(self, queue: JobQueue, estimator: Estimator, db: Any, *, limit: int = LIST_LIMIT) -> None:
        self.queue = queue
        self.estimator = estimator
        self.db = db
        self.limit = limit

    async def wait_for(self, job_id: uuid.UUID) -> Wait | None:
        """The job's wait, or None when it is not waiting (running, finished, unknown)."""
        waits = await self.waits_for([job_id])
        return waits.get(job_id)

    async def waits_for(self, job_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Wait]:
        """Waits of several jobs (one person's ``/queue``); jobs not waiting are left out."""
        standings: dict[uuid.UUID, Standing] = {}
        for job_id in dict.fromkeys(job_ids):
            standing = await self.queue.standing(job_id, limit=self.limit)
            if standing is not None:
                standings[job_id] = standing
        if not standings:
            return {}
        workers = await self.queue.live_consumers()
        table = await self.estimator.table()
        wanted = {*standings}
        for standing in standings.values():
            wanted.update(standing.ahead, standing.in_flight)
        rows = await asyncio.to_thread(self._rows, wanted)
        costs = {job_id: self._cost(table, row.request_json) for job_id, row in rows.items()}
        waits: dict[uuid.UUID, Wait] = {}
        for job_id, standing in standings.items():
            own = costs.get(job_id)
            if own is None:
                continue  # no row or no plan: nothing honest to say
            waits[job_id] = Wait(
                job_id=job_id,
                lane=standing.lane.value,
                lane_position=standing.lane_position,
                position=standing.position,
                ahead_s=self._ahead(standing, rows, costs),
                own_s=own.seconds,
                workers=workers,
                source=own.source,
            )
        return waits

    @staticmethod
    def _ahead(
        standing: Standing, rows: dict[uuid.UUID, Any], costs: dict[uuid.UUID, Estimate | None]
    ) -> float:
        listed = [cost.seconds for job_id in standing.ahead if (cost := costs.get(job_id)) is not None]
        ahead = sum(listed)
        unlisted = standing.ahead_count - len(standing.ahead)
        if unlisted > 0 and listed:
            ahead += unlisted * (ahead / len(listed))
        for job_id in standing.in_flight:
            cost, row = costs.get(job_id), rows.get(job_id)
            if cost is None or row is None:
                continue
            done = (row.step or 0) / row.total_steps if row.total_steps else 0.0
            ahead += cost.seconds * max(0.0, 1.0 - min(done, 1.0))
        return ahead

    def _cost(self, table: EstimateTable, request_json: str) -> Estimate | None:
        try:
            request = GenerationRequest.model_validate_json(request_json)
            return table.estimate(request, self.estimator.settings)
        except (ReelbotError, ValueError):
            return None

    def _rows(self, job_ids: set[uuid.UUID]) -> dict[uuid.UUID, Any]:
        from reelbot.storage.db import session_scope
        from reelbot.storage.workload import queued_work

        with session_scope(self.db) as session:
            return queued_work(session=session, job_ids=job_ids)
