"""The ``music`` worker task: a soundtrack from a description, stored in the media store.

Why a task of its own: ACE-Step wants the GPU worker, as a clip render does, while a finish
is ffmpeg on a CPU. As its own kind the track is queued, reclaimed from a dead worker and
dead-lettered like any job, and a finish then reads it from the media store by its key
(``FinishTask(audio="music", audio_key=...)``). The rendering itself is
:func:`reelbot.generator.finish.music.make_music` — the same code (and cache) the CLI's
storyboard finish uses, not a second copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reelbot.domain.settings import Settings
from reelbot.domain.tasks import MUSIC, MusicTask
from reelbot.generator.worker.kinds import Report, task_kind


@task_kind(MUSIC, outputs=("output_key",))
def music(payload: Mapping[str, Any], settings: Settings, media: Any, progress: Report) -> dict[str, Any]:
    """The track's facts after writing its WAV under ``output_key`` (one put: whole or absent)."""
    from reelbot.generator.finish.music import make_music

    task = MusicTask.model_validate(dict(payload))
    progress(0, 1)
    track = make_music(task.description, task.seconds, task.seed, settings, lyrics=task.lyrics)
    media.put_file(task.output_key, track.path)
    progress(1, 1)
    return {"output_key": task.output_key, "seconds": track.seconds, "engine": track.engine}
