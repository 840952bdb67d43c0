"""Creator control through the whole path: service → Redis → worker → database → mp4.

A 3-level Extend chain with its lineage and exact frame counts, the 60-s cap refused
before queueing, a subject image routed to tiny-vace, and a loop whose seam is bounded.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest
from PIL import Image

from reelbot.app.service import ClipView, ReelbotService
from reelbot.cli.wiring import worker_for
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform, ReferenceRole, RemixKind
from reelbot.generator.cache import EngineCache
from reelbot.generator.encode import decode_frames
from reelbot.generator.presets import LoadContext
from reelbot.generator.stitch import seam_difference, step_differences

CAROL = Origin(platform=Platform.DISCORD, user_id="carol", channel_id="c7", guild_id="g7", locale="en")


@pytest.fixture(scope="module")
def engines() -> EngineCache:
    return EngineCache(LoadContext(device="cpu", dtype="float32"), max_engines=3)


@pytest.fixture
async def service(settings: Settings) -> AsyncIterator[ReelbotService]:
    svc = await ReelbotService.open(settings)
    try:
        yield svc
    finally:
        await svc.close()


async def finish(service: ReelbotService, engines: EngineCache, job_id: uuid.UUID) -> ClipView:
    await worker_for(service, name=f"ctl-{uuid.uuid4().hex[:6]}", burst=True, cache=engines).run()
    view = await service.job(job_id)
    assert view.state is JobState.DONE, (view.error_key, view.error_detail)
    assert view.clip_id is not None
    return await service.clip(view.clip_id)


def request(**fields: Any) -> GenerationRequest:
    # Two steps without classifier-free guidance: the cheapest real pass (the path is the point).
    values: dict[str, Any] = {
        "prompt": "a cat walking in the city",
        "origin": CAROL,
        "seed": 3,
        "steps": 2,
        "guidance": 1.0,
    }
    values.update(fields)
    return GenerationRequest(**values)


def png(seed: int, size: tuple[int, int] = (90, 160)) -> bytes:
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).save(buf, "PNG")
    return buf.getvalue()


async def test_three_level_extend_chain(service: ReelbotService, engines: EngineCache) -> None:
    ticket = await service.submit(request(seconds=1.0, fps=8), idempotency_key="root")
    clips = [await finish(service, engines, ticket.job_id)]
    for level in (1, 2):
        child = await service.remix(clips[-1].id, RemixKind.EXTEND, CAROL, idempotency_key=f"ext-{level}")
        clips.append(await finish(service, engines, child.job_id))
    root, first, second = clips
    assert [kind for _, kind in second.lineage] == [None, RemixKind.EXTEND, RemixKind.EXTEND]
    assert [cid for cid, _ in second.lineage] == [root.id, first.id, second.id]
    segment = root.num_frames  # same recipe length per pass
    assert first.num_frames == root.num_frames + segment - 1
    assert second.num_frames == first.num_frames + segment - 1
    assert {(c.width, c.height, c.fps) for c in clips} == {(root.width, root.height, root.fps)}
    # The parent's frames lead the child, the seam once (within H.264 re-encoding noise).
    parent = decode_frames(service.media.path(first.video_key))
    child = decode_frames(service.media.path(second.video_key))
    assert len(child) == second.num_frames
    head = np.abs(child[: len(parent)].astype(np.int16) - parent.astype(np.int16)).mean()
    assert head < 4.0


async def test_extend_past_the_total_cap_is_refused_before_queueing(
    settings: Settings, engines: EngineCache
) -> None:
    capped = settings.model_copy(
        update={"limits": settings.limits.model_copy(update={"max_seconds": 1.0, "max_total_seconds": 2.0})}
    )
    svc = await ReelbotService.open(capped)
    try:
        ticket = await svc.submit(request(seconds=1.0, fps=8), idempotency_key="root")
        root = await finish(svc, engines, ticket.job_id)
        with pytest.raises(InvalidRequest) as info:
            await svc.remix(root.id, RemixKind.EXTEND, CAROL, idempotency_key="too-long")
        assert info.value.key == "request.extend_too_long"
        assert "2" in info.value.render("en")
    finally:
        await svc.close()


async def test_subject_image_routes_to_vace_and_renders(
    service: ReelbotService, engines: EngineCache
) -> None:
    ticket = await service.submit(
        request(preset="tiny", seconds=0.5, fps=8), [(ReferenceRole.SUBJECT, png(1))], idempotency_key="subj"
    )
    clip = await finish(service, engines, ticket.job_id)
    assert clip.request.preset == "tiny-vace"
    assert clip.request.roles() == {ReferenceRole.SUBJECT}
    vary = await service.remix(clip.id, RemixKind.VARY, CAROL, idempotency_key="vary")
    varied = await finish(service, engines, vary.job_id)
    assert varied.request.seed == clip.request.seed and varied.request.variation is not None
    assert varied.request.roles() == {ReferenceRole.SUBJECT}  # the character is kept


async def test_loop_clip_seam_is_bounded(service: ReelbotService, engines: EngineCache) -> None:
    ticket = await service.submit(
        request(preset="tiny-vace", seconds=1.0, fps=8, loop=True),
        [(ReferenceRole.FIRST_FRAME, png(2))],
        idempotency_key="loop",
    )
    clip = await finish(service, engines, ticket.job_id)
    frames = decode_frames(service.media.path(clip.video_key))
    seam = seam_difference(frames)
    print(f"loop seam {seam:.2f}, max frame step {step_differences(frames).max():.2f}")
    assert seam <= step_differences(frames).max()
    assert len(frames) < 9  # the pinned duplicate (and any crossfaded tail) is gone
