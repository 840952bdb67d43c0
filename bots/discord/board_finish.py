"""``/storyboard file:`` gets the Short its file asks for: captions, music, a track, a finish.

Why here: a storyboard file may carry per-shot ``caption:``, ``music:`` / ``audio:``,
``audio_mode``, ``beat_snap``, ``burn_captions`` and ``finish: {fps, size}``; the CLI finishes
such a board into ``short.mp4``. In chat the same board is finished once its draft is posted,
through the after-render note (:mod:`reelbot.bots.discord.after_render`) that /storyboard's own
``audio`` / ``music`` / ``caption`` options already use. This module merges the file's fields
with the options typed beside it and refuses, before anything is queued, what cannot work:

* the file names its own track (``audio: song.mp3``) but nothing is attached as ``audio``
  (a chat has no folder to read it from) → ``storyboard.audio_not_attached``;
* the file asks for ``music`` and a track is attached → ``storyboard.audio_and_music``;
* the shots carry captions and the ``caption`` option is given too → ``storyboard.caption_twice``
  (both would be on screen at once).

The typed ``music`` and ``audio_mode`` win over the file's (the person said it just now). The
shots' captions, ``burn_captions``, ``finish.size`` and ``beat_snap`` are kept with the board
itself and applied by :func:`reelbot.app.finish.finish_draft`; ``finish.fps`` goes into the
noted options here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from reelbot.app.finish import FinishOptions
from reelbot.bots.discord.after_render import Extras, Soundtrack
from reelbot.bots.discord.finish_inputs import DRAFT
from reelbot.bots.discord.pending_finish import PendingFinish
from reelbot.domain.errors import InvalidRequest

if TYPE_CHECKING:
    from reelbot.bots.discord.bot import ReelBot
    from reelbot.domain.storyboard import Storyboard
    from reelbot.domain.types import Origin


def board_soundtrack(board: Storyboard, typed: Soundtrack) -> Soundtrack:
    """The options typed with /storyboard, completed by the file's soundtrack fields (the
    refusals above raise here, before any download, store or queue)."""
    if board.audio and typed.audio is None:
        raise InvalidRequest("storyboard.audio_not_attached", name=board.audio[:80])
    music = typed.music or board.music
    if music and typed.audio is not None:
        raise InvalidRequest("storyboard.audio_and_music")
    if typed.caption and any(board.captions()):
        raise InvalidRequest("storyboard.caption_twice")
    mode = typed.audio_mode or (board.audio_mode.value if board.audio_mode else None)
    return replace(typed, music=music, audio_mode=mode)


async def board_extras(bot: ReelBot, board: Storyboard, typed: Soundtrack, origin: Origin) -> Extras | None:
    """The draft's finish as noted for after-render: the typed options checked with the file's
    fields (:func:`board_soundtrack`), then the file's ``finish.fps``; None when neither the
    options nor the file ask for a Short."""
    extras = await board_soundtrack(board, typed).checked(bot, origin, DRAFT)
    if extras is None and not board.wants_finish:
        return None
    if extras is None:
        extras = Extras(PendingFinish(action=DRAFT, options=FinishOptions()))
    options = extras.pending.options
    if board.finish is not None and board.finish.fps is not None:
        options = options.model_copy(update={"fps": board.finish.fps})
    more = []
    if any(board.captions()):
        more.append("discord.after_with_shot_captions")
    if board.beat_snap:
        more.append("discord.after_with_beat_snap")
    pending = extras.pending.model_copy(update={"options": options})
    size = board.finish.dimensions() if board.finish is not None else None
    return replace(extras, pending=pending, more=tuple(more), size=size)
