"""Submitting a chat storyboard: every shot an ordinary job, queued as the pending cap allows.

Rules, the same as the CLI's: one preset for the whole board (routing picks the one that
honours every role used), one aspect, one fps; shot ``n`` uses its own seed, else the board's
``seed + n − 1`` (a random base seed when the file names none); shared ``character`` / ``style``
images go to every shot. Shots are lineage-free (no parent clip). Re-rolling shot ``n``
(:func:`reroll_shot`) submits one new job for that shot with a new seed; the next draft uses
it, the other shots' clips are reused as they are.

Pending cap: shots go into the queue in order until the person's pending-jobs cap is reached;
the rest wait in the board and :func:`advance_storyboard` (the bots call it on every shot's
outcome) queues them as slots free up. An image an earlier shot of the board was admitted with
(moderated, face-checked, consented) is passed by hash after that, so consent is asked once,
not once per shot.

Images: a chat has no folder, so ``images_by_name`` maps the names written in the file
(``character: hero.png``) to the uploaded bytes. A name without bytes is refused with
``storyboard.reference_missing`` before anything is queued.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING

from reelbot.app.mode_availability import check_mode_available
from reelbot.app.storyboards.state import (
    BoardFinish,
    BoardState,
    ShotRecord,
    board_id_for,
    create_board,
    forget_board,
    load_board,
    map_job,
    map_message,
    update_board,
)
from reelbot.app.storyboards.status import StoryboardTicket, board_status
from reelbot.domain.errors import Forbidden, InvalidRequest, LimitReached, ReelbotError
from reelbot.domain.presets import get_preset, route_board
from reelbot.domain.storyboard import MAX_SHOTS, Storyboard, check_storyboard, shot_request
from reelbot.domain.types import MAX_SEED, JobState, Origin, ReferenceImage, ReferenceRole, random_seed

if TYPE_CHECKING:
    from reelbot.app.service import ReelbotService, Ticket

log = logging.getLogger(__name__)

#: A shot whose take got past the service's checks: its images are cleared for the next shots.
_ADMITTED = (JobState.QUEUED, JobState.RUNNING, JobState.DONE)


def _references(board: Storyboard, index: int) -> dict[ReferenceRole, str]:
    shot = board.shots[index]
    named = {
        ReferenceRole.FIRST_FRAME: shot.first_frame,
        ReferenceRole.LAST_FRAME: shot.last_frame,
        ReferenceRole.SUBJECT: shot.subject or board.character,
        ReferenceRole.STYLE: shot.style or board.style,
    }
    return {role: name for role, name in named.items() if name}


def check_chat_storyboard(
    board: Storyboard, service: ReelbotService, images_by_name: Mapping[str, bytes]
) -> None:
    """The CLI's checks (shot lengths, total) plus: every image the board names was uploaded."""
    if len(board.shots) > MAX_SHOTS:
        raise InvalidRequest("storyboard.too_many_shots", count=len(board.shots), limit=MAX_SHOTS)
    # check_storyboard also looks for reference files on disk; a chat board has none there.
    no_files = {"first_frame": None, "last_frame": None, "subject": None, "style": None}
    detached = board.model_copy(
        update={
            "character": None,
            "style": None,
            "shots": [shot.model_copy(update=no_files) for shot in board.shots],
        }
    )
    check_storyboard(detached, service.settings.limits, service.settings.finish)  # captions too
    for index in range(len(board.shots)):
        for name in _references(board, index).values():
            if name not in images_by_name:
                raise InvalidRequest("storyboard.reference_missing", shot=index + 1, path=name)


def _base_seed(board: Storyboard) -> int:
    # A file that names no seed gets a random one: two boards from one file are two takes.
    return board.seed if "seed" in board.model_fields_set else random_seed()


def _ref_key(board_id: uuid.UUID, sha256: str) -> str:
    """Where a board keeps an uploaded image until every shot that uses it has been submitted."""
    return f"storyboards/{board_id}/refs/{sha256}.bin"


def _new_board(
    service: ReelbotService,
    board: Storyboard,
    origin: Origin,
    hashes: Mapping[str, str],
    idempotency_key: str,
) -> BoardState:
    shot_roles = [set(_references(board, index)) for index in range(len(board.shots))]
    preset = route_board(board.preset, shot_roles, service.settings)  # one preset for every shot
    base_seed = _base_seed(board)
    shots = []
    for index, shot in enumerate(board.shots):
        seed = shot.seed if shot.seed is not None else (base_seed + index) % (MAX_SEED + 1)
        request = shot_request(board, index, origin=origin, preset=preset.name, seed=seed, image_hashes={})
        images = [(role, hashes[name]) for role, name in _references(board, index).items()]
        shots.append(ShotRecord(number=index + 1, request=request, images=images))
    return BoardState(
        board_id=board_id_for(idempotency_key),
        key=idempotency_key,
        title=board.title,
        origin=origin,
        transitions=board.transitions(),
        crossfade_seconds=board.crossfade_seconds,
        colour_match=board.colour_match,
        shots=shots,
        finish=board_finish(board),
    )


