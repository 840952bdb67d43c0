"""A storyboard's finish: the track checked first, cuts on the beat, captions on the shot timings.

:func:`reelbot.generator.control_draft.render_storyboard` calls these in order:

1. :func:`soundtrack_for` before any shot renders — a missing or unreadable track, or a
   music description with no music model, is refused while nothing is written.
2. :func:`snap_to_beats` once the shots are rendered: librosa's beat tracker
   (:mod:`.beats`) on the track, then each shot's end trimmed back onto a beat
   (:func:`.beats.trim_to_beats`; shots cannot grow, their frames are what was rendered).
3. :func:`shot_cues` from the frame counts actually joined: a caption spans exactly the
   frames its shot is on screen in the draft (up to where the next shot begins).
4. :func:`finish_draft`: :func:`.pipeline.finish_clip` over ``draft.mp4`` — the same
   function ``reelbot finish`` and the worker's finish job run.

A chat board's finish task (``beat_snap`` with a track) does steps 2 and 3 on the worker with
:func:`recut_on_beats`: the shot clips the draft was joined from are joined again, each cut
trimmed back onto a beat, and the shot captions move with their shots.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reelbot.domain.settings import Settings
from reelbot.domain.storyboard import (
    AudioMode,
    Storyboard,
    Transition,
    check_audio_file,
    check_shot_caption,
)
from reelbot.domain.tasks import Caption, Recut
from reelbot.domain.types import Aspect
from reelbot.generator.finish.audio import check_track
from reelbot.generator.finish.beats import Beats, detect_beats, trim_to_beats
from reelbot.generator.finish.captions import Cue
from reelbot.generator.finish.pipeline import FinishRequest, FinishResult, finish_clip

RECUT_MAX_BYTES = 512 * 1024 * 1024  # the chat draft's own cap; the finish re-encodes it anyway
FINISHED_NAME = "short.mp4"  # beside draft.mp4; its .srt is short.srt
SHORT_SIZES: dict[Aspect, tuple[int, int]] = {
    Aspect.PORTRAIT: (1080, 1920),
    Aspect.LANDSCAPE: (1920, 1080),
    Aspect.SQUARE: (1080, 1080),
}


def soundtrack_for(board: Storyboard, settings: Settings) -> Path | None:
    """The board's track, checked like an upload (before anything renders), or None.

    A ``music`` description is made into a track here, before the shots, by the music
    engine the server switched on (:mod:`.music`, ``finish.music_engine``; none by default,
    which is refused with a message that says so): one model in memory at a time, and a
    board that cannot get its music renders nothing. The track lasts the board's planned
    length plus a second (beat snapping only ever shortens the draft).
    """
    for number, caption in enumerate(board.captions(), start=1):
        if caption:
            check_shot_caption(number, caption, settings.finish)
    if board.music:
        from reelbot.generator.finish.music import check_music_engine, make_music

        check_music_engine(settings, board.music)
        seconds = sum(shot.seconds for shot in board.shots) + 1.0
        path: Path | None = make_music(board.music, seconds, board.seed, settings).path
    else:
        path = check_audio_file(board)
    if path is not None:
        check_track(path, settings.finish)
    return path


def snap_to_beats(
    counts: Sequence[int], overlaps: Sequence[int], fps: int, track: Path, settings: Settings
) -> tuple[list[int], Beats]:
    """Frame counts with every cut trimmed back onto a beat of ``track`` where allowed."""
    seconds = (sum(counts) - sum(overlaps)) / fps
    beats = detect_beats(track, seconds=seconds + 1.0)
    trimmed = trim_to_beats(
        counts,
        overlaps,
        fps,
        beats.times,
        max_shift=settings.finish.beat_snap_max_shift_s,
        min_shot=settings.finish.beat_snap_min_shot_s,
    )
    return trimmed, beats


def shot_spans(counts: Sequence[int], overlaps: Sequence[int], fps: int) -> list[tuple[float, float]]:
    """(start, end) seconds of each shot on the draft's timeline: from where it begins to
    where the next one begins (a crossfade hands over at its start); the last runs to the end."""
    spans, start = [], 0
    for index, count in enumerate(counts):
        shown = count - overlaps[index] if index < len(overlaps) else count
        spans.append((start / fps, (start + shown) / fps))
        start += shown
    return spans


def shot_cues(
    board: Storyboard, counts: Sequence[int], overlaps: Sequence[int], fps: int, settings: Settings
) -> list[Cue]:
    """One cue per captioned shot, on the frames that shot shows in the draft."""
    cues = []
    for number, (caption, (start, end)) in enumerate(
        zip(board.captions(), shot_spans(counts, overlaps, fps), strict=True), start=1
    ):
        if caption:
            cues.append(
                Cue(round(start, 6), round(end, 6), check_shot_caption(number, caption, settings.finish))
            )
    return cues


def finish_draft(
    board: Storyboard, draft: Path, cues: Sequence[Cue], track: Path | None, settings: Settings
) -> FinishResult:
    """``draft`` finished beside it as ``short.mp4`` (+ ``short.srt`` when there are captions)."""
    spec = board.finish
    size = (spec.dimensions() if spec else None) or _default_size(board, settings)
    request = FinishRequest(
        clip=draft,
        out=draft.with_name(FINISHED_NAME),
        audio=track,
        cues=tuple(cues),
        burn_captions=board.burn_captions,
        fps=spec.fps if spec and spec.fps else None,
        size=size,
        audio_mode="mix" if board.audio_mode is AudioMode.MIX else "replace" if board.audio_mode else None,
    )
    return finish_clip(request, settings)


def _default_size(board: Storyboard, settings: Settings) -> tuple[int, int]:
    """settings.finish's size for a 9:16 board; the same long side turned for 16:9 and 1:1."""
    if board.aspect is Aspect.PORTRAIT:
        return settings.finish.width, settings.finish.height
    return SHORT_SIZES[board.aspect]


