"""Worker task payloads: plain data the application sends and the worker runs.

Why in the domain: the application builds these (it may not import the generator) and the
worker validates them (it may not import the application); both share this vocabulary. A
payload holds media keys and numbers only — never a path, a bot object or a session — so it
survives the queue, a restart and another machine.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: Task kind names (the worker's registry, ``generator.worker.kinds.task_kind``, runs them).
ASSEMBLE_DRAFT = "assemble_draft"
FINISH = "finish"
MUSIC = "music"

#: Where a finished variant of a clip or draft lives in the media store.
FINISHED_PREFIX = "finished"
#: The sides a finished Short may have (a board's ``finish.size`` is checked against them).
MIN_SIDE, MAX_SIDE = 64, 4096


class TaskPayload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def payload(self) -> dict[str, Any]:
        """What the sender stores and the worker receives (plain JSON types)."""
        return self.model_dump(mode="json")


class AssembleDraft(TaskPayload):
    """Payload of ``assemble_draft``: join stored shot clips into one draft + contact sheet."""

    board_id: str
    clip_keys: list[str] = Field(min_length=1)
    transitions: list[str]  # reelbot.domain.storyboard.Transition values, one per join
    crossfade_seconds: float = Field(ge=0)
    video_key: str
    sheet_key: str
    title: str = ""
    max_bytes: int | None = Field(None, ge=64 * 1024)  # the draft's own size cap (encode.max_bytes)
    job_ids: list[str] = Field(default_factory=list)  # the takes it joins (the sender's bookkeeping)
    colour_match: bool | None = None  # the board's own choice; None: the worker's settings.finish


class Caption(BaseModel):
    """One caption; ``end=None`` lasts to the end of the clip.

    ``shot`` (0-based) ties a storyboard shot's caption to that shot: a board finish that
    re-cuts the draft onto the beats (:class:`Recut`) moves the cue with its shot."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: float = Field(0.0, ge=0)
    end: float | None = Field(None, gt=0)
    text: str = Field(min_length=1)
    shot: int | None = Field(None, ge=0)


class Recut(BaseModel):
    """A board finish's shot clips, so the worker can join them again with every cut trimmed
    back onto a beat of the track (``beat_snap``): the same join the draft was made with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    clip_keys: list[str] = Field(min_length=1)
    transitions: list[str]  # one per join, reelbot.domain.storyboard.Transition values
    crossfade_seconds: float = Field(ge=0)
    shot_frames: list[int]  # frames of each shot as the draft joined it
    overlaps: list[int]  # frames each join overlaps (0: a cut)
    title: str = ""
    colour_match: bool | None = None  # as the draft was joined (AssembleDraft.colour_match)


class FinishTask(TaskPayload):
    """Payload of ``finish``: one clip or draft made ready to upload as a Short.

    ``audio``: ``none`` (silent, the clip's own sound dropped), ``model`` (the clip's own
    sound, if the model made any), ``upload`` (the track stored at ``audio_key``), ``music``
    (a ``music`` task's track at ``audio_key``, :func:`music_key`). ``audio_mode`` says what
    that track does to the clip's own sound.
    """

    source_key: str  # the clip's or the draft's video in the media store
    output_key: str  # finished/<task id>.mp4 (a retry overwrites what a killed attempt wrote)
    srt_key: str | None = None  # beside it when there are captions
    clip_id: str | None = None
    board_id: str | None = None
    audio: Literal["none", "model", "upload", "music"] = "model"
    audio_key: str | None = None
    audio_mode: Literal["mix", "replace"] = "mix"
    captions: list[Caption] = Field(default_factory=list, max_length=200)
    burn: bool = False
    fps: Literal[24, 30] = 30
    width: int = Field(1080, ge=MIN_SIDE, le=MAX_SIDE, multiple_of=2)  # a board's ``finish: {size}``
    height: int = Field(1920, ge=MIN_SIDE, le=MAX_SIDE, multiple_of=2)
    recut: Recut | None = None  # a board with ``beat_snap``: cuts trimmed onto the track's beats

    @model_validator(mode="after")
    def _audio_source(self) -> FinishTask:
        if (self.audio in ("upload", "music")) != (self.audio_key is not None):
            raise ValueError("audio_key is given exactly when audio is 'upload' or 'music'")
        if self.captions and self.srt_key is None:
            raise ValueError("captions need an srt_key")
        return self


class MusicTask(TaskPayload):
    """Payload of ``music``: a soundtrack from a description, rendered by the music engine.

    Why its own kind: a music model wants the GPU like a clip does, so it is queued, charged
    and reclaimed like one instead of running inside a CPU finish. The description has passed
    the same moderation as a video prompt before this payload exists.
    """

    description: str = Field(min_length=1, max_length=500)  # storyboard.MAX_MUSIC_CHARS
    lyrics: str = Field("", max_length=4000)
    seconds: float = Field(gt=0, le=180)  # a Short is at most 3 minutes
    seed: int = Field(0, ge=0)
    output_key: str  # music/<task id>.wav


def music_key(task_id: object) -> str:
    """Media key of a music task's track."""
    return f"music/{task_id}.wav"


def finished_keys(task_id: object) -> tuple[str, str]:
    """(video, srt) media keys of a finish task's result."""
    return f"{FINISHED_PREFIX}/{task_id}.mp4", f"{FINISHED_PREFIX}/{task_id}.srt"