def board_finish(board: Storyboard) -> BoardFinish | None:
    """What the file asks of its finished Short, kept with the board so every finish of its
    draft (after-render, Discord /finish board, LINE 輸出成 Shorts) captions the shots."""
    if not board.wants_finish and not board.beat_snap and board.audio_mode is None:
        return None
    return BoardFinish(
        captions=board.captions(),
        music=board.music,
        audio=board.audio,
        audio_mode=board.audio_mode.value if board.audio_mode else None,
        beat_snap=board.beat_snap,
        burn=board.burn_captions,
        fps=board.finish.fps if board.finish else None,
        size=board.finish.size if board.finish else None,
    )


async def submit_storyboard(
    service: ReelbotService,
    board: Storyboard,
    origin: Origin,
    *,
    images_by_name: Mapping[str, bytes],
    idempotency_key: str,
) -> StoryboardTicket:
    """Queue the shots of ``board`` as normal jobs; the same key twice gives the same board.

    A refusal of anything else than the pending cap (quota, moderation, a bad image), or the
    cap before the first shot, cancels what was queued, forgets the board and is raised.
    """
    check_chat_storyboard(board, service, images_by_name)
    hashes = {name: hashlib.sha256(data).hexdigest() for name, data in images_by_name.items()}
    state = _new_board(service, board, origin, hashes, idempotency_key)
    preset = get_preset(str(state.shots[0].request.preset))  # _new_board routed one for every shot
    for speed in {shot.request.speed for shot in state.shots}:  # refused before any shot is queued
        await check_mode_available(service, preset, speed)
    while not await create_board(service, state):  # the same key twice: the board it made
        try:
            existing = await load_board(service, state.board_id)
        except ReelbotError:
            continue  # forgotten in between (an abandoned first try): create it again
        job_ids = tuple(shot.job_id for shot in existing.shots if shot.job_id is not None)
        return StoryboardTicket(board_id=state.board_id, job_ids=job_ids, duplicate=True)
    await map_message(service, origin, state.board_id)  # the first "queued" event finds its board
    for name, data in images_by_name.items():
        await asyncio.to_thread(service.media.put_bytes, _ref_key(state.board_id, hashes[name]), data)
    try:
        tickets = await _submit_waiting(service, state.board_id, first_wave=True)
    except BaseException:
        await _abandon(service, state.board_id, origin)
        raise
    log.info("storyboard %s: %d of %d shots queued", state.board_id, len(tickets), len(state.shots))
    return StoryboardTicket(
        board_id=state.board_id,
        job_ids=tuple(t.job_id for t in tickets),
        awaiting_consent=tuple(t.job_id for t in tickets if t.state is JobState.AWAITING_CONSENT),
        notice_key=next((t.notice_key for t in tickets if t.notice_key), None),
    )


async def advance_storyboard(service: ReelbotService, board_id: uuid.UUID) -> list[Ticket]:
    """Submit shots still waiting in the board, as far as the pending-jobs cap allows now.

    Safe to call any time and from several processes (idempotency keys per shot). A shot the
    service refuses is recorded as failed with the reason's key; re-rolling it tries again.
    """
    return await _submit_waiting(service, board_id, first_wave=False)


async def _cleared_images(service: ReelbotService, board: BoardState) -> set[str]:
    """Hashes of images some shot was admitted with (moderated, face-checked, consented)."""
    cleared: set[str] = set()
    for shot in board.shots:
        if shot.job_id is not None and (await service.job(shot.job_id)).state in _ADMITTED:
            cleared.update(sha for _role, sha in shot.images)
    return cleared


async def _submit_waiting(service: ReelbotService, board_id: uuid.UUID, *, first_wave: bool) -> list[Ticket]:
    board = await load_board(service, board_id)
    cleared = await _cleared_images(service, board)
    tickets: list[Ticket] = []
    for shot in board.shots:
        if shot.job_id is not None or shot.error:
            continue
        try:
            ticket = await _submit_shot(service, board, shot, cleared, seed=None)
        except LimitReached as exc:
            if exc.key == "queue.user_pending_cap" and (tickets or not first_wave):
                break  # the rest waits for a free slot
            if first_wave:
                raise
            await _record_error(service, board_id, shot.number, exc.key)
            break
        except ReelbotError as exc:
            if first_wave:
                raise
            await _record_error(service, board_id, shot.number, exc.key)
            continue
        tickets.append(ticket)
        if ticket.state in _ADMITTED:
            cleared.update(sha for _role, sha in shot.images)
    return tickets


