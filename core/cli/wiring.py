"""Wiring the parts together: the composition root builds workers from the service's parts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reelbot.app.service import ReelbotService
    from reelbot.generator.worker import Worker


def worker_for(service: ReelbotService, **options: Any) -> Worker:
    """A queue worker over the service's Redis, database and media store."""
    from reelbot.generator.worker import Worker

    return Worker(service, **options)
