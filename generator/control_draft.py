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
import subprocess
import tempfile
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.settings import EncodeSettings, Settings
from reelbot.domain.storyboard import (
    Storyboard,
    Transition,
    check_speeds,
    check_storyboard,
    load_storyboard,
    recipe_hash,
    shot_request,
)
from reelbot.domain.types import MAX_SEED, Aspect, Origin, Platform, ReferenceRole
from reelbot.generator.conditioning import cover_crop
from reelbot.generator.encode import AI_COMMENT, EncodeError, decode_frames, encode_mp4, ffmpeg_exe, probe
from reelbot.generator.stitch import crossfade_join

if TYPE_CHECKING:
    from reelbot.generator.cache import EngineCache
    from reelbot.generator.finish.colour import Stats
    from reelbot.storage.media import MediaBackend

log = logging.getLogger(__name__)

STATE_FILE = "storyboard.state.json"
MANIFEST_FILE = "storyboard.json"
DRAFT_MAX_BYTES = 512 * 1024 * 1024  # a local file for an upload to YouTube, not a chat attachment
UPLOAD_SIZES: dict[Aspect, tuple[int, int]] = {
    Aspect.PORTRAIT: (1080, 1920),
    Aspect.LANDSCAPE: (1920, 1080),
    Aspect.SQUARE: (1080, 1080),
}
SHEET_THUMB_WIDTH = 180
SHEET_COLUMNS = 4

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


def assemble(clips: list[np.ndarray], transitions: list[Transition], crossfade_frames: int) -> np.ndarray:
    """Join shot frames in order; ``transitions[i]`` is how clip ``i + 1`` begins.

    All clips are brought to the first clip's size (cover + centre crop) so the draft has one
    size even if routing gave a shot another preset.
    """
    height, width = clips[0].shape[1:3]
    draft = clips[0]
    overlaps = join_overlaps([len(c) for c in clips], transitions, crossfade_frames)
    for clip, frames in zip(clips[1:], overlaps, strict=True):
        draft = crossfade_join(draft, fit_frames(clip, width, height), frames)
    return draft


def join_overlaps(counts: list[int], transitions: list[Transition], crossfade_frames: int) -> list[int]:
    """Frames each join overlaps (0 for a cut): what :func:`assemble` does, as numbers, so
    beat snapping and caption timings see the draft's real timeline."""
    overlaps, length = [], counts[0] if counts else 0
    for count, transition in zip(counts[1:], transitions, strict=True):
        overlap = min(crossfade_frames, length, count) if transition is Transition.CROSSFADE else 0
        overlaps.append(overlap)
        length += count - overlap
    return overlaps


def fit_frames(frames: np.ndarray, width: int, height: int) -> np.ndarray:
    """Bring a shot to the draft's size (cover + centre crop, the reference-image rule)."""
    if frames.shape[1:3] == (height, width):
        return frames
    return np.stack([np.asarray(cover_crop(Image.fromarray(f), width, height)) for f in frames])


