"""Storyboard files: a whole YouTube Short described as shots, parsed and checked.

A creator writes one YAML, TOML or JSON file (format in docs/control.md)::

    title: Morning run
    character: refs/hero.png        # subject reference shared by every shot
    style: refs/look.png            # style reference shared by every shot
    style_prompt: warm cinematic light
    seed: 42
    transition: crossfade           # cut | crossfade (default for every shot)
    shots:
      - prompt: a woman ties her running shoes
        seconds: 2
      - prompt: she runs along the beach at dawn
        seconds: 3
        camera: pan_left
        transition: cut             # how this shot begins

This module only reads and validates (pydantic for shapes, then range checks that name the
shot): it imports no torch, so a bot can check an uploaded file before queueing anything.
Rendering is the generator's (``reelbot storyboard``, or the worker for chat boards).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.settings import Limits
from reelbot.domain.types import (
    MAX_SEED,
    Aspect,
    Camera,
    GenerationRequest,
    Origin,
    ReferenceImage,
    ReferenceRole,
)

MAX_SHOTS = 60  # a 60-second Short at one second per shot; more is a mistake, not a storyboard
MAX_FILE_BYTES = 1024 * 1024
SUFFIXES = {".yaml": "YAML", ".yml": "YAML", ".toml": "TOML", ".json": "JSON"}


class Transition(StrEnum):
    CUT = "cut"
    CROSSFADE = "crossfade"


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


class Storyboard(BaseModel):
    """A whole draft: shared look, then the shots in order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = ""
    aspect: Aspect = Aspect.PORTRAIT
    preset: str | None = None
    fps: int | None = None
    steps: int | None = Field(None, ge=1, le=200)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    character: str | None = None
    style: str | None = None
    style_prompt: str = ""
    negative_prompt: str = ""
    transition: Transition = Transition.CUT
    crossfade_seconds: float = Field(0.25, gt=0, le=2)
    upscale: bool = False  # scale the draft to 1080×1920 (9:16) for upload
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
    try:
        board = Storyboard.model_validate({**data, "base_dir": base_dir or Path(".")})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part + 1) if isinstance(part, int) else str(part) for part in first["loc"])
        raise InvalidRequest("storyboard.invalid", where=where, error=first["msg"]) from None
    return board


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


def check_storyboard(board: Storyboard, limits: Limits) -> None:
    """Range checks that need settings: each shot's length, the total, and the images exist."""
    for number, shot in enumerate(board.shots, start=1):
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
        motion=shot.motion,
        camera=shot.camera,
        origin=origin,
    )


RECIPE_VERSION = 1  # bump when rendering changes so cached shots are not reused across it


def recipe_hash(request: GenerationRequest) -> str:
    """A stable hash of everything that decides a shot's frames (not who asked)."""
    recipe = request.model_dump(mode="json", exclude={"origin"})
    blob = json.dumps({"v": RECIPE_VERSION, "recipe": recipe}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()
