"""What a worker task costs before it is queued: its profile, checked against the quotas.

Why apart from :mod:`reelbot.app.safety.costs`: a clip's estimate is arithmetic on a preset
spec and its latent tokens; a task's is one line per kind (seconds of track, seconds of
finished video), and the check is the same for every kind — the person's quota windows and
hourly rates, as a clip job's submit checks them, without reserving (tasks are not yet in
the stored quota windows; see docs/presets.md, "Music tasks").

A profile is ``profile`` until measured: the worker stores each task's measured run time in
its result (``run_s``), from which these figures are to be refitted.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING

from reelbot.domain.types import Origin

if TYPE_CHECKING:
    from reelbot.app.service import ReelbotService

#: Worker-seconds per second of finished video (``profile``). From docs/benchmarks.md,
#: "Finish for Shorts": a 60-s draft finished in 289.9 s wall on the shared 2-core box
#: (upscale + interpolation + soundtrack + captions) → 4.8 s per output second. The same
#: run spent 431.8 ffmpeg CPU-seconds (7.2 per output second): the wall figure is what a
#: worker is held for, the unit a clip job is charged in (its run time on the GPU worker).
FINISH_S_PER_OUTPUT_S = 4.8


def finish_estimate_s(output_seconds: float) -> float:
    """Estimated worker-seconds of finishing a video of ``output_seconds`` (same length out)."""
    return FINISH_S_PER_OUTPUT_S * max(0.0, output_seconds)


async def check_quota(service: ReelbotService, origin: Origin, estimate_s: float) -> None:
    """Refuse (the existing ``quota.exceeded_*`` / hourly-rate messages) when ``estimate_s``
    more seconds would pass one of ``origin``'s windows; reserves nothing."""
    community = await asyncio.to_thread(service.safety.community_for, origin)
    await service.settle_limits()
    async with service.limits.locked(service.limits.scopes(origin)):
        held = set(await service.limits.open_reservations())
        windows = await asyncio.to_thread(service._quota_windows, origin, community, held)
        await service.limits.reserve(
            uuid.uuid4(),
            origin,
            estimate_s=estimate_s,
            windows=windows,
            rates=service._rate_policy(origin, community),
            check_only=True,
        )
