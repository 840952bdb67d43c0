"""The render path of one clip job as named stages, each a plain function testable alone:

load inputs → render → post-process (stitch, watermark) → encode → sign → store → (the loop
records the clip and publishes). Nothing here touches the queue or the job's state: the loop
(:mod:`reelbot.generator.worker.loop`) owns ordering, retries and the result event.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from reelbot.domain.errors import ReelbotError
from reelbot.domain.images import open_image
from reelbot.domain.settings import EncodeSettings, Settings
from reelbot.domain.types import GenerationRequest, ReferenceRole, RemixKind
from reelbot.generator.cache import EngineCache
from reelbot.generator.clip_audio import ClipAudio
from reelbot.generator.encode import EncodeResult, decode_frames, encode_mp4, write_thumbnail
from reelbot.generator.provenance import ClipCredentials, apply_watermark, sign_clip
from reelbot.generator.runner import Rendered, plan_for, render_request
from reelbot.storage import assets as asset_repo
from reelbot.storage import clips as clip_repo
from reelbot.storage.db import session_scope
from reelbot.storage.media import clip_key, thumbnail_key

#: Clip ids are derived from the job id: a retry after a crash writes the same keys, so files
#: a killed attempt left behind are adopted (overwritten) instead of orphaned.
CLIP_NAMESPACE = uuid.UUID("6f1d3c2e-6a57-4c55-9d4e-0b1d5e7a9c21")


def clip_id_for(job_id: uuid.UUID) -> uuid.UUID:
    """The one clip id a job's render is stored under (the same on every attempt)."""
    return uuid.uuid5(CLIP_NAMESPACE, str(job_id))


def media_keys_for(job_id: uuid.UUID) -> tuple[str, str]:
    """(video key, thumbnail key) of a job's clip."""
    clip_id = clip_id_for(job_id)
    return clip_key(clip_id), thumbnail_key(clip_id)


@dataclass
class Inputs:
    """Reference images by role; for an Extend the parent's frames and fps, and its stored
    mp4 when it has sound (read again for the joined soundtrack)."""

    references: dict[ReferenceRole, Any]
    context: np.ndarray | None = None
    context_fps: int | None = None
    context_video: Path | None = None


def load_inputs(request: GenerationRequest, media: Any, db: Any) -> Inputs:
    """Read what the render needs from storage (blocking); missing inputs fail the job clearly."""
    inputs = Inputs(references={})
    with session_scope(db) as session:
        for ref in request.references:
            asset = asset_repo.get_asset(session=session, sha256=ref.sha256)
            if asset is None:
                raise ReelbotError("image.not_an_image")
            if not media.exists(asset.storage_key):
                raise ReelbotError("image.missing")
            inputs.references.setdefault(ref.role, open_image(media.read_bytes(asset.storage_key)))
        if request.remix_kind is RemixKind.EXTEND and request.parent_clip_id is not None:
            parent = clip_repo.get_clip(session=session, clip_id=request.parent_clip_id)
            if parent is None or parent.video_key is None or not media.exists(parent.video_key):
                raise ReelbotError("clip.not_found")
            inputs.context = decode_frames(media.path(parent.video_key))
            inputs.context_fps = parent.fps
            inputs.context_video = media.path(parent.video_key) if parent.has_audio else None
    return inputs


@dataclass
class RenderResult:
    rendered: Rendered
    gpu_seconds: float
    timings: dict[str, float] = field(default_factory=dict)


def render(
    request: GenerationRequest,
    inputs: Inputs,
    settings: Settings,
    cache: EngineCache,
    on_step: Callable[[int, int], bool],
) -> RenderResult:
    """Load the engine (once; later jobs find it warm) and run the model (blocking).

    ``on_step`` returns False to stop at the next step (cancelled, or our claim was lost).
    """
    step_times: list[float] = []

    def step(done: int, total: int) -> bool:
        step_times.append(time.monotonic())
        return on_step(done, total)

    started = time.monotonic()
    preset, _ = plan_for(request, settings)
    cache.get(preset)
    loaded = time.monotonic()
    rendered = render_request(
        request,
        inputs.references,
        settings=settings,
        cache=cache,
        on_step=step,
        context_frames=inputs.context[-1:] if inputs.context is not None else None,
    )
    finished = time.monotonic()
    last_step = step_times[-1] if step_times else finished
    timings = {"load": loaded - started, "denoise": last_step - loaded, "decode": finished - last_step}
    return RenderResult(rendered, charged_seconds(rendered, finished - started), timings)


