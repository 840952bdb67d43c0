"""Storyboard files: a whole YouTube Short described as shots, parsed and checked.

A creator writes one YAML, TOML or JSON file (format in docs/control.md)::

    title: Morning run
    character: refs/hero.png        # subject reference shared by every shot
    style: refs/look.png            # style reference shared by every shot
    style_prompt: warm cinematic light
    seed: 42
    transition: crossfade           # cut | crossfade (default for every shot)
    speed: draft                    # quality | balanced | draft (default: the server's)
    shots:
      - prompt: a woman ties her running shoes
        seconds: 2
        speed: quality              # this shot's own mode
      - prompt: she runs along the beach at dawn
        seconds: 3
        camera: pan_left
        transition: cut             # how this shot begins
        caption: 她跑向海邊          # the .srt / burned-in text while this shot shows

A board may also ask for a finished Short (all optional; docs/control.md)::

    audio: music/own-track.mp3      # the creator's own track (or ``music: "<description>"``)
    audio_mode: replace             # mix | replace the preset's own sound
    beat_snap: true                 # trim shot ends back onto the track's beats
    burn_captions: true             # draw the captions too (the .srt is always written)
    colour_match: true              # later shots graded to shot 1's colours (default: settings)
    finish: {fps: 30, size: 1080x1920}

These stay plain data (strings, bools, numbers), so a service can hand them to a worker's
finish task as they are.

This module only reads and validates (pydantic for shapes, then range checks that name the
shot): it imports no torch, so a bot can check an uploaded file before queueing anything.
Rendering is the generator's (``reelbot storyboard``, or the worker for chat boards).
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.finish_config import FinishSettings, check_caption
from reelbot.domain.presets import PresetSpec, get_preset
from reelbot.domain.settings import Limits
from reelbot.domain.tasks import MAX_SIDE, MIN_SIDE
from reelbot.domain.types import (
    MAX_SEED,
    Aspect,
    Camera,
    GenerationRequest,
    Origin,
    ReferenceImage,
    ReferenceRole,
    SpeedMode,
)

MAX_SHOTS = 60  # a 60-second Short at one second per shot; more is a mistake, not a storyboard
MAX_FILE_BYTES = 1024 * 1024
SUFFIXES = {".yaml": "YAML", ".yml": "YAML", ".toml": "TOML", ".json": "JSON"}
FINISH_FPS = (24, 30)  # what Shorts play back without judder; other rates are a typo here
MAX_MUSIC_CHARS = 500  # a description for a music model, not lyrics
_SIZE = re.compile(r"^(\d{2,5})[x×](\d{2,5})$")


class Transition(StrEnum):
    CUT = "cut"
    CROSSFADE = "crossfade"


class AudioMode(StrEnum):
    """What an added track does to a preset's own sound (LTX-2 renders some)."""

    MIX = "mix"
    REPLACE = "replace"


class FinishSpec(BaseModel):
    """The uploadable Short the draft becomes (``finish: {fps: 30, size: 1080x1920}``).

    ``size`` stays the string the creator wrote (plain data for a worker payload);
    :meth:`dimensions` reads it. Unset values fall back to ``settings.finish`` and the
    board's aspect.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    fps: int | None = None
    size: str | None = None

    def dimensions(self) -> tuple[int, int] | None:
        return parse_size(self.size) if self.size else None


def parse_size(value: str) -> tuple[int, int]:
    """``1080x1920`` → (1080, 1920); even sides only (yuv420p) within what a finish task takes
    (:data:`~reelbot.domain.tasks.MIN_SIDE`..``MAX_SIDE``), else ``finish.size_invalid`` — so a
    board's size is refused when it is read, not when its finish is queued."""
    match = _SIZE.match(str(value).strip().lower())
    sides = (int(match[1]), int(match[2])) if match else ()
    if not sides or any(side % 2 or not MIN_SIDE <= side <= MAX_SIDE for side in sides):
        raise InvalidRequest("finish.size_invalid", value=str(value)[:40])
    return sides[0], sides[1]


