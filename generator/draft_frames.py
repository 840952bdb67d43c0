"""The frame and file operations of a storyboard draft: join shots (cuts, crossfades) onto one
size, the join arithmetic, the contact sheet, the ffmpeg upscale and the lossless concat.

Why a module of its own: both ways of building a draft use them — the CLI's
:func:`reelbot.generator.control_draft.render_storyboard` (every frame in memory) and the
worker's :func:`reelbot.generator.draft_clips.build_draft_from_clips` (one shot at a time) —
and the demo summary and the draft bench draw the same contact sheet.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from reelbot.domain.settings import Settings
from reelbot.domain.storyboard import Transition, join_overlaps
from reelbot.generator.conditioning import cover_crop
from reelbot.generator.encode import AI_COMMENT, EncodeError, ffmpeg_exe
from reelbot.generator.stitch import crossfade_join

SHEET_THUMB_WIDTH = 180
SHEET_COLUMNS = 4


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