async def _submit_shot(
    service: ReelbotService,
    board: BoardState,
    shot: ShotRecord,
    cleared: set[str],
    *,
    seed: int | None,
    idempotency_key: str | None = None,
) -> Ticket:
    """Submit one take of ``shot``: cleared images by hash, the others as bytes (checked again)."""
    references, images = [], []
    for role, sha in shot.images:
        if sha in cleared:
            references.append(ReferenceImage(role=role, sha256=sha))
        else:
            data = await asyncio.to_thread(service.media.read_bytes, _ref_key(board.board_id, sha))
            images.append((role, data))
    update: dict[str, object] = {"references": tuple(references)}
    if seed is not None:
        update["seed"] = seed
    ticket = await service.submit(
        shot.request.model_copy(update=update),
        images,
        idempotency_key=idempotency_key or f"{board.key}:shot:{shot.number}",
    )
    await _record_take(service, board.board_id, shot.number, ticket.job_id, seed)
    return ticket


async def _record_take(
    service: ReelbotService, board_id: uuid.UUID, number: int, job_id: uuid.UUID, seed: int | None
) -> None:
    await map_job(service, job_id, board_id, number)

    def record(state: BoardState) -> None:
        entry = state.shot(number)
        entry.job_id, entry.error = job_id, None
        if seed is not None:
            entry.request = entry.request.model_copy(update={"seed": seed})

    await update_board(service, board_id, record)


async def _record_error(service: ReelbotService, board_id: uuid.UUID, number: int, key: str) -> None:
    log.info("storyboard %s: shot %d refused (%s)", board_id, number, key)

    def record(state: BoardState) -> None:
        state.shot(number).error = key

    await update_board(service, board_id, record)


async def _abandon(service: ReelbotService, board_id: uuid.UUID, by: Origin) -> None:
    """Cancel every take a refused board started, delete its uploaded images, forget it."""
    board = await load_board(service, board_id)
    for shot in board.shots:
        if shot.job_id is None:
            continue
        try:
            view = await service.job(shot.job_id)
            if view.state is JobState.AWAITING_CONSENT:
                await service.decline_consent(shot.job_id, by=by)
            elif not view.state.finished:
                await service.cancel(shot.job_id, by=by)
        except ReelbotError as exc:
            log.warning("storyboard %s: could not cancel job %s (%s)", board_id, shot.job_id, exc.key)
    for sha in {sha for shot in board.shots for _role, sha in shot.images}:
        await asyncio.to_thread(service.media.delete, _ref_key(board_id, sha))
    await forget_board(service, board_id)


def _check_owner(board: BoardState, by: Origin) -> Origin:
    if board.origin.user_key != by.user_key:
        raise Forbidden("storyboard.not_yours", board_id=str(board.board_id))
    return board.origin


async def reroll_shot(
    service: ReelbotService, board_id: uuid.UUID, number: int, *, by: Origin, idempotency_key: str
) -> Ticket:
    """A new job for shot ``number`` only (same recipe and references, new seed); the board's owner only."""
    board = await load_board(service, board_id)
    owner = _check_owner(board, by)
    if not 1 <= number <= len(board.shots):
        raise InvalidRequest("storyboard.shot_unknown", shot=number, count=len(board.shots))
    seed = random_seed()
    shot = board.shot(number)
    previous = await service.job(shot.job_id) if shot.job_id is not None else None
    if previous is None or previous.state not in (*_ADMITTED, JobState.FAILED):
        # Never submitted, or never admitted (awaiting or refused consent): the images go
        # through the service's checks again as bytes — a face still needs its consent.
        ticket = await _submit_shot(service, board, shot, set(), seed=seed, idempotency_key=idempotency_key)
    else:  # admitted once (checked, consented where needed): same references by hash
        request = previous.request.model_copy(update={"seed": seed, "origin": owner})
        ticket = await service.submit(request, idempotency_key=idempotency_key)
        await _record_take(service, board_id, number, ticket.job_id, seed=None)
    log.info("storyboard %s: shot %d re-rolled as job %s", board_id, number, ticket.job_id)
    return ticket


async def confirm_consent(service: ReelbotService, board_id: uuid.UUID, *, by: Origin) -> list[Ticket]:
    """Consent for every shot of the board that waits for it (one question per board, not per shot)."""
    status = await board_status(service, board_id)
    tickets = [
        await service.confirm_consent(shot.job_id, by=by)
        for shot in status.shots
        if shot.state is JobState.AWAITING_CONSENT and shot.job_id is not None
    ]
    return tickets + await advance_storyboard(service, board_id)


async def decline_consent(service: ReelbotService, board_id: uuid.UUID, *, by: Origin) -> int:
    """Decline for the whole board: every waiting shot is cancelled; returns how many."""
    status = await board_status(service, board_id)
    waiting = [shot for shot in status.shots if shot.state is JobState.AWAITING_CONSENT]
    for shot in waiting:
        if shot.job_id is not None:
            await service.decline_consent(shot.job_id, by=by)
    return len(waiting)