class Shot(BaseModel):
    """One shot: what it shows, how long, and optionally its own frames and camera."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prompt: str = Field(min_length=1)
    seconds: float
    first_frame: str | None = None
    last_frame: str | None = None
    subject: str | None = None  # overrides the storyboard's character for this shot
    style: str | None = None  # overrides the storyboard's style for this shot
    camera: Camera | None = None
    motion: float | None = Field(None, ge=0, le=1)
    seed: int | None = Field(None, ge=0, le=MAX_SEED)
    transition: Transition | None = None  # how this shot begins; None: the storyboard's
    caption: str | None = None  # shown while this shot is on screen (finish: .srt, burn-in)
    speed: SpeedMode | None = None  # None: the storyboard's, else the server default


class Storyboard(BaseModel):
    """A whole draft: shared look, then the shots in order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = ""
    aspect: Aspect = Aspect.PORTRAIT
    preset: str | None = None
    fps: int | None = None
    steps: int | None = Field(None, ge=1, le=200)
    speed: SpeedMode | None = None  # every shot's mode unless it names its own
    seed: int = Field(0, ge=0, le=MAX_SEED)
    character: str | None = None
    style: str | None = None
    style_prompt: str = ""
    negative_prompt: str = ""
    transition: Transition = Transition.CUT
    crossfade_seconds: float = Field(0.25, gt=0, le=2)
    upscale: bool = False  # scale the draft to 1080×1920 (9:16) for upload
    music: str | None = None  # a description for a music model (none is configured yet)
    audio: str | None = None  # the creator's own track, relative to the file
    audio_mode: AudioMode | None = None  # None: settings.finish.audio_mode
    beat_snap: bool = False  # trim each shot's end back to a beat of the track
    burn_captions: bool = False  # draw captions into the video (the .srt is written anyway)
    colour_match: bool | None = None  # None: settings.finish.colour_match
    finish: FinishSpec | None = None
    shots: list[Shot]
    base_dir: Path = Field(Path("."), exclude=True)  # references resolve against the file's folder

    def reference_paths(self, index: int) -> dict[ReferenceRole, Path]:
        """The images shot ``index`` (0-based) uses, by role, as absolute paths."""
        shot = self.shots[index]
        named = {
            ReferenceRole.FIRST_FRAME: shot.first_frame,
            ReferenceRole.LAST_FRAME: shot.last_frame,
            ReferenceRole.SUBJECT: shot.subject or self.character,
            ReferenceRole.STYLE: shot.style or self.style,
        }
        return {role: (self.base_dir / path).resolve() for role, path in named.items() if path}

    def transition_into(self, index: int) -> Transition:
        """How shot ``index`` (0-based, > 0) begins."""
        return self.shots[index].transition or self.transition

    def transitions(self) -> list[Transition]:
        """How each shot after the first begins, in order (one per join)."""
        return [self.transition_into(i) for i in range(1, len(self.shots))]

    def crossfade_frames(self, fps: int) -> int:
        """The crossfade's length in frames at ``fps`` (at least one)."""
        return max(1, round(self.crossfade_seconds * fps))

    def audio_path(self) -> Path | None:
        """The creator's own track as an absolute path (None when the board names none)."""
        return (self.base_dir / self.audio).resolve() if self.audio else None

    def speed_of(self, index: int) -> SpeedMode | None:
        """Shot ``index``'s (0-based) speed mode: its own, else the board's (None: the server's)."""
        return self.shots[index].speed or self.speed

    def captions(self) -> list[str | None]:
        """One entry per shot: its caption, or None."""
        return [shot.caption if shot.caption and shot.caption.strip() else None for shot in self.shots]

    @property
    def wants_finish(self) -> bool:
        """Whether the board asks for more than a draft: captions, a soundtrack or a finish."""
        return bool(
            any(self.captions()) or self.audio or self.music or self.finish is not None or self.burn_captions
        )


def join_overlaps(counts: list[int], transitions: list[Transition], crossfade_frames: int) -> list[int]:
    """Frames each join overlaps (0 for a cut): what the draft's assembly does, as numbers,
    so beat snapping, caption timings and the draft's estimated length see its timeline."""
    overlaps, length = [], counts[0] if counts else 0
    for count, transition in zip(counts[1:], transitions, strict=True):
        overlap = min(crossfade_frames, length, count) if transition is Transition.CROSSFADE else 0
        overlaps.append(overlap)
        length += count - overlap
    return overlaps


def parse_storyboard(
    text: str, fmt: str, *, source: str = "storyboard", base_dir: Path | None = None
) -> Storyboard:
    """Parse ``text`` as ``fmt`` (YAML/TOML/JSON); raise InvalidRequest with the place of the problem."""
    try:
        if fmt == "TOML":
            data: Any = tomllib.loads(text)
        elif fmt == "JSON":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as exc:  # each parser has its own error class; all mean "not valid fmt"
        raise InvalidRequest("storyboard.unreadable", path=source, format=fmt, error=str(exc)[:200]) from None
    if not isinstance(data, dict):
        raise InvalidRequest("storyboard.unreadable", path=source, format=fmt, error="expected a mapping")
    if not data.get("shots"):
        raise InvalidRequest("storyboard.no_shots")
    if isinstance(data["shots"], list) and len(data["shots"]) > MAX_SHOTS:
        raise InvalidRequest("storyboard.too_many_shots", count=len(data["shots"]), limit=MAX_SHOTS)
    _check_finish_fields(data)
    try:
        board = Storyboard.model_validate({**data, "base_dir": base_dir or Path(".")})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part + 1) if isinstance(part, int) else str(part) for part in first["loc"])
        raise InvalidRequest("storyboard.invalid", where=where, error=first["msg"]) from None
    return board


