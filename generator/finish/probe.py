"""The up-front audio probe the bots call (``reelbot.ports.AudioProbe``) before storing a track.

Why a probe of its own beside :func:`~reelbot.generator.finish.audio.check_track`: the chat
must refuse a file that is not audio, a 0-second track or a 2-hour one *before* anything is
stored or queued, and it holds bytes, not a worker's file. It reads the same facts the same
way — the header first (``ffmpeg -i``: enough to refuse two hours without decoding them),
then the seconds that really decode, stopped just past the limit — and leaves the verdict to
:func:`reelbot.domain.audio_limits.audio_refusal`, the one set of limits and messages.
ffmpeg only: no torch, safe in a bot process.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from reelbot.generator.finish.media import FfmpegFailed, decoded_audio_seconds, stream_facts
from reelbot.ports import AudioFacts


def probe_audio(data: bytes, suffix: str, limit_s: float) -> AudioFacts:
    """Audio facts of ``data`` (a file ending in ``suffix``); decodes at most ``limit_s`` + 1 s."""
    with tempfile.TemporaryDirectory(prefix="reelbot-probe-") as tmp:
        path = Path(tmp) / f"track{suffix}"
        path.write_bytes(data)
        return track_facts(path, limit_s)


def track_facts(path: Path, limit_s: float) -> AudioFacts:
    """Audio facts of a file: the one reading both the bots' probe and the worker's
    ``check_track`` use, so they judge the same file the same way."""
    facts = stream_facts(path)
    if not facts.has_audio:
        return AudioFacts(has_audio=False, seconds=0.0)
    if facts.duration > limit_s:  # the header alone refuses it: no decoding hours of audio
        return AudioFacts(has_audio=True, seconds=facts.duration)
    try:
        seconds = decoded_audio_seconds(path, limit=limit_s + 1)
    except FfmpegFailed:
        return AudioFacts(has_audio=False, seconds=0.0)
    return AudioFacts(has_audio=True, seconds=seconds)
