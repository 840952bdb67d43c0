"""What every room of the jobs queue shares: the connection, the key names, the settings,
the lanes' streams and the workers group that reads them.

:class:`~reelbot.queue.streams.JobQueue` is assembled from rooms with one job each
(producing, claiming, endings, cancels, lookups, presence); each is a subclass of
:class:`QueueBase` that registers its own Lua scripts in its ``__init__`` and keeps its own
state, so one object is still what callers hold and share between tasks.
"""

from __future__ import annotations

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from reelbot.queue.keys import LANES, Keys
from reelbot.queue.settings import QueueSettings


class QueueBase:
    """The jobs queue's common ground (one key prefix)."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, settings: QueueSettings) -> None:
        self.redis = redis
        self.keys = keys
        self.settings = settings
        self.group = keys.workers_group
        self._streams = {lane: keys.jobs(lane) for lane in LANES}
        self._lane_numbers: dict[str, int] = {lane.value: i + 1 for i, lane in enumerate(LANES)}

    async def ensure_groups(self) -> None:
        """Create each lane's stream and the workers group (idempotent)."""
        for lane in LANES:
            try:
                await self.redis.xgroup_create(self.keys.jobs(lane), self.group, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    def _lane_no(self, lane: str) -> int:
        """The lane's 1-based number, as the Lua scripts take it; refuses an unknown lane."""
        try:
            return self._lane_numbers[lane]
        except KeyError:
            raise ValueError(f"lane must be one of {[str(x) for x in LANES]} (got {lane!r})") from None