def contact_sheet(shot_frames: list[np.ndarray], path: Path) -> Path:
    """A JPEG grid of every shot's middle frame, numbered as in the storyboard."""
    thumbs = []
    for frames in shot_frames:
        image = Image.fromarray(frames[len(frames) // 2])
        height = max(1, round(image.height * SHEET_THUMB_WIDTH / image.width))
        thumbs.append(image.resize((SHEET_THUMB_WIDTH, height), Image.Resampling.LANCZOS))
    columns = min(SHEET_COLUMNS, len(thumbs))
    rows = -(-len(thumbs) // columns)
    cell_w = SHEET_THUMB_WIDTH + 8
    cell_h = max(t.height for t in thumbs) + 8
    sheet = Image.new("RGB", (columns * cell_w + 8, rows * cell_h + 8), (24, 24, 24))
    draw = ImageDraw.Draw(sheet)
    for i, thumb in enumerate(thumbs):
        x, y = 8 + (i % columns) * cell_w, 8 + (i // columns) * cell_h
        sheet.paste(thumb, (x, y))
        draw.rectangle((x, y, x + 22, y + 14), fill=(0, 0, 0))
        draw.text((x + 4, y + 2), str(i + 1), fill=(255, 255, 255))
    tmp = path.with_name(f".{path.name}.tmp")
    sheet.save(tmp, format="JPEG", quality=88)
    tmp.replace(path)
    return path


def upscale_mp4(source: Path, target: Path, size: tuple[int, int], settings: Settings) -> Path:
    """ffmpeg scales (Lanczos, cover + centre crop) frame by frame: a 60-s 1080×1920 draft never
    sits in memory as raw frames. A sound track in ``source`` (LTX-2 shots) is copied as it is:
    scaling changes no timing, so re-encoding the audio would only lose quality."""

    width, height = size
    tmp = target.with_name(f".{target.stem}.tmp.mp4")
    filters = (
        f"scale={width}:{height}:force_original_aspect_ratio=increase:flags=lanczos,"
        f"crop={width}:{height},setsar=1"
    )
    command = [
        ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(source), "-vf", filters,
        "-map", "0:v:0", "-map", "0:a:0?", "-c:a", "copy",
        "-c:v", "libx264", "-preset", settings.encode.x264_preset, "-crf", str(settings.encode.crf),
        "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(tmp),
    ]  # fmt: skip
    proc = subprocess.run(command, capture_output=True, check=False)  # noqa: S603
    if proc.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise EncodeError("encode.failed", error=proc.stderr.decode("utf-8", "replace").strip()[-200:])
    tmp.replace(target)
    return target


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
    from reelbot.domain.presets import route_preset
    from reelbot.generator.cache import EngineCache, detect_device
    from reelbot.generator.finish import storyboard as finishing

    board = load_storyboard(storyboard) if isinstance(storyboard, Path) else storyboard
    check_storyboard(board, settings.limits, settings.finish)
    track = finishing.soundtrack_for(board, settings)  # refused here, before any shot renders
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "shots").mkdir(exist_ok=True)
    images, hashes = _load_images(board, settings)
    # One preset for the whole board (the one that honours every role used), so every shot
    # has the same size, fps and look.
    all_roles = {role for shot_hashes in hashes for role in shot_hashes}
    preset = route_preset(board.preset, all_roles, settings)
    check_speeds(board, preset)  # a shot's mode the preset lacks: refused before any shot renders
    seeds = shot_seeds(board, out_dir, reroll)
    engines = cache or EngineCache(detect_device(settings))

    shots, frames_per_shot, fps = _render_shots(
        board, preset.name, seeds, hashes, images, out_dir,
        settings=settings, engines=engines, on_shot=on_shot,
    )

    crossfade = max(1, round(board.crossfade_seconds * fps))
    transitions = [board.transition_into(i) for i in range(1, len(board.shots))]
    counts = [len(frames) for frames in frames_per_shot]
    tempo = None
    if board.beat_snap and track is not None:
        overlaps = join_overlaps(counts, transitions, crossfade)
        counts, beats = finishing.snap_to_beats(counts, overlaps, fps, track, settings)
        frames_per_shot = [frames[:count] for frames, count in zip(frames_per_shot, counts, strict=True)]
        tempo = beats.tempo_bpm
    matched = board.colour_match if board.colour_match is not None else settings.finish.colour_match
    if matched and len(frames_per_shot) > 1:
        from reelbot.generator.finish.colour import match_shots

        frames_per_shot = match_shots(frames_per_shot)
    overlaps = join_overlaps(counts, transitions, crossfade)
    draft_frames = assemble(frames_per_shot, transitions, crossfade)
    draft_settings = settings.encode.model_copy(update={"max_bytes": DRAFT_MAX_BYTES})
    draft = encode_mp4(draft_frames, fps, out_dir / "draft.mp4", draft_settings, title=board.title[:200]).path
    short = srt = None
    if board.wants_finish:
        cues = finishing.shot_cues(board, counts, overlaps, fps, settings)
        finished = finishing.finish_draft(board, draft, cues, track, settings)
        short, srt = finished.path, finished.srt
    upscaled = None
    if board.upscale:
        width, height = UPLOAD_SIZES[board.aspect]
        upscaled = upscale_mp4(draft, out_dir / f"draft_{width}x{height}.mp4", (width, height), settings)
    sheet = contact_sheet(frames_per_shot, out_dir / "contact_sheet.jpg")
    height, width = draft_frames.shape[1:3]
    result_ = DraftResult(
        shots=shots,
        draft=draft,
        upscaled=upscaled,
        contact_sheet=sheet,
        manifest=out_dir / MANIFEST_FILE,
        preset=preset.name,
        width=int(width),
        height=int(height),
        fps=fps,
        num_frames=len(draft_frames),
        short=short,
        srt=srt,
        shot_frames=tuple(counts),
        tempo_bpm=tempo,
        colour_matched=bool(matched and len(frames_per_shot) > 1),
    )
    _write_json(result_.manifest, {**asdict(result_), "seconds": result_.seconds, "title": board.title})
    return result_


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
) -> dict[str, int]:
    """Join stored shot clips into one draft + contact sheet in ``media``, one shot in memory at
    a time. Blocking: ffmpeg only. ``colour_match`` (the worker passes
    ``settings.finish.colour_match``) grades shots 2… to shot 1's CIELAB statistics, as
    :func:`render_storyboard` does.

    Why segments: :func:`assemble` holds the whole draft as raw frames
    (a 60-s 480×832 draft is over 1 GB) — fine for a worker, not for a bot process. Here each
    shot becomes one segment (encoded with :func:`encode_mp4`; a crossfade blends the previous
    shot's last frames into its head with :func:`stitch.crossfade_join`), and ffmpeg's concat
    demuxer joins the segments without re-encoding. Same frames as ``assemble``: hard cuts add
    lengths, a crossfade overlaps ``round(crossfade_seconds × fps)`` frames.
    """
    with tempfile.TemporaryDirectory(prefix="reelbot-draft-") as tmp:
        folder = Path(tmp)
        middles: list[np.ndarray] = []
        segments: list[Path] = []
        size: tuple[int, int] | None = None
        fps, total, carry = 0, 0, None  # carry: the previous shot's frames kept for a crossfade
        reference: Stats | None = None  # shot 1's colour statistics, when matching
        for index, key in enumerate(clip_keys):
            frames, shot_fps = _read_shot(media, key, folder / f"shot{index}.mp4", size)
            fps = fps or shot_fps  # one fps for the draft: the first shot's
            size = size or (frames.shape[2], frames.shape[1])
            if colour_match:
                frames, reference = _grade_to_first(frames, reference)
            middles.append(
                frames[len(frames) // 2 : len(frames) // 2 + 1].copy()
            )  # not a view: frees the shot
            if carry is not None:  # this shot begins with a crossfade from the previous one
                frames = crossfade_join(carry, frames, min(len(carry), len(frames)))
            fade_out = 0
            if index + 1 < len(clip_keys) and transitions[index] is Transition.CROSSFADE:
                fade_out = min(max(1, round(crossfade_seconds * fps)), len(frames) - 1)
            carry = frames[len(frames) - fade_out :].copy() if fade_out else None
            body = frames[: len(frames) - fade_out]
            segment = folder / f"segment{index}.mp4"
            encode_mp4(body, fps, segment, encode, title=title[:200] or None)
            segments.append(segment)
            total += len(body)
        draft = folder / "draft.mp4"
        concat_mp4(segments, draft)
        sheet = contact_sheet(middles, folder / "contact_sheet.jpg")
        media.put_file(video_key, draft)
        media.put_file(sheet_key, sheet)
        assert size is not None
        return {
            "size_bytes": draft.stat().st_size,
            "width": size[0],
            "height": size[1],
            "fps": fps,
            "num_frames": total,
        }


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


def concat_mp4(segments: list[Path], out: Path) -> None:
    """Join same-codec mp4 segments without re-encoding (ffmpeg concat demuxer, +faststart)."""
    listing = out.with_suffix(".txt")
    listing.write_text("".join(f"file '{segment.name}'\n" for segment in segments))
    command = [
        ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0",
        "-i", str(listing), "-c", "copy", "-movflags", "+faststart", "-metadata", f"comment={AI_COMMENT}",
        str(out),
    ]  # fmt: skip
    proc = subprocess.run(command, capture_output=True, check=False, cwd=out.parent)  # noqa: S603
    if proc.returncode != 0:
        raise EncodeError("encode.failed", error=proc.stderr.decode("utf-8", "replace").strip()[-200:])
