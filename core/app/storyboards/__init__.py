"""Storyboards from chat: a whole Short as normal jobs, then one draft stitched from their clips.

Why at the service level: the CLI (``reelbot storyboard``) renders in-process; a bot must not
(it has no GPU and must answer in seconds). Here every shot becomes an ordinary job through
:meth:`ReelbotService.submit` — validation, moderation, faces and consent, quotas, the queue and
the workers all apply unchanged — and the board itself is a small typed document in Redis
(:mod:`.state`) that remembers which job is the current take of each shot. Once every shot's job
is done, :func:`assemble_draft` queues a worker task that joins the stored shot clips into one
draft mp4 plus a contact sheet (:mod:`.draft`); :func:`draft_of_task` reads its result.
"""

from reelbot.app.storyboards.draft import Draft, assemble_draft, draft_of_task
from reelbot.app.storyboards.state import BoardState, board_id_for, board_of_event, board_of_job
from reelbot.app.storyboards.status import BoardStatus, ShotState, StoryboardTicket, board_status
from reelbot.app.storyboards.submit import (
    advance_storyboard,
    check_chat_storyboard,
    confirm_consent,
    decline_consent,
    reroll_shot,
    submit_storyboard,
)

__all__ = [
    "BoardState",
    "BoardStatus",
    "Draft",
    "ShotState",
    "StoryboardTicket",
    "advance_storyboard",
    "assemble_draft",
    "board_id_for",
    "board_of_event",
    "board_of_job",
    "board_status",
    "check_chat_storyboard",
    "confirm_consent",
    "decline_consent",
    "draft_of_task",
    "reroll_shot",
    "submit_storyboard",
]
