"""Storyboard → Short draft: render each shot once, stitch the 9:16 draft, draw a contact sheet.

Why a shot cache: a creator re-rolls the one shot they dislike and expects the rest to stay
exactly as they were, without paying for them again. Each shot is stored as
``shots/<recipe hash>.mp4`` in the output folder; a shot whose recipe (prompt, seed,
references, preset, sizes…) hashes to an existing file is not rendered again. Re-rolling
shot N draws a new seed for it and remembers it in ``storyboard.state.json``, so later
builds keep the re-rolled version. The draft is always rebuilt from the stored shot clips.

Outputs in ``out_dir``: ``shots/*.mp4`` (one per shot), ``draft.mp4`` (one fps, one size,
hard cuts or crossfades), ``draft_1080x1920.mp4`` when ``upscale`` is set, ``contact_sheet.jpg``
and ``storyboard.json`` (what went where). A board with captions, a track or a ``finish``
section also gets ``short.mp4`` (+ ``short.srt``) from the finish pipeline
(:mod:`reelbot.generator.finish.storyboard`). Before joining, shots may be trimmed onto the
track's beats (``beat_snap``) and graded to shot 1's colours (``colour_match``, on by
default); the cached shot files stay as rendered.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.settings import Settings
from reelbot.domain.storyboard import (
    Storyboard,
    Transition,
    check_speeds,
    check_storyboard,
    join_overlaps,
    load_storyboard,
    recipe_hash,
    shot_request,
)
from reelbot.domain.types import MAX_SEED, Aspect, Origin, Platform, ReferenceRole
from reelbot.generator.draft_frames import assemble, contact_sheet, upscale_mp4
from reelbot.generator.encode import decode_frames, encode_mp4

if TYPE_CHECKING:
    from reelbot.domain.presets import PresetSpec
    from reelbot.generator.cache import EngineCache

log = logging.getLogger(__name__)

STATE_FILE = "storyboard.state.json"
MANIFEST_FILE = "storyboard.json"
DRAFT_MAX_BYTES = 512 * 1024 * 1024  # a local file for an upload to YouTube, not a chat attachment
UPLOAD_SIZES: dict[Aspect, tuple[int, int]] = {
    Aspect.PORTRAIT: (1080, 1920),
    Aspect.LANDSCAPE: (1920, 1080),
    Aspect.SQUARE: (1080, 1080),
}
ShotProgress = Callable[[int, int, str], None]  # (shot number, shot count, "cached" | "rendering")


@dataclass(frozen=True)
class ShotClip:
    number: int  # 1-based, as the creator counts
    prompt: str
    seed: int
    recipe_hash: str
    path: Path
    num_frames: int
    rendered: bool  # False: reused from the shot cache


@dataclass(frozen=True)
class DraftResult:
    shots: list[ShotClip]
    draft: Path
    upscaled: Path | None
    contact_sheet: Path
    manifest: Path
    preset: str
    width: int
    height: int
    fps: int
    num_frames: int
    short: Path | None = None  # the finished Short, when the board asks for one
    srt: Path | None = None  # its captions on the shot timings
    shot_frames: tuple[int, ...] = ()  # frames each shot contributes (after beat_snap)
    tempo_bpm: float | None = None  # the track's tempo, when beat_snap ran
    colour_matched: bool = False

    @property
    def seconds(self) -> float:
        return self.num_frames / self.fps


def _cli_origin() -> Origin:
    return Origin(platform=Platform.CLI, user_id="storyboard")


def _read_state(out_dir: Path) -> dict[str, int]:
    path = out_dir / STATE_FILE
    if not path.is_file():
        return {}
    seeds = json.loads(path.read_text()).get("seeds", {})
    return {str(k): int(v) for k, v in seeds.items()}


def _write_json(path: Path, data: object) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    tmp.replace(path)


def shot_seeds(board: Storyboard, out_dir: Path, reroll: Collection[int]) -> dict[int, int]:
    """Seed per shot number: remembered re-rolls, else the shot's own, else board seed + index.

    Shots in ``reroll`` get a fresh random seed, which is remembered for later builds.
    """
    count = len(board.shots)
    for number in reroll:
        if not 1 <= number <= count:
            raise InvalidRequest("storyboard.shot_unknown", shot=number, count=count)
    state = _read_state(out_dir)
    seeds: dict[int, int] = {}
    for number, shot in enumerate(board.shots, start=1):
        default = shot.seed if shot.seed is not None else (board.seed + number - 1) % (MAX_SEED + 1)
        drawn = secrets.randbelow(MAX_SEED + 1)
        seeds[number] = drawn if number in reroll else state.get(str(number), default)
    _write_json(out_dir / STATE_FILE, {"seeds": {str(k): v for k, v in seeds.items()}})
    return seeds


def _load_images(
    board: Storyboard, settings: Settings
) -> tuple[list[dict[ReferenceRole, Image.Image]], list[dict[ReferenceRole, str]]]:
    """Each shot's reference images (checked like chat uploads) and their sha256s."""
    from reelbot.domain.images import inspect_image, open_image

    images: list[dict[ReferenceRole, Image.Image]] = []
    hashes: list[dict[ReferenceRole, str]] = []
    loaded: dict[Path, tuple[Image.Image, str]] = {}
    for index in range(len(board.shots)):
        shot_images, shot_hashes = {}, {}
        for role, path in board.reference_paths(index).items():
            if path not in loaded:
                data = path.read_bytes()
                inspect_image(data, settings.limits)
                loaded[path] = (open_image(data), hashlib.sha256(data).hexdigest())
            shot_images[role], shot_hashes[role] = loaded[path]
        images.append(shot_images)
        hashes.append(shot_hashes)
    return images, hashes


