"""Wiring the parts together: the composition root plugs the generator into the application's
ports and builds workers from the service's parts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reelbot.ports import PORTS

if TYPE_CHECKING:
    from reelbot.app.service import ReelbotService
    from reelbot.domain.settings import EncodeSettings
    from reelbot.generator.worker import Worker
    from reelbot.ports import AudioFacts


def _shrink_clip(data: bytes, limit: int, encode: EncodeSettings) -> bytes:
    """Decode and encode again under ``limit`` bytes (ffmpeg only — no torch)."""
    import tempfile
    from pathlib import Path

    from reelbot.generator.encode import decode_frames, encode_mp4, probe

    with tempfile.TemporaryDirectory(prefix="reelbot-shrink-") as tmp:
        src, dst = Path(tmp) / "in.mp4", Path(tmp) / "out.mp4"
        src.write_bytes(data)
        info = probe(src)
        frames = decode_frames(src)
        budget = encode.model_copy(update={"max_bytes": max(64 * 1024, int(limit * 0.95))})
        encode_mp4(frames, round(info.fps), dst, budget)
        return dst.read_bytes()


def _probe_audio(data: bytes, suffix: str, limit_s: float) -> AudioFacts:
    """The generator's ffmpeg probe, imported on first use so a bot starts without it."""
    from reelbot.generator.finish.probe import probe_audio

    return probe_audio(data, suffix, limit_s)


def wire() -> None:
    """Connect every port to its implementation (idempotent; the CLI calls it at start)."""
    PORTS.clip_shrinker = _shrink_clip
    PORTS.audio_probe = _probe_audio


def worker_for(service: ReelbotService, **options: Any) -> Worker:
    """A queue worker over the service's Redis, database and media store (the generator never
    sees the service: it gets these parts and the service's reconcile step)."""
    from reelbot.generator.worker import Worker, WorkerParts
    from reelbot.ops import metrics

    parts = WorkerParts(
        settings=service.settings,
        queue=service.queue,
        media=service.media,
        db=service.db,
        events=service.events,
        reconcile=service.reconcile,
        observer=metrics,  # the module satisfies reelbot.ports.JobObserver
    )
    return Worker(parts, **options)
