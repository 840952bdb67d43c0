"""Worker task kinds: a plain registry from a kind name to the code that runs it.

A clip render (``clip``) is one kind, run by :meth:`Worker.process` for every job row. Every
other kind is a task row (:mod:`reelbot.storage.tasks`) whose id rides the same queue streams
and is run by :class:`reelbot.generator.worker.tasks.TaskRunner`: a payload of plain data in
(:mod:`reelbot.domain.tasks`), the result's facts out. ``assemble_draft`` joins a storyboard's
shot clips; ``finish`` makes a clip or draft ready for Shorts (``generator/finish/task.py``).
Adding a kind = one function with ``@task_kind("name")``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from reelbot.domain.settings import Settings
from reelbot.domain.tasks import ASSEMBLE_DRAFT, AssembleDraft

__all__ = ["CLIP", "TASK_KINDS", "AssembleDraft", "Report", "TaskFn", "outputs_of", "run_task", "task_kind"]

#: Progress of a running task: (step, total steps).
Report = Callable[[int, int], None]
#: A task kind: (its payload as a dict, the worker's settings, its media store, progress) → result.
TaskFn = Callable[[Mapping[str, Any], Settings, Any, Report], dict[str, Any]]

TASK_KINDS: dict[str, TaskFn] = {}
#: Payload fields that name the files a kind writes: removed when its task fails for good.
OUTPUTS: dict[str, tuple[str, ...]] = {}

#: The kind every job row is (a clip render through the stages of ``stages.py``).
CLIP = "clip"


def task_kind(name: str, *, outputs: Sequence[str] = ()) -> Callable[[TaskFn], TaskFn]:
    """Register ``fn`` as the runner of task kind ``name`` (one line per kind)."""

    def register(fn: TaskFn) -> TaskFn:
        if name in TASK_KINDS or name == CLIP:
            raise ValueError(f"task kind {name!r} is registered twice")
        TASK_KINDS[name] = fn
        OUTPUTS[name] = tuple(outputs)
        return fn

    return register


def _quiet(step: int, total: int) -> None:
    pass


def run_task(
    kind: str, payload: Mapping[str, Any], settings: Settings, media: Any, progress: Report = _quiet
) -> dict[str, Any]:
    """Run one task (blocking); an unknown kind is a bug of the sender."""
    try:
        fn = TASK_KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown task kind {kind!r} (known: {sorted(TASK_KINDS)})") from None
    return fn(payload, settings, media, progress)


def outputs_of(kind: str, payload: Mapping[str, Any]) -> list[str]:
    """The media keys a task of ``kind`` writes (to remove after it failed for good)."""
    return [str(payload[field]) for field in OUTPUTS.get(kind, ()) if payload.get(field)]


@task_kind(ASSEMBLE_DRAFT, outputs=("video_key", "sheet_key"))
def assemble_draft(
    payload: Mapping[str, Any], settings: Settings, media: Any, progress: Report = _quiet
) -> dict[str, Any]:
    """The draft's facts (size_bytes, width, height, fps, num_frames) after writing it to media."""
    from reelbot.domain.storyboard import Transition
    from reelbot.generator.draft_clips import build_draft_from_clips

    task = AssembleDraft.model_validate(dict(payload))
    encode = settings.encode
    if task.max_bytes is not None:
        encode = encode.model_copy(update={"max_bytes": task.max_bytes})
    progress(0, 1)
    facts = build_draft_from_clips(
        media,
        encode,
        task.clip_keys,
        [Transition(t) for t in task.transitions],
        task.crossfade_seconds,
        task.video_key,
        task.sheet_key,
        task.title,
        colour_match=settings.finish.colour_match_for(task.colour_match),
    )
    progress(1, 1)
    return {"board_id": task.board_id, "video_key": task.video_key, "sheet_key": task.sheet_key, **facts}


from reelbot.generator.finish import music_task as _music_task  # noqa: E402,F401  (registers "music")
from reelbot.generator.finish import task as _finish_task  # noqa: E402,F401  (registers "finish")