def _render_shots(
    board: Storyboard,
    preset: str,
    seeds: dict[int, int],
    hashes: list[dict[ReferenceRole, str]],
    images: list[dict[ReferenceRole, Image.Image]],
    out_dir: Path,
    *,
    settings: Settings,
    engines: EngineCache,
    on_shot: ShotProgress | None,
) -> tuple[list[ShotClip], list[np.ndarray], int]:
    """Render each shot not already in ``out_dir/shots`` (keyed by its recipe hash, so an
    unchanged shot is reused), and read every shot's frames back; one fps for the whole draft."""
    from reelbot.generator.runner import plan_for, render_request

    shots: list[ShotClip] = []
    frames_per_shot: list[np.ndarray] = []
    fps = 0
    for index in range(len(board.shots)):
        number = index + 1
        request = shot_request(
            board,
            index,
            origin=_cli_origin(),
            preset=preset,
            seed=seeds[number],
            image_hashes=hashes[index],
        )
        fps = fps or plan_for(request, settings)[1].fps  # one fps for the whole draft
        digest = recipe_hash(request)
        path = out_dir / "shots" / f"{digest[:24]}.mp4"
        rendered = not path.is_file()
        if on_shot is not None:
            on_shot(number, len(board.shots), "rendering" if rendered else "cached")
        if rendered:
            log.info("storyboard shot %d/%d: rendering (seed %d)", number, len(board.shots), seeds[number])
            result = render_request(
                request, images[index], settings=settings, cache=engines, on_step=lambda _s, _t: True
            )
            encode_mp4(result.frames, result.plan.fps, path, settings.encode, title=request.prompt[:200])
        frames = decode_frames(path)
        frames_per_shot.append(frames)
        shots.append(ShotClip(number, request.prompt, seeds[number], digest, path, len(frames), rendered))
    return shots, frames_per_shot, fps


