"""A chat's early refusal, before it posts anything for a request: the prompts moderated first,
then the person's hourly rates and pending-jobs cap (``service.check_limits``).

Why one step, in this order: the early limit check (before a status message, before a board's
shots) reads only the ledger and the queue; run alone, it would answer a person over their
hourly rate with "rate limit" for a prompt moderation refuses, and the moderators' log would
never see it. ``service.submit`` admits (moderates) before it reserves; an early check keeps that
order. The plan checks (:func:`~reelbot.app.task_costs.check_clip_and_finish`,
:func:`~reelbot.app.task_costs.check_board_and_finish`) moderate first the same way
(:func:`~reelbot.app.task_costs.moderate_first`): a caller that ran one passes ``moderated=True``,
so a prompt is not moderated twice before its submit (which looks at it again: a cheap text
check beside a render, and the images are only the submit's).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from reelbot.app.task_costs import moderate_first, planned_board

if TYPE_CHECKING:
    from reelbot.app.service import ReelbotService
    from reelbot.domain.storyboard import Storyboard
    from reelbot.domain.types import GenerationRequest, Origin


async def check_requests(
    service: ReelbotService,
    origin: Origin,
    requests: Sequence[GenerationRequest],
    *,
    moderated: bool = False,
) -> None:
    """Refuse ``requests`` from ``origin`` now: a refused prompt with moderation's answer (and
    its audit row), then ``len(requests)`` more clips over an hourly rate or the pending cap
    with ``LimitReached``. ``moderated``: the caller's plan check moderated them already.
    Reserves nothing (each submit still reserves atomically)."""
    if not moderated:
        await moderate_first(service, requests)
    await service.check_limits(origin, jobs=max(1, len(requests)))


async def check_board(
    service: ReelbotService, board: Storyboard, origin: Origin, *, moderated: bool = False
) -> None:
    """:func:`check_requests` for a storyboard: every shot's prompt (as ``submit_storyboard``
    will build it, :func:`~reelbot.app.task_costs.planned_board`), also those of a later
    wave, then the board's shots as that many clips."""
    if moderated:  # check_board_and_finish moderated every shot
        await service.check_limits(origin, jobs=len(board.shots))
        return
    requests, _seconds = planned_board(service, board, origin)
    await check_requests(service, origin, requests)
