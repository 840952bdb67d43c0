"""Cancels: a waiting job leaves the queue at once; a running one gets a flag its worker polls.

The flag is set either way, because between reading the index and removing the message a
worker may take the job: it then sees :meth:`Cancels.is_cancelled` and stops.
"""

from __future__ import annotations

import uuid

import redis.asyncio as aioredis

from reelbot.queue import scripts
from reelbot.queue.base import QueueBase
from reelbot.queue.keys import Keys
from reelbot.queue.replies import as_text
from reelbot.queue.settings import QueueSettings

#: How long a cancel flag lives: longer than any render.
CANCEL_FLAG_TTL_S = 24 * 3600


class Cancels(QueueBase):
    """cancel and is_cancelled."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, settings: QueueSettings) -> None:
        super().__init__(redis, keys, settings)
        self._cancel = redis.register_script(scripts.CANCEL)

    async def is_cancelled(self, job_id: uuid.UUID) -> bool:
        """Whether someone asked to cancel this job (a running worker polls this)."""
        return bool(await self.redis.exists(self.keys.cancel(str(job_id))))

    async def cancel(self, job_id: uuid.UUID) -> bool:
        """Cancel a job: True if it was still waiting and is now gone from the queue.

        Either way a cancel flag is set, so a worker that already has the job sees
        :meth:`is_cancelled` and stops (False is returned then, or for an unknown job).
        """
        job = str(job_id)
        flag = self.keys.cancel(job)
        for _ in range(5):
            where = await self.redis.hget(self.keys.index, job)
            if where is None:
                await self.redis.set(flag, "1", ex=CANCEL_FLAG_TTL_S)
                return False
            lane, _message_id, user_key = as_text(where).split(" ", 2)
            outcome = await self._cancel(
                keys=[
                    self.keys.index,
                    flag,
                    self.keys.jobs(lane),
                    self.keys.user_pending(user_key),
                    self.keys.errors,
                ],
                args=[job, as_text(where), self.group, CANCEL_FLAG_TTL_S],
            )
            if int(outcome) >= 0:
                return int(outcome) == 1
        return False  # the index kept changing under us: the job is moving, the flag is set
