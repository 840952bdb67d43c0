"""Extend on tiny-ltx2 (issue 14 item 1): the extended clip keeps the sound of both segments —
the parent's stored soundtrack under the parent's frames, the new segment's own waveform after
the seam. Real service, Redis, worker, LTX-2 condition pipeline (tiny) and ffmpeg."""

from __future__ import annotations

import subprocess
import uuid

import numpy as np

from reelbot.app.service import ClipView, ReelbotService
from reelbot.cli.wiring import worker_for
from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform, RemixKind
from reelbot.generator.cache import EngineCache
from reelbot.generator.encode import ffmpeg_exe, probe
from reelbot.generator.finish.media import decoded_audio_seconds
from reelbot.storage import clips as clip_repo
from reelbot.storage.db import session_scope

CAROL = Origin(platform=Platform.LINE, user_id="carol", channel_id="chat-3", locale="zh-TW")
RATE = 8000  # enough to compare waveforms; the stored AAC is 48 kHz


async def _finish(service: ReelbotService, cache: EngineCache, job_id: uuid.UUID) -> ClipView:
    await worker_for(service, name=f"ext-{uuid.uuid4().hex[:6]}", burst=True, cache=cache).run()
    view = await service.job(job_id)
    assert view.state is JobState.DONE and view.clip_id is not None, (view.error_key, view.error_detail)
    return await service.clip(view.clip_id)


def _has_audio(service: ReelbotService, clip: ClipView) -> bool:
    with session_scope(service.db) as session:
        row = clip_repo.get_clip(session=session, clip_id=clip.id)
        return row is not None and row.has_audio is True


def _mono(service: ReelbotService, clip: ClipView) -> np.ndarray:
    """The stored clip's soundtrack as decoded PCM (mono, ``RATE`` Hz)."""
    path = service.media.path(clip.video_key or "")
    command = [ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", "0:a:0", "-ac", "1", "-ar", str(RATE)]
    raw = subprocess.run([*command, "-f", "f32le", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype="<f4")


async def test_an_extended_tiny_ltx2_clip_keeps_the_sound_of_both_segments(
    service: ReelbotService, tiny_cache: EngineCache
) -> None:
    request = GenerationRequest(prompt="海浪拍打岩石", origin=CAROL, seed=5, seconds=1.0, preset="tiny-ltx2")
    root = await _finish(service, tiny_cache, (await service.submit(request, idempotency_key="root")).job_id)
    ticket = await service.remix(root.id, RemixKind.EXTEND, CAROL, idempotency_key="ext")
    child = await _finish(service, tiny_cache, ticket.job_id)

    assert child.request.preset == "tiny-ltx2" and _has_audio(service, root)
    assert _has_audio(service, child), "the Extend dropped the sound"
    info = probe(service.media.path(child.video_key or ""))
    assert (info.audio_codec, info.audio_rate, info.audio_channels) == ("aac", 48000, 2)
    assert child.num_frames == 2 * root.num_frames - 1  # the seam frame once
    seconds = child.num_frames / child.fps
    assert abs(decoded_audio_seconds(service.media.path(child.video_key or "")) - seconds) <= 2 / child.fps

    parent, extended = _mono(service, root), _mono(service, child)
    head = round(root.num_frames / root.fps * RATE)  # the parent's part of the timeline
    # Under the parent's frames: the parent's own sound (within two AAC generations' noise).
    window = slice(RATE // 20, head - RATE // 20)  # away from the codec's edges
    ours, theirs = extended[window], parent[window]
    assert np.abs(theirs).max() > 1e-3
    assert np.corrcoef(ours, theirs)[0, 1] > 0.9
    # After the seam: the new segment's sound, not silence, not the parent's again.
    tail = extended[head + RATE // 20 : round(seconds * RATE) - RATE // 20]
    assert np.sqrt(np.mean(tail**2)) > 1e-3