def render_storyboard(
    storyboard: Storyboard | Path,
    out_dir: Path,
    *,
    settings: Settings,
    cache: EngineCache | None = None,
    reroll: Collection[int] = (),
    on_shot: ShotProgress | None = None,
) -> DraftResult:
    """Render (or reuse) every shot, then build the draft, the contact sheet and the manifest.

    ``reroll``: 1-based shot numbers to render again with a new seed. Blocking (run it in a
    thread from async code). Raises InvalidRequest for a bad storyboard before rendering.
    """
    from reelbot.generator.cache import EngineCache, detect_device
    from reelbot.generator.finish import storyboard as finishing

    board = load_storyboard(storyboard) if isinstance(storyboard, Path) else storyboard
    check_storyboard(board, settings.limits, settings.finish)
    track = finishing.soundtrack_for(board, settings)  # refused here, before any shot renders
    (out_dir / "shots").mkdir(parents=True, exist_ok=True)  # out_dir too
    images, hashes = _load_images(board, settings)
    preset = _board_preset(board, hashes, settings)
    seeds = shot_seeds(board, out_dir, reroll)
    engines = cache or EngineCache(detect_device(settings))

    shots, frames_per_shot, fps = _render_shots(
        board, preset.name, seeds, hashes, images, out_dir,
        settings=settings, engines=engines, on_shot=on_shot,
    )  # fmt: skip
    cut = _cut(board, frames_per_shot, fps, track, settings)
    draft_frames = assemble(cut.frames, cut.transitions, cut.crossfade)
    draft_settings = settings.encode.model_copy(update={"max_bytes": DRAFT_MAX_BYTES})
    draft = encode_mp4(draft_frames, fps, out_dir / "draft.mp4", draft_settings, title=board.title[:200]).path
    short, srt = _finish(board, draft, cut, fps, track, settings)
    upscaled = None
    if board.upscale:
        width, height = UPLOAD_SIZES[board.aspect]
        upscaled = upscale_mp4(draft, out_dir / f"draft_{width}x{height}.mp4", (width, height), settings)
    sheet = contact_sheet(cut.frames, out_dir / "contact_sheet.jpg")
    result = DraftResult(
        shots=shots,
        draft=draft,
        upscaled=upscaled,
        contact_sheet=sheet,
        manifest=out_dir / MANIFEST_FILE,
        preset=preset.name,
        width=int(draft_frames.shape[2]),
        height=int(draft_frames.shape[1]),
        fps=fps,
        num_frames=len(draft_frames),
        short=short,
        srt=srt,
        shot_frames=tuple(cut.counts),
        tempo_bpm=cut.tempo_bpm,
        colour_matched=cut.colour_matched,
    )
    _write_json(result.manifest, {**asdict(result), "seconds": result.seconds, "title": board.title})
    return result


def _finish(
    board: Storyboard, draft: Path, cut: _Cut, fps: int, track: Path | None, settings: Settings
) -> tuple[Path | None, Path | None]:
    """``short.mp4`` and its captions on the shot timings, when the board asks for a Short."""
    from reelbot.generator.finish import storyboard as finishing

    if not board.wants_finish:
        return None, None
    cues = finishing.shot_cues(board, cut.counts, cut.overlaps, fps, settings)
    finished = finishing.finish_draft(board, draft, cues, track, settings)
    return finished.path, finished.srt


def _board_preset(
    board: Storyboard, hashes: list[dict[ReferenceRole, str]], settings: Settings
) -> PresetSpec:
    """One preset for the whole board (one that takes every shot's roles: ``route_board``), so
    every shot has the same size, fps and look; a shot's mode the preset lacks is refused here,
    before any shot renders."""
    from reelbot.domain.presets import route_board

    preset = route_board(board.preset, [set(shot_hashes) for shot_hashes in hashes], settings)
    check_speeds(board, preset)
    return preset


@dataclass(frozen=True)
class _Cut:
    """The shots as the draft joins them: trimmed onto the beats, graded, and the joins."""

    frames: list[np.ndarray]
    counts: list[int]  # frames each shot contributes
    transitions: list[Transition]
    overlaps: list[int]
    crossfade: int  # frames a crossfade overlaps
    tempo_bpm: float | None
    colour_matched: bool


def _cut(
    board: Storyboard, frames_per_shot: list[np.ndarray], fps: int, track: Path | None, settings: Settings
) -> _Cut:
    """Beat snap (when the board asks and has a track), then colour match onto shot 1."""
    from reelbot.generator.finish import storyboard as finishing

    crossfade, transitions = board.crossfade_frames(fps), board.transitions()
    counts = [len(frames) for frames in frames_per_shot]
    tempo = None
    if board.beat_snap and track is not None:
        overlaps = join_overlaps(counts, transitions, crossfade)
        counts, beats = finishing.snap_to_beats(counts, overlaps, fps, track, settings)
        frames_per_shot = [frames[:count] for frames, count in zip(frames_per_shot, counts, strict=True)]
        tempo = beats.tempo_bpm
    matched = settings.finish.colour_match_for(board.colour_match)
    if matched and len(frames_per_shot) > 1:
        from reelbot.generator.finish.colour import match_shots

        frames_per_shot = match_shots(frames_per_shot)
    overlaps = join_overlaps(counts, transitions, crossfade)
    colour_matched = bool(matched and len(frames_per_shot) > 1)
    return _Cut(frames_per_shot, counts, transitions, overlaps, crossfade, tempo, colour_matched)
