"""The queue's own settings model, so the transport imports nothing of reelbot.

``reelbot.domain.settings.Settings`` embeds it as its ``queue`` section (``REELBOT_QUEUE__*``).
"""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator


class QueueSettings(BaseModel):
    """Redis Streams behaviour: when a silent worker's job is taken over, and how often."""

    reclaim_idle_ms: int = Field(60_000, ge=100, description="pending this long → reclaimable")
    heartbeat_s: float = Field(10.0, gt=0, description="a busy worker refreshes its claim")
    max_deliveries: int = Field(3, ge=1, description="then the job goes to the dead-letter stream")
    block_ms: int = Field(2000, ge=1)
    events_maxlen: int = Field(100_000, ge=100)
    idempotency_ttl_s: int = Field(7 * 24 * 3600, ge=60)
    max_connections: int = Field(100, ge=2, description="Redis connections per process (pool size)")
    pool_timeout_s: float = Field(
        20.0, gt=0, description="a command waits this long for a free connection before failing"
    )

    @model_validator(mode="after")
    def _heartbeat_before_reclaim(self) -> QueueSettings:
        if self.heartbeat_s * 1000 >= self.reclaim_idle_ms:
            raise ValueError("queue.heartbeat_s must be shorter than queue.reclaim_idle_ms")
        return self
