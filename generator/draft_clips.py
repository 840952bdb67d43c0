"""A storyboard draft joined from stored shot clips, one shot in memory at a time (the worker's
draft-assembly task; the CLI's :func:`reelbot.generator.control_draft.render_storyboard` holds
every frame instead).

Why segments: :func:`reelbot.generator.draft_frames.assemble` holds the whole draft as raw
frames (a 60-s 480×832 draft is over 1 GB) — fine for a worker, not for a bot process. Here
each shot becomes one segment (encoded with :func:`encode_mp4`; a crossfade blends the previous
shot's last frames into its head with :func:`stitch.crossfade_join`), and ffmpeg's concat
demuxer joins the segments without re-encoding. Same frames as ``assemble``: hard cuts add
lengths, a crossfade overlaps ``round(crossfade_seconds × fps)`` frames.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from reelbot.domain.settings import EncodeSettings
from reelbot.domain.storyboard import Transition
from reelbot.generator.draft_frames import concat_mp4, contact_sheet, fit_frames
from reelbot.generator.encode import decode_frames, encode_mp4, probe
from reelbot.generator.stitch import crossfade_join

if TYPE_CHECKING:
    from reelbot.generator.finish.colour import Stats
    from reelbot.storage.media import MediaBackend


@dataclass
class _Joiner:
    """A draft being joined shot by shot: the segments written so far and what the next shot
    needs from the earlier ones (size, fps, the crossfade carry, shot 1's colours)."""

    folder: Path
    encode: EncodeSettings
    title: str
    crossfade_seconds: float
    colour_match: bool
    middles: list[np.ndarray] = field(default_factory=list)
    segments: list[Path] = field(default_factory=list)
    shot_frames: list[int] = field(default_factory=list)  # each shot's frames as joined
    overlaps: list[int] = field(default_factory=list)  # frames each join overlaps (0: a cut)
    size: tuple[int, int] | None = None
    fps: int = 0  # one fps for the draft: the first shot's
    total: int = 0
    carry: np.ndarray | None = None  # the previous shot's frames kept for a crossfade
    reference: Stats | None = None  # shot 1's colour statistics, when matching

    def add(self, media: MediaBackend, key: str, fade_into_next: bool, keep: int | None = None) -> None:
        """Read shot ``key`` (its first ``keep`` frames when given: a beat-snapped cut), blend
        the carry into its head, write its segment and keep its tail when the next shot
        begins with a crossfade."""
        index = len(self.segments)
        frames, shot_fps = _read_shot(media, key, self.folder / f"shot{index}.mp4", self.size)
        if keep is not None:
            frames = frames[: max(1, keep)]
        self.fps = self.fps or shot_fps
        self.size = self.size or (frames.shape[2], frames.shape[1])
        if self.colour_match:
            frames, self.reference = _grade_to_first(frames, self.reference)
        middle = len(frames) // 2
        self.middles.append(frames[middle : middle + 1].copy())  # not a view: frees the shot
        if self.carry is not None:  # this shot begins with a crossfade from the previous one
            frames = crossfade_join(self.carry, frames, min(len(self.carry), len(frames)))
        fade_out = 0
        if fade_into_next:
            fade_out = min(max(1, round(self.crossfade_seconds * self.fps)), len(frames) - 1)
        self.carry = frames[len(frames) - fade_out :].copy() if fade_out else None
        self.shot_frames.append(len(frames))
        self.overlaps.append(fade_out)  # the last shot's 0 is dropped by :meth:`facts`
        body = frames[: len(frames) - fade_out]
        segment = self.folder / f"segment{index}.mp4"
        encode_mp4(body, self.fps, segment, self.encode, title=self.title[:200] or None)
        self.segments.append(segment)
        self.total += len(body)


def join_clips(
    media: MediaBackend,
    encode: EncodeSettings,
    clip_keys: list[str],
    transitions: list[Transition],
    crossfade_seconds: float,
    folder: Path,
    *,
    title: str = "",
    colour_match: bool = False,
    keep: list[int] | None = None,
) -> tuple[Path, _Joiner]:
    """Join stored shot clips into ``folder/draft.mp4``, one shot in memory at a time;
    ``keep``: how many frames of each shot to use (a board finish re-cut onto the beats)."""
    joiner = _Joiner(folder, encode, title, crossfade_seconds, colour_match)
    for index, key in enumerate(clip_keys):
        fade = index + 1 < len(clip_keys) and transitions[index] is Transition.CROSSFADE
        joiner.add(media, key, fade, keep[index] if keep is not None else None)
    draft = folder / "draft.mp4"
    concat_mp4(joiner.segments, draft)
    return draft, joiner


def joined_facts(draft: Path, joiner: _Joiner) -> dict[str, object]:
    """What the draft's record keeps: its size, rate and length, and where each shot lies on
    its timeline (``shot_frames`` and ``overlaps``, for captions on the shot timings)."""
    assert joiner.size is not None
    return {
        "size_bytes": draft.stat().st_size,
        "width": joiner.size[0],
        "height": joiner.size[1],
        "fps": joiner.fps,
        "num_frames": joiner.total,
        "shot_frames": list(joiner.shot_frames),
        "overlaps": list(joiner.overlaps[:-1]),
    }


def build_draft_from_clips(
    media: MediaBackend,
    encode: EncodeSettings,
    clip_keys: list[str],
    transitions: list[Transition],
    crossfade_seconds: float,
    video_key: str,
    sheet_key: str,
    title: str,
    colour_match: bool = False,
) -> dict[str, object]:
    """Join stored shot clips into one draft + contact sheet in ``media``, one shot in memory at
    a time (see the module docstring). Blocking: ffmpeg only. ``colour_match`` (the worker
    passes ``settings.finish.colour_match``) grades shots 2… to shot 1's CIELAB statistics, as
    :func:`reelbot.generator.control_draft.render_storyboard` does."""
    with tempfile.TemporaryDirectory(prefix="reelbot-draft-") as tmp:
        folder = Path(tmp)
        draft, joiner = join_clips(
            media, encode, clip_keys, transitions, crossfade_seconds, folder,
            title=title, colour_match=colour_match,
        )  # fmt: skip
        sheet = contact_sheet(joiner.middles, folder / "contact_sheet.jpg")
        media.put_file(video_key, draft)
        media.put_file(sheet_key, sheet)
        return joined_facts(draft, joiner)


def _read_shot(
    media: MediaBackend, key: str, path: Path, size: tuple[int, int] | None
) -> tuple[np.ndarray, int]:
    """One stored shot's frames (fitted to ``size``, the first shot's, when given) and its fps;
    the temporary copy is removed at once so only one shot sits on disk."""
    path.write_bytes(media.read_bytes(key))
    fps = round(probe(path).fps)
    frames = decode_frames(path)
    path.unlink()
    return (fit_frames(frames, *size) if size is not None else frames), fps


def _grade_to_first(frames: np.ndarray, reference: Stats | None) -> tuple[np.ndarray, Stats]:
    """Shot 1 sets the CIELAB reference; every later shot is graded onto it."""
    from reelbot.generator.finish.colour import lab_stats, transfer

    if reference is None:
        return frames, lab_stats(frames[::4])
    return transfer(frames, lab_stats(frames[::4]), reference), reference
