"""The jobs queue: Redis Streams with one consumer group of workers, two lanes.

Life of a job (see docs/queue.md):

* :meth:`JobQueue.enqueue` adds ``{job, user}`` to the lane's stream, guarded by an
  idempotency key and a per-user cap, atomically (Lua) — :mod:`reelbot.queue.producer`.
* :meth:`JobQueue.claim` hands messages to a worker: first messages a dead worker left
  pending longer than ``reclaim_idle_ms`` (XAUTOCLAIM), then new ones from ``fast``, and
  from ``relaxed`` only when ``fast`` has none. A message delivered more than
  ``max_deliveries`` times is not handed out again: it goes to the dead-letter stream and
  comes back in ``ClaimResult.dead`` so the worker marks the job failed and tells the user
  — :mod:`reelbot.queue.claims`.
* While rendering, the worker calls :meth:`JobQueue.heartbeat` so the message stays its own,
  polls :meth:`JobQueue.is_cancelled` (:mod:`reelbot.queue.cancels`), and records errors
  with :meth:`JobQueue.record_error`.
* Only after the result is stored does it call :meth:`JobQueue.ack` (XACK + XDEL + index
  clean-up in one MULTI) — :mod:`reelbot.queue.endings`, beside the dead letters. A worker
  that dies before that leaves the message pending; another worker reclaims it.
* Position, standing and depth only read (:mod:`reelbot.queue.lookups`); which workers are
  alive is :mod:`reelbot.queue.presence`. The values handed out are in
  :mod:`reelbot.queue.records`.

No business rules live here: job ids are opaque, users are opaque ``user_key`` strings.
"""

from __future__ import annotations

from reelbot.queue.cancels import Cancels
from reelbot.queue.claims import Claiming
from reelbot.queue.lookups import Lookups
from reelbot.queue.producer import Producing


class JobQueue(Producing, Claiming, Cancels, Lookups):
    """The jobs queue of one deployment (one key prefix). Safe to share between tasks.

    One object assembled from the queue's rooms (each a :class:`~reelbot.queue.base.QueueBase`
    with one job), so the service and the workers hold and pass a single queue.
    """
