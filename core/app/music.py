"""Music tasks from the application: a soundtrack description, moderated, then queued.

Why here and not in the storyboard code: a clip's Finish and a draft's both take a track, so
the one way in is "describe it, get a ``music`` task"; the finish then names the task's
track (:func:`reelbot.domain.tasks.music_key`) as its audio. The description passes the
same safety gate as a video prompt (same moderator, community policy and audit log), so a
soundtrack cannot carry what a prompt could not; a refusal stores and queues nothing.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from reelbot.app.task_costs import reserve_task
from reelbot.app.tasks import TaskTicket, submit_task
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.storyboard import MAX_MUSIC_CHARS
from reelbot.domain.tasks import MUSIC, MusicTask, music_key
from reelbot.domain.types import GenerationRequest, Origin

if TYPE_CHECKING:
    from reelbot.app.service import ReelbotService

#: Lyrics are moderated with the description; this bounds what the moderator reads.
MAX_LYRICS_CHARS = 4000

#: A track's length when nothing says how long (``reelbot music``'s default too), and the
#: longest a music task makes (``MusicTask.seconds``: a Short is at most 3 minutes).
DEFAULT_MUSIC_SECONDS = 30.0
MAX_MUSIC_SECONDS = 180.0
MIN_MUSIC_SECONDS = 1.0  # a clip shorter than this still gets a track it can trim


def music_seconds_for(video_seconds: float) -> float:
    """How long a track composed for a video of ``video_seconds`` is: as long, within bounds."""
    return min(MAX_MUSIC_SECONDS, max(MIN_MUSIC_SECONDS, video_seconds))


#: GPU-second cost profile of a music task (``profile``: not measured yet — no ACE-Step
#: weights or GPU on the build box): a fixed load/encode part plus a part per second of
#: track (ACE-Step turbo, 8 steps); app.task_costs.task_profiles reads it and refits it from measured tasks.
MUSIC_FIXED_GPU_S = 5.0
MUSIC_GPU_S_PER_AUDIO_S = 0.5


def check_description(service: ReelbotService, description: str, lyrics: str) -> str:
    """The stripped description, or the storyboard's own refusals (too long, no engine)."""
    text = description.strip()
    if not text or len(text) > MAX_MUSIC_CHARS:
        raise InvalidRequest("storyboard.music_too_long", length=len(text), limit=MAX_MUSIC_CHARS)
    if len(lyrics) > MAX_LYRICS_CHARS:
        raise InvalidRequest("storyboard.music_too_long", length=len(lyrics), limit=MAX_LYRICS_CHARS)
    if not service.settings.finish.music_engine:
        raise InvalidRequest("storyboard.music_model_missing", music=text[:80])
    return text


async def submit_music(
    service: ReelbotService,
    origin: Origin,
    description: str,
    *,
    seconds: float,
    idempotency_key: str,
    lyrics: str = "",
    seed: int = 0,
    task_id: uuid.UUID | None = None,
) -> TaskTicket:
    """Moderate ``description`` (and lyrics) as a prompt, then queue a ``music`` task.

    The track lands at ``music_key(ticket.task_id)``; pass it to a finish as
    ``FinishOptions(audio="music", audio_key=...)`` once the task is done. A caller that must
    note what the task is for *before* a worker can finish it chooses ``task_id`` itself.
    """
    text = check_description(service, description, lyrics)
    prompt = f"{text}\n{lyrics}" if lyrics.strip() else text
    await service.safety.admit(GenerationRequest(prompt=prompt, origin=origin))
    task_id = await reserve_task(
        service, origin, MUSIC, seconds, task_id=task_id, idempotency_key=idempotency_key
    )
    payload = MusicTask(
        description=text, lyrics=lyrics, seconds=seconds, seed=seed, output_key=music_key(task_id)
    )
    return await submit_task(
        service, MUSIC, payload.payload(), origin, idempotency_key=idempotency_key, task_id=task_id
    )
