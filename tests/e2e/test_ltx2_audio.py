"""A tiny-ltx2 prompt through the real service, Redis and worker: the stored clip has sound."""

from __future__ import annotations

import uuid

from reelbot.app.service import ReelbotService
from reelbot.cli.wiring import worker_for
from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform
from reelbot.generator.cache import EngineCache
from reelbot.generator.encode import probe
from reelbot.storage import clips as clip_repo
from reelbot.storage.db import session_scope

CAROL = Origin(platform=Platform.LINE, user_id="carol", channel_id="chat-3", locale="zh-TW")


async def test_tiny_ltx2_job_stores_a_clip_with_aac_audio(
    service: ReelbotService, tiny_cache: EngineCache
) -> None:
    request = GenerationRequest(prompt="海浪拍打岩石", origin=CAROL, seed=5, seconds=1.0, preset="tiny-ltx2")
    ticket = await service.submit(request, idempotency_key="ltx2-1")
    await worker_for(service, name=f"test-{uuid.uuid4().hex[:6]}", burst=True, cache=tiny_cache).run()

    view = await service.job(ticket.job_id)
    assert view.state is JobState.DONE and view.clip_id is not None
    with session_scope(service.db) as session:
        clip = clip_repo.get_clip(session=session, clip_id=view.clip_id)
        assert clip is not None and clip.has_audio is True
        video_key = clip.video_key or ""
    info = probe(service.media.path(video_key))
    assert (info.codec, info.audio_codec, info.audio_rate, info.audio_channels) == ("h264", "aac", 48000, 2)
    assert abs(info.duration - info.num_frames / info.fps) <= 1 / info.fps