@dataclass(frozen=True)
class Snapped:
    """A board's draft joined again with its cuts on the beats (a finish task's source)."""

    draft: Path
    counts: list[int]  # frames each shot has in the new join
    overlaps: list[int]
    fps: int
    tempo_bpm: float
    beats: int

    def retime(self, captions: Sequence[Caption]) -> list[Caption]:
        """Shot captions moved onto their shots' new spans; others stay as they were."""
        spans = shot_spans(self.counts, self.overlaps, self.fps)
        moved = []
        for caption in captions:
            if caption.shot is not None and caption.shot < len(spans):
                start, end = spans[caption.shot]
                caption = caption.model_copy(update={"start": round(start, 6), "end": round(end, 6)})
            moved.append(caption)
        return moved

    def facts(self) -> dict[str, Any]:
        """What the finish task's result adds: the snapped shot lengths and the tempo."""
        return {"shot_frames": self.counts, "tempo_bpm": round(self.tempo_bpm, 2), "beats": self.beats}


def recut_on_beats(recut: Recut, track: Path, media: Any, settings: Settings, folder: Path) -> Snapped:
    """The draft joined again from its shot clips with every cut trimmed back onto a beat of
    ``track`` (:func:`snap_to_beats`, the CLI's rule: shots only get shorter), in ``folder``.
    Blocking: librosa and ffmpeg."""
    from reelbot.generator.draft_clips import join_clips

    fps = _fps_of(media, recut.clip_keys[0], folder)
    counts, beats = snap_to_beats(recut.shot_frames, recut.overlaps, fps, track, settings)
    encode = settings.encode.model_copy(update={"max_bytes": RECUT_MAX_BYTES})
    draft, joiner = join_clips(
        media, encode, recut.clip_keys, [Transition(t) for t in recut.transitions],
        recut.crossfade_seconds, folder, title=recut.title,
        colour_match=settings.finish.colour_match_for(recut.colour_match), keep=counts,
    )  # fmt: skip
    shots, overlaps = list(joiner.shot_frames), list(joiner.overlaps[:-1])
    return Snapped(draft, shots, overlaps, joiner.fps, beats.tempo_bpm, len(beats.times))


def _fps_of(media: Any, key: str, folder: Path) -> int:
    """The first shot's frame rate (the draft's), read before any frame is decoded."""
    from reelbot.generator.encode import probe

    path = folder / "probe.mp4"
    path.write_bytes(media.read_bytes(key))
    try:
        return round(probe(path).fps)
    finally:
        path.unlink()
