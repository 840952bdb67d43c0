"""Does an upload start like an audio file at all? A cheap check of its first bytes.

Why: a chat bot may hold a person's soundtrack long before a worker probes it, and where no
``AudioProbe`` is wired ``reelbot.app.finish_tracks.check_track`` only checks the name and size. A
text file renamed ``song.mp3`` would then wait and only fail the finish task later; the
container signatures below refuse it at once, in the person's language, with nothing stored.
Decoding (is there sound, how long) stays the probe's and the worker's
(``generator/finish/audio.py``): this is only the shape.
"""

from __future__ import annotations

#: Leading bytes of the containers :data:`reelbot.domain.audio_limits.TRACK_EXTENSIONS` names.
_PREFIXES = (
    b"ID3",  # mp3 with an ID3v2 tag
    b"OggS",  # ogg / oga / opus
    b"fLaC",  # flac
)


def looks_like_audio(data: bytes) -> bool:
    """True when ``data`` starts like mp3, aac (ADTS), m4a/mp4, wav, ogg/opus or flac."""
    if data.startswith(_PREFIXES):
        return True
    if data[4:8] == b"ftyp":  # ISO base media: m4a, mp4, 3gp (LINE's audio messages)
        return True
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return True
    # An MPEG audio frame (mp3 without a tag) or an ADTS AAC frame: 11 sync bits set.
    return len(data) >= 2 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0
