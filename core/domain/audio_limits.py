"""The limits a soundtrack must pass, once, in one order: the worker, the app and LINE agree.

Why one pure function: three places refuse a person's track — the worker before it finishes
(``generator/finish/audio.py::check_track``), the application before it stores an upload
(``reelbot.app.finish_tracks.check_track``, after the ``AudioProbe``) and LINE before it downloads one
(from the size and length LINE states). Each knows different facts at a different moment, and
with three copies each had grown its own order, so the same bad file could get a different
message depending on where it was caught. Here every caller passes what it knows; a fact it
does not know (``None``) is skipped, so a caller can check early with little and again later
with more, and the message for the same facts is the same everywhere.

Order of precedence — the first failing limit wins:

1. **not audio by its name** (``finish.audio_not_audio``): a suffix that is not a track's —
   free, known before a byte is fetched, and a 100 MB ``.txt`` is better told it is not audio;
2. **too big** (``finish.audio_too_big``): known from the declared size before a download, so
   a huge file is never fetched or probed just to learn it is also silent or too long;
3. **not audio by its content** (``finish.audio_not_audio``): 0 bytes, or no audio stream that
   decodes — without sound its length means nothing, so this comes before the length checks;
4. **empty** (``finish.audio_empty``): fewer than ``min_audio_seconds`` decode;
5. **too long** (``finish.audio_too_long``): more than ``max_audio_seconds`` (the header's
   length when it alone says so: two hours are refused without decoding them).

4 and 5 exclude each other for one length (``FinishSettings`` keeps min below max).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reelbot.domain.errors import InvalidRequest

if TYPE_CHECKING:
    from reelbot.domain.finish_config import FinishSettings

MiB = 1024 * 1024

#: Suffixes a person's own track may have (mp3, m4a/aac, wav, ogg/opus, flac).
TRACK_EXTENSIONS = frozenset({".mp3", ".m4a", ".aac", ".wav", ".ogg", ".oga", ".opus", ".flac"})

#: The message keys in the order they win (documented above; the tests walk this table).
PRECEDENCE = (
    "finish.audio_not_audio",  # by name
    "finish.audio_too_big",
    "finish.audio_not_audio",  # by content
    "finish.audio_empty",
    "finish.audio_too_long",
)


def track_suffix(filename: str) -> str:
    """``Song.MP3`` → ``.mp3``; ``""`` without a dot (then it is no track's name)."""
    return "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def audio_refusal(
    name: str,
    limits: FinishSettings,
    *,
    suffix: str | None = None,
    size_bytes: int | None = None,
    has_audio: bool | None = None,
    seconds: float | None = None,
) -> InvalidRequest | None:
    """The refusal for these facts (``None``: unknown, skipped), or None when they all pass.

    ``name`` is the track as the person knows it (it goes into the message).
    """
    if suffix is not None and suffix not in TRACK_EXTENSIONS:
        return InvalidRequest("finish.audio_not_audio", name=name)
    if size_bytes is not None and size_bytes > limits.max_audio_bytes:
        return InvalidRequest(
            "finish.audio_too_big",
            name=name,
            size_mb=f"{size_bytes / MiB:.1f}",
            limit_mb=f"{limits.max_audio_bytes / MiB:.0f}",
        )
    if size_bytes == 0 or has_audio is False:
        return InvalidRequest("finish.audio_not_audio", name=name)
    if seconds is not None and seconds < limits.min_audio_seconds:
        return InvalidRequest("finish.audio_empty", name=name)
    if seconds is not None and seconds > limits.max_audio_seconds:
        return InvalidRequest(
            "finish.audio_too_long", name=name, seconds=round(seconds), limit=round(limits.max_audio_seconds)
        )
    return None


def refuse_bad_audio(
    name: str,
    limits: FinishSettings,
    *,
    suffix: str | None = None,
    size_bytes: int | None = None,
    has_audio: bool | None = None,
    seconds: float | None = None,
) -> None:
    """:func:`audio_refusal`, raised: for callers that stop at the first refusal."""
    refusal = audio_refusal(
        name, limits, suffix=suffix, size_bytes=size_bytes, has_audio=has_audio, seconds=seconds
    )
    if refusal is not None:
        raise refusal
