"""The ``finish`` worker task: Finish for Shorts on a stored clip or draft, result back in media.

Why a task and not the CLI's in-process call: a bot has no ffmpeg budget and must answer in
seconds. The worker reads the source (and an uploaded track) from the media store into a
private folder, runs :func:`~reelbot.generator.finish.pipeline.finish_clip` (which signs a
new C2PA manifest over the finished file when a certificate is configured), and writes the
mp4 (and .srt) under the keys the payload names — keys derived from the task id, so a retry
after a crash overwrites what a killed attempt wrote.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reelbot.domain.settings import Settings
from reelbot.domain.tasks import FINISH, Caption, FinishTask
from reelbot.generator.worker.kinds import Report, task_kind

if TYPE_CHECKING:
    from reelbot.generator.finish.captions import Cue

PERCENT = 100


def _progress_of(report: Report) -> Callable[[str, float], None]:
    """The pipeline's (step name, fraction) as one 0..100 scale over its steps."""
    from reelbot.generator.finish.pipeline import STEPS

    def on_step(step: str, fraction: float) -> None:
        index = STEPS.index(step) if step in STEPS else 0
        done = (index + max(0.0, min(1.0, fraction))) / len(STEPS)
        report(min(PERCENT, int(done * PERCENT)), PERCENT)

    return on_step


def _silent_copy(src: Path, dst: Path) -> Path:
    """The video stream alone (``audio: none`` drops the clip's own sound), no re-encode."""
    from reelbot.generator.finish.media import run_ffmpeg

    run_ffmpeg(["-y", "-i", str(src), "-map", "0:v:0", "-an", "-c:v", "copy", str(dst)])
    return dst


def _cues(captions: list[Caption], source: Path) -> list[Cue]:
    """The payload's captions as the pipeline's cues (an open end: the video's end)."""
    from reelbot.generator.finish.captions import Cue
    from reelbot.generator.finish.media import stream_facts

    if not captions:
        return []
    duration = stream_facts(source).duration
    return [Cue(c.start, c.end if c.end is not None else duration, c.text) for c in captions]


@task_kind(FINISH, outputs=("output_key", "srt_key"))
def finish(payload: Mapping[str, Any], settings: Settings, media: Any, progress: Report) -> dict[str, Any]:
    """The finished file's facts after writing it (and its captions) to the media store."""
    from reelbot.generator.finish.pipeline import FinishRequest, finish_clip

    task = FinishTask.model_validate(dict(payload))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="reelbot-finish-", dir=settings.data_dir) as tmp:
        work = Path(tmp)
        source = work / "source.mp4"
        source.write_bytes(media.read_bytes(task.source_key))
        if task.audio == "none":
            source = _silent_copy(source, work / "silent.mp4")
        track = None
        if task.audio in ("upload", "music") and task.audio_key:
            track = work / f"track{Path(task.audio_key).suffix or '.bin'}"
            track.write_bytes(media.read_bytes(task.audio_key))
        captions, snapped = list(task.captions), None
        if task.recut is not None and track is not None:  # a board's beat_snap: the shots re-cut
            from reelbot.generator.finish.storyboard import recut_on_beats

            snapped = recut_on_beats(task.recut, track, media, settings, work)
            source, captions = snapped.draft, snapped.retime(captions)
        cues = _cues(captions, source)
        out = work / "finished.mp4"
        request = FinishRequest(
            clip=source,
            out=out,
            audio=track,
            cues=cues,
            burn_captions=task.burn,
            fps=task.fps,
            size=(task.width, task.height),
            audio_mode=task.audio_mode if track is not None else None,
        )
        result = finish_clip(request, settings, _progress_of(progress))
        media.put_file(task.output_key, result.path)
        if result.srt is not None and task.srt_key:
            media.put_file(task.srt_key, result.srt)
    return {
        "video_key": task.output_key,
        "srt_key": task.srt_key if result.srt is not None else None,
        "clip_id": task.clip_id,
        "board_id": task.board_id,
        "size_bytes": result.size_bytes,
        "width": result.width,
        "height": result.height,
        "fps": result.fps,
        "duration_s": result.duration,
        "has_audio": result.has_audio,
        "signed": result.signed,
        "over_cap": result.over_cap,
        "upscale": result.upscale_method,
        "interpolate": result.interpolate_method,
        **(snapped.facts() if snapped is not None else {}),
    }
