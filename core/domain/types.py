"""Domain values shared by every part: what a person asks for and where to answer.

These are plain frozen pydantic models (JSON in the queue and the database) and ``str``
enums. Checks that need settings or the preset registry live in
:mod:`reelbot.domain.validation`; the shapes here only guarantee types.
"""

from __future__ import annotations

import secrets
import uuid
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from reelbot.domain.messages import Term

#: The one seed range (a 32-bit unsigned integer: what torch.Generator.manual_seed and every
#: platform's number input take). Every bound, draw and check uses this.
MAX_SEED = 2**32 - 1
#: How many characters of a UUID a message shows: enough to tell a person's jobs apart.
SHORT_ID_CHARS = 8


def random_seed() -> int:
    """A fresh seed from the whole range, for a request that did not choose one."""
    return secrets.randbelow(MAX_SEED + 1)


def short_id(value: object) -> str:
    """The first 8 characters of a job, clip or board id: what messages show instead of a UUID.

    ``/cancel`` and the CLI accept this prefix back, so nobody has to copy 36 characters.
    """
    return str(value)[:SHORT_ID_CHARS]


class ReferenceRole(StrEnum):
    """What a reference image is for."""

    FIRST_FRAME = "first_frame"
    LAST_FRAME = "last_frame"
    SUBJECT = "subject"  # keep this character / object across shots
    STYLE = "style"  # keep this look


class Aspect(StrEnum):
    PORTRAIT = "9:16"
    SQUARE = "1:1"
    LANDSCAPE = "16:9"

    @property
    def ratio(self) -> float:
        """width / height."""
        w, h = (int(part) for part in self.value.split(":"))
        return w / h


class RemixKind(StrEnum):
    REROLL = "reroll"  # same recipe, new seed
    VARY = "vary"  # same seed, small change
    REMIX = "remix"  # edited prompt, same references
    EXTEND = "extend"  # continue from the parent's last frame
    QUALITY = "quality"  # the same recipe (seed, prompt, references) again in quality mode


class SpeedMode(StrEnum):
    """How a clip trades fidelity for GPU time (docs/presets.md has the per-preset figures)."""

    QUALITY = "quality"  # the checkpoint's full schedule with classifier-free guidance
    BALANCED = "balanced"  # full schedule + a caching hook that skips redundant transformer passes
    DRAFT = "draft"  # step- and CFG-distilled weights: 4-8 steps, one pass per step


class Variation(StrEnum):
    SUBTLE = "subtle"
    STRONG = "strong"


class Camera(StrEnum):
    STATIC = "static"
    PAN_LEFT = "pan_left"
    PAN_RIGHT = "pan_right"
    ZOOM_IN = "zoom_in"
    ZOOM_OUT = "zoom_out"
    ORBIT = "orbit"


class JobState(StrEnum):
    AWAITING_CONSENT = "awaiting_consent"  # stored, not queued until the uploader confirms
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)

    @property
    def term(self) -> Term:
        """The state as a message field, worded in the reader's language (``已完成``, ``done``)."""
        return Term(f"state.{self.value}")


class Platform(StrEnum):
    DISCORD = "discord"
    LINE = "line"
    CLI = "cli"
    WEB = "web"


class Origin(BaseModel):
    """Where a request came from and where its answer goes."""

    model_config = ConfigDict(frozen=True)

    platform: Platform
    user_id: str = Field(min_length=1, max_length=128)
    channel_id: str | None = Field(None, max_length=128)  # Discord channel, LINE chat/group id
    guild_id: str | None = Field(None, max_length=128)  # Discord server, LINE group
    message_id: str | None = Field(None, max_length=128)  # message to edit with progress
    interaction_token: str | None = Field(None, max_length=512, repr=False)
    display_name: str | None = Field(None, max_length=128)
    locale: str | None = Field(None, max_length=16)

    @property
    def user_key(self) -> str:
        """One person on one platform: what caps, quotas and ownership checks compare."""
        return f"{self.platform.value}:{self.user_id}"


class ReferenceImage(BaseModel):
    """A stored reference image (content-addressed) and its role."""

    model_config = ConfigDict(frozen=True)

    role: ReferenceRole
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class GenerationRequest(BaseModel):
    """One clip's full recipe. Stored with the job, so any clip can be remixed later."""

    model_config = ConfigDict(frozen=True)

    prompt: str
    negative_prompt: str = ""
    references: tuple[ReferenceImage, ...] = ()
    aspect: Aspect = Aspect.PORTRAIT
    seconds: float | None = None  # None: the preset's default
    fps: int | None = None  # None: the preset's default
    seed: int | None = Field(None, ge=0, le=MAX_SEED)  # None: the service draws one
    preset: str | None = None  # None: the configured default
    steps: int | None = Field(None, ge=1, le=200)
    guidance: float | None = Field(None, ge=0, le=30)
    speed: SpeedMode | None = None  # None: the server's default (settings.speed) where the preset has it
    motion: float | None = Field(None, ge=0, le=1)
    camera: Camera | None = None
    loop: bool = False
    variation: Variation | None = None
    variation_salt: int = Field(0, ge=0)  # a Vary of a Vary differs from its parent (same seed)
    parent_clip_id: uuid.UUID | None = None
    remix_kind: RemixKind | None = None
    origin: Origin

    def roles(self) -> set[ReferenceRole]:
        """The roles the preset must honour: an Extend starts from its parent's last frame."""
        roles = {ref.role for ref in self.references}
        if self.remix_kind is RemixKind.EXTEND:
            roles.add(ReferenceRole.FIRST_FRAME)
        return roles

    def extension(self) -> GenerationRequest:
        """This request as the Extend of its clip renders it: from the clip's last frame, with
        its character and style but not its start and end frames (they belong to the clip's own
        segment), and no loop. The service checks an Extend's size and length on this request
        before queueing, so it must be the one the Extend action submits."""
        carried = (ReferenceRole.SUBJECT, ReferenceRole.STYLE)
        kept = tuple(ref for ref in self.references if ref.role in carried)
        return self.model_copy(update={"references": kept, "loop": False, "remix_kind": RemixKind.EXTEND})
