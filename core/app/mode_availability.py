"""Refusing a mode the workers said they cannot load, before anything is stored or queued.

Why: the service cannot see a worker's disk. A worker that fails to load a preset's draft
adapter marks ``<preset>:<mode>`` unavailable in Redis with the error's message key (set and
cleared by ``reelbot.generator.worker.mode_marks``, with a TTL); while the mark stands a request
resolving to that mode is refused here with that message (draft is unavailable, try quality or
balanced), so no job is queued only to fail. Other modes and presets are not affected.

The mark's value starts with the message key; what a worker appends after the separator (its
host, what its files were) is the workers' own business: the service knows nothing of files.
A bare key (an older worker's mark) reads the same.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.messages import CATALOGUE, EN
from reelbot.domain.presets import PresetSpec, resolve_speed
from reelbot.domain.types import SpeedMode
from reelbot.queue.keys import MODE_MARK_SEPARATOR
from reelbot.queue.replies import as_text

if TYPE_CHECKING:
    from reelbot.app.service import ReelbotService

log = logging.getLogger(__name__)


async def check_mode_available(
    service: ReelbotService, preset: PresetSpec, requested: SpeedMode | None
) -> None:
    """Raise the workers' reason when the mode ``requested`` resolves to on ``preset`` (the
    server default where none is asked for) is marked unavailable."""
    mode = resolve_speed(requested, preset, service.settings.engine.speed).value
    stored = await service.redis.get(service.keys.mode_unavailable(preset.name, mode))
    if stored is None:
        return
    key = as_text(stored).split(MODE_MARK_SEPARATOR, 1)[0]
    if key not in CATALOGUE[EN]:  # a newer worker's reason this build cannot say: as before the marks
        log.warning("%s:%s marked unavailable with unknown reason %r; not refused", preset.name, mode, key)
        return
    raise InvalidRequest(key, preset=preset.name, mode=mode)
