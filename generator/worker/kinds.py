"""Worker job kinds: a plain registry from a kind name to the code that runs it.

A clip render (``clip``) is one kind, run by :meth:`Worker.process` for every job row. The
storyboard draft assembly (``assemble_draft``) is another: a payload of plain data in, the
draft's facts out, run on the worker (numpy and ffmpeg never in a bot process). Adding a kind
= one function with ``@task_kind("name")``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from reelbot.domain.settings import Settings

#: A task kind: (its validated payload as a dict, the worker's settings, its media store) → result.
TaskFn = Callable[[Mapping[str, Any], Settings, Any], dict[str, Any]]

TASK_KINDS: dict[str, TaskFn] = {}

#: The kind every job row is (a clip render through the stages of ``stages.py``).
CLIP = "clip"


def task_kind(name: str) -> Callable[[TaskFn], TaskFn]:
    """Register ``fn`` as the runner of task kind ``name`` (one line per kind)."""

    def register(fn: TaskFn) -> TaskFn:
        if name in TASK_KINDS or name == CLIP:
            raise ValueError(f"task kind {name!r} is registered twice")
        TASK_KINDS[name] = fn
        return fn

    return register


def run_task(kind: str, payload: Mapping[str, Any], settings: Settings, media: Any) -> dict[str, Any]:
    """Run one task (blocking); an unknown kind is a bug of the sender."""
    try:
        fn = TASK_KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown task kind {kind!r} (known: {sorted(TASK_KINDS)})") from None
    return fn(payload, settings, media)


class AssembleDraft(BaseModel):
    """Payload of ``assemble_draft``: join stored shot clips into one draft + contact sheet."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    board_id: str
    clip_keys: list[str] = Field(min_length=1)
    transitions: list[str]  # reelbot.domain.storyboard.Transition values, one per join
    crossfade_seconds: float = Field(ge=0)
    video_key: str
    sheet_key: str
    title: str = ""

    def payload(self) -> dict[str, Any]:
        """What the sender enqueues (plain JSON types)."""
        return self.model_dump(mode="json")


@task_kind("assemble_draft")
def assemble_draft(payload: Mapping[str, Any], settings: Settings, media: Any) -> dict[str, Any]:
    """The draft's facts (size_bytes, width, height, fps, num_frames) after writing it to media."""
    from reelbot.domain.storyboard import Transition
    from reelbot.generator.control_draft import build_draft_from_clips

    task = AssembleDraft.model_validate(dict(payload))
    facts = build_draft_from_clips(
        media,
        settings.encode,
        task.clip_keys,
        [Transition(t) for t in task.transitions],
        task.crossfade_seconds,
        task.video_key,
        task.sheet_key,
        task.title,
    )
    return {"board_id": task.board_id, "video_key": task.video_key, "sheet_key": task.sheet_key, **facts}
