"""Running reelbot commands as real child processes in tests."""

from __future__ import annotations

import os

from reelbot.domain.settings import Settings


def worker_env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "REELBOT_DATA_DIR": str(settings.data_dir),
        "REELBOT_REDIS_URL": settings.redis_url,
        "REELBOT_REDIS_PREFIX": settings.redis_prefix,
        "REELBOT_PRESET": "tiny",
        "REELBOT_DEVICE": "cpu",
        "REELBOT_MEDIA_SECRET": settings.media_secret.get_secret_value() if settings.media_secret else "",
        "REELBOT_QUEUE__RECLAIM_IDLE_MS": str(settings.queue.reclaim_idle_ms),
        "REELBOT_QUEUE__HEARTBEAT_S": str(settings.queue.heartbeat_s),
        "REELBOT_LOG_LEVEL": "WARNING",
    }