def _check_finish_fields(data: dict[str, Any]) -> None:
    """The soundtrack and finish fields, each mistake with its own en + zh-TW message.

    Checked on the raw mapping before pydantic so a wrong mode, rate or size reads as a
    sentence in the creator's language rather than a validator's English.
    """
    if data.get("music") and data.get("audio"):
        raise InvalidRequest("storyboard.audio_and_music")
    music = data.get("music")
    if isinstance(music, str) and len(music) > MAX_MUSIC_CHARS:
        raise InvalidRequest("storyboard.music_too_long", length=len(music), limit=MAX_MUSIC_CHARS)
    mode = data.get("audio_mode")
    if mode is not None and (not isinstance(mode, str) or mode not in {m.value for m in AudioMode}):
        raise InvalidRequest("finish.mode_invalid", value=str(mode)[:40])
    if data.get("beat_snap") is True and not (data.get("audio") or data.get("music")):
        raise InvalidRequest("storyboard.beat_snap_needs_audio")
    finish = data.get("finish")
    if isinstance(finish, dict):
        fps = finish.get("fps")
        if fps is not None and (isinstance(fps, bool) or fps not in FINISH_FPS):
            raise InvalidRequest("storyboard.finish_fps", value=str(fps)[:40], choices="24, 30")
        if finish.get("size") is not None:
            parse_size(finish["size"])


def load_storyboard(path: Path) -> Storyboard:
    """Read a storyboard file (by suffix: .yaml/.yml, .toml, .json)."""
    if not path.is_file():
        raise InvalidRequest("storyboard.missing_file", path=str(path))
    fmt = SUFFIXES.get(path.suffix.lower(), "YAML")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InvalidRequest(
            "storyboard.unreadable", path=str(path), format=fmt, error="file larger than 1 MiB"
        )
    return parse_storyboard(path.read_text(encoding="utf-8"), fmt, source=str(path), base_dir=path.parent)


def check_storyboard(board: Storyboard, limits: Limits, finish: FinishSettings | None = None) -> None:
    """Range checks that need settings: each shot's length, its caption, the total, and the
    images exist (``finish``: the caption limit; default ``FinishSettings()``)."""
    finish = finish or FinishSettings()
    for number, shot in enumerate(board.shots, start=1):
        if shot.caption:
            check_shot_caption(number, shot.caption, finish)
        if not limits.min_seconds <= shot.seconds <= limits.max_seconds:
            raise InvalidRequest(
                "storyboard.shot_seconds",
                shot=number,
                value=shot.seconds,
                minimum=limits.min_seconds,
                maximum=limits.max_seconds,
            )
        for path in board.reference_paths(number - 1).values():
            if not path.is_file():
                raise InvalidRequest("storyboard.reference_missing", shot=number, path=str(path))
    total = sum(shot.seconds for shot in board.shots)
    if total > limits.max_total_seconds + 1e-9:
        raise InvalidRequest("storyboard.too_long", total=round(total, 2), limit=limits.max_total_seconds)


def check_shot_caption(number: int, caption: str, finish: FinishSettings) -> str:
    """Shot ``number``'s caption tidied, or ``storyboard.caption_too_long`` naming the shot."""
    try:
        return check_caption(caption, finish)
    except InvalidRequest as exc:
        raise InvalidRequest("storyboard.caption_too_long", shot=number, **exc.details) from None


def check_audio_file(board: Storyboard) -> Path | None:
    """The board's own track exists (a local render; a chat board uploads its track instead)."""
    path = board.audio_path()
    if path is not None and not path.is_file():
        raise InvalidRequest("storyboard.audio_missing", path=str(path))
    return path


def shot_request(
    board: Storyboard,
    index: int,
    *,
    origin: Origin,
    preset: str,
    seed: int,
    image_hashes: dict[ReferenceRole, str],
) -> GenerationRequest:
    """Shot ``index`` as a full recipe (the same shape as a chat request)."""
    check_speeds(board, get_preset(preset))
    shot = board.shots[index]
    prompt = ", ".join(part for part in (shot.prompt.strip(), board.style_prompt.strip()) if part)
    return GenerationRequest(
        prompt=prompt,
        negative_prompt=board.negative_prompt,
        references=tuple(ReferenceImage(role=role, sha256=sha) for role, sha in sorted(image_hashes.items())),
        aspect=board.aspect,
        seconds=shot.seconds,
        fps=board.fps,
        seed=seed,
        preset=preset,
        steps=board.steps,
        speed=board.speed_of(index),
        motion=shot.motion,
        camera=shot.camera,
        origin=origin,
    )


def check_speeds(board: Storyboard, preset: PresetSpec) -> None:
    """Refuse, naming the first shot, a speed mode the board's preset does not offer (before
    any shot renders: a mode is never silently downgraded)."""
    for number in range(1, len(board.shots) + 1):
        speed = board.speed_of(number - 1)
        if speed is not None and speed not in preset.modes:
            raise InvalidRequest(
                "storyboard.speed_unsupported",
                shot=number,
                preset=preset.name,
                mode=speed.value,
                choices=", ".join(mode.value for mode in preset.modes),
            )


RECIPE_VERSION = 1  # bump when rendering changes so cached shots are not reused across it


def recipe_hash(request: GenerationRequest) -> str:
    """A stable hash of everything that decides a shot's frames (not who asked)."""
    recipe = request.model_dump(mode="json", exclude={"origin"})
    blob = json.dumps({"v": RECIPE_VERSION, "recipe": recipe}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()