def charged_seconds(rendered: Rendered, wall_s: float) -> float:
    """What the clip is charged (quotas, /usage, the estimates' refit): the render report's
    GPU-seconds — the pipeline call, text encoding to VAE decode — so Info and /usage state one
    figure; loading a cold engine is the worker's cost, not the first person's. ``wall_s``
    only when there is no report."""
    return rendered.report.gpu_seconds if rendered.report is not None else wall_s


def post_process(frames: np.ndarray, inputs: Inputs, fps: int, settings: Settings) -> np.ndarray:
    """Stitch an Extend onto its parent, then the visible watermark (a no-op unless configured)."""
    if inputs.context is not None:
        from reelbot.generator.stitch import stitch

        frames = stitch(
            inputs.context,
            frames,
            fps=inputs.context_fps,
            continuation_fps=fps,
            max_total_seconds=settings.limits.max_total_seconds,
            colour_match=settings.finish.colour_match,  # keep a chain on the first segment's colours
        )
    return apply_watermark(frames, settings.provenance)


def audio_for(result: RenderResult, inputs: Inputs) -> ClipAudio | None:
    """The sound for the stored clip, or None (blocking: an Extend reads its parent's).

    An Extend is stored stitched onto its parent: its sound is the parent's under the parent's
    frames, then the new segment's after the seam (:mod:`reelbot.generator.extend_audio`).
    """
    if inputs.context is None:
        return result.rendered.audio
    from reelbot.generator.extend_audio import extended_audio

    fps = inputs.context_fps or result.rendered.plan.fps
    new_frames = len(result.rendered.frames)
    return extended_audio(inputs.context_video, len(inputs.context), new_frames, fps, result.rendered.audio)


def encode(
    frames: np.ndarray,
    fps: int,
    folder: Path,
    encode_settings: EncodeSettings,
    thumb_width: int,
    title: str,
    audio: ClipAudio | None = None,
) -> tuple[EncodeResult, Path, Path]:
    """H.264 MP4 (with AAC when ``audio``) and a JPEG thumbnail in ``folder`` (blocking);
    (facts, video, thumbnail)."""
    video, thumb = folder / "clip.mp4", folder / "thumb.jpg"
    encoded = encode_mp4(frames, fps, video, encode_settings, title=title, audio=audio)
    write_thumbnail(frames[0], thumb, thumb_width)
    return encoded, video, thumb


def sign(
    video: Path, encoded: EncodeResult, settings: Settings, credentials: ClipCredentials
) -> EncodeResult:
    """C2PA content credentials when a certificate is configured (AI-generated, by reelbot);
    the size is measured again after the manifest was added."""
    if sign_clip(video, settings.provenance, credentials):
        return dataclasses.replace(encoded, size_bytes=video.stat().st_size)
    return encoded


def store(media: Any, job_id: uuid.UUID, video: Path, thumb: Path) -> tuple[str, str]:
    """Put both files under the job's own keys (atomic per file; blocking)."""
    video_key, thumb_key = media_keys_for(job_id)
    media.put_file(video_key, video)
    media.put_file(thumb_key, thumb)
    return video_key, thumb_key


def credentials_for(job_id: uuid.UUID, request: GenerationRequest) -> ClipCredentials:
    return ClipCredentials(
        job_id=str(job_id),
        preset=request.preset,
        seed=request.seed,
        parent_clip_id=str(request.parent_clip_id) if request.parent_clip_id else None,
    )


async def in_thread(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Blocking stage off the event loop (heartbeats and cancel polls keep running)."""
    return await asyncio.to_thread(fn, *args, **kwargs)
