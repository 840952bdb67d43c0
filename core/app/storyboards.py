"""Storyboards from chat: a whole Short as normal jobs, then one draft stitched from their clips.

Why at the service level: the CLI (:func:`reelbot.generator.control_draft.render_storyboard`)
renders in-process; a bot must not (it has no GPU and must answer in seconds). Here every shot
becomes an ordinary job through :meth:`ReelbotService.submit` — validation, moderation, faces
and consent, quotas, the queue and the workers all apply unchanged — and the board itself is
only a small JSON document in Redis (:meth:`Keys.storyboard`) that remembers which job is the
current take of each shot. Once every shot's job is done, :func:`assemble_draft` joins the
stored shot clips (decode → :func:`control_draft.assemble` → encode; no re-render) into one
draft mp4 plus a contact sheet in the media store.

Rules, the same as the CLI's: one preset for the whole board (routing picks the one that
honours every role used), one aspect, one fps; shot ``n`` uses its own seed, else the board's
``seed + n − 1`` (a random base seed when the file names none); shared ``character`` / ``style``
images go to every shot. Shots are lineage-free (no parent clip). Re-rolling shot ``n``
(:func:`reroll_shot`) submits one new job for that shot with a new seed; the next
:func:`assemble_draft` uses it, the other shots' clips are reused as they are.

Pending cap: shots go into the queue in order until the person's pending-jobs cap
(``limits.max_pending_jobs_per_user``) is reached; the rest wait in the board and
:func:`advance_storyboard` (the bots call it on every shot's outcome) queues them as slots free
up. An image an earlier shot of the board was admitted with (moderated, face-checked,
consented) is passed by hash after that, so consent is asked once, not once per shot.

Images: a chat has no folder, so ``images_by_name`` maps the names written in the file
(``character: hero.png``) to the uploaded bytes. A name without bytes is refused with
``storyboard.reference_missing`` before anything is queued.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from redis.exceptions import WatchError

from reelbot.domain.errors import Forbidden, InvalidRequest, LimitReached, NotFound, ReelbotError
from reelbot.domain.messages import EN, ZH_TW, register
from reelbot.domain.types import GenerationRequest, JobState, Origin, ReferenceImage, ReferenceRole
from reelbot.generator.control_draft import build_draft_from_clips
from reelbot.generator.storyboard import MAX_SHOTS, Storyboard, Transition, check_storyboard, shot_request

if TYPE_CHECKING:
    from reelbot.app.service import ReelbotService, Ticket

log = logging.getLogger(__name__)

STATE_TTL_S = 30 * 24 * 3600  # a board lives as long as the bots remember delivered clips
ASSEMBLY_LOCK_S = 300  # one process assembles a draft at a time; the lock expires if it dies
MAX_SEED = 2**32 - 1
DRAFT_MAX_BYTES = 512 * 1024 * 1024  # same cap as the CLI's draft; the bots link what they can't attach

register(
    {
        EN: {
            "storyboard.not_yours": "Only the person who started storyboard {board_id} can change it.",
            "storyboard.not_found": "Storyboard {board_id} no longer exists.",
            "storyboard.shot_failed": (
                "Shot {shot} of storyboard {board_id} did not render ({state}); re-roll that shot to "
                "finish the draft."
            ),
        },
        ZH_TW: {
            "storyboard.not_yours": "只有建立分鏡 {board_id} 的人可以修改它。",
            "storyboard.not_found": "分鏡 {board_id} 已不存在。",
            "storyboard.shot_failed": (
                "分鏡 {board_id} 的第 {shot} 個鏡頭沒有完成（{state}），請重新生成這個鏡頭來完成草稿。"
            ),
        },
    }
)


@dataclass(frozen=True)
class StoryboardTicket:
    """The immediate answer to :func:`submit_storyboard`: one job per shot, in shot order."""

    board_id: uuid.UUID
    job_ids: tuple[uuid.UUID, ...]
    duplicate: bool = False
    awaiting_consent: tuple[uuid.UUID, ...] = ()  # shots held until the uploader confirms
    notice_key: str | None = None  # e.g. "quota.relaxed_notice" from any shot


@dataclass(frozen=True)
class ShotState:
    number: int  # 1-based, as the creator counts
    job_id: uuid.UUID | None  # None: waiting in the board for a free slot (or refused)
    state: JobState  # QUEUED for a shot still waiting in the board; FAILED when refused
    step: int | None
    total_steps: int | None
    error_key: str | None = None  # why the service refused a waiting shot


@dataclass(frozen=True)
class BoardStatus:
    """Where a board stands: what a status message shows."""

    board_id: uuid.UUID
    title: str
    origin: Origin
    shots: tuple[ShotState, ...]

    @property
    def total(self) -> int:
        return len(self.shots)

    @property
    def done(self) -> int:
        return sum(shot.state is JobState.DONE for shot in self.shots)

    @property
    def failed(self) -> tuple[int, ...]:
        bad = (JobState.FAILED, JobState.CANCELLED)
        return tuple(shot.number for shot in self.shots if shot.state in bad)

    @property
    def complete(self) -> bool:
        return self.done == self.total


@dataclass(frozen=True)
class Draft:
    """A stitched draft in the media store (keys for :class:`MediaStore`)."""

    board_id: uuid.UUID
    video_key: str
    contact_sheet_key: str
    size_bytes: int
    width: int
    height: int
    fps: int
    num_frames: int
    job_ids: tuple[uuid.UUID, ...]

    @property
    def seconds(self) -> float:
        return self.num_frames / self.fps


# -- state in Redis ---------------------------------------------------------------------------


def board_id_for(idempotency_key: str) -> uuid.UUID:
    """The board id a submission key names: the same key twice is the same board."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"reelbot:storyboard:{idempotency_key}")


async def _load(service: ReelbotService, board_id: uuid.UUID) -> dict[str, Any]:
    raw = await service.redis.get(service.keys.storyboard(str(board_id)))
    if raw is None:
        raise NotFound("storyboard.not_found", board_id=str(board_id))
    data: dict[str, Any] = json.loads(raw)
    return data


async def _update(service: ReelbotService, board_id: uuid.UUID, change: Any) -> dict[str, Any]:
    """Read-modify-write the board's JSON under WATCH, retrying when another writer got there first."""
    key = service.keys.storyboard(str(board_id))
    async with service.redis.pipeline(transaction=True) as pipe:
        while True:
            try:
                await pipe.watch(key)
                raw = await pipe.get(key)
                if raw is None:
                    raise NotFound("storyboard.not_found", board_id=str(board_id))
                data = json.loads(raw)
                change(data)
                pipe.multi()
                pipe.set(key, json.dumps(data), ex=STATE_TTL_S)
                await pipe.execute()
                return dict(data)
            except WatchError:
                continue


async def _map_job(service: ReelbotService, job_id: uuid.UUID, board_id: uuid.UUID, number: int) -> None:
    await service.redis.set(
        service.keys.storyboard_of_job(str(job_id)), f"{board_id}:{number}", ex=STATE_TTL_S
    )


async def board_of_job(service: ReelbotService, job_id: uuid.UUID) -> tuple[uuid.UUID, int] | None:
    """``(board id, shot number)`` when ``job_id`` was started by a storyboard (any take), else None."""
    raw = await service.redis.get(service.keys.storyboard_of_job(str(job_id)))
    if raw is None:
        return None
    text = raw.decode() if isinstance(raw, bytes) else str(raw)
    board, _, number = text.rpartition(":")
    return uuid.UUID(board), int(number)


async def board_of_event(service: ReelbotService, job_id: uuid.UUID, origin: Origin) -> uuid.UUID | None:
    """The board a job event belongs to: by the job, else by the status message it edits."""
    found = await board_of_job(service, job_id)
    if found is not None:
        return found[0]
    if not origin.message_id:
        return None
    raw = await service.redis.get(
        service.keys.storyboard_of_message(origin.platform.value, origin.message_id)
    )
    if raw is None:
        return None
    return uuid.UUID(raw.decode() if isinstance(raw, bytes) else str(raw))


# -- submitting -------------------------------------------------------------------------------


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
    detached = board.model_copy(
        update={
            "character": None,
            "style": None,
            "shots": [
                shot.model_copy(
                    update={"first_frame": None, "last_frame": None, "subject": None, "style": None}
                )
                for shot in board.shots
            ],
        }
    )
    check_storyboard(detached, service.settings.limits)
    for index in range(len(board.shots)):
        for name in _references(board, index).values():
            if name not in images_by_name:
                raise InvalidRequest("storyboard.reference_missing", shot=index + 1, path=name)


def _base_seed(board: Storyboard) -> int:
    # A file that names no seed gets a random one: two boards from one file are two takes.
    return board.seed if "seed" in board.model_fields_set else secrets.randbelow(MAX_SEED + 1)


def _ref_key(board_id: uuid.UUID, sha256: str) -> str:
    """Where a board keeps an uploaded image until every shot that uses it has been submitted."""
    return f"storyboards/{board_id}/refs/{sha256}.bin"


async def submit_storyboard(
    service: ReelbotService,
    board: Storyboard,
    origin: Origin,
    *,
    images_by_name: Mapping[str, bytes],
    idempotency_key: str,
) -> StoryboardTicket:
    """Queue the shots of ``board`` as normal jobs; the same key twice gives the same board.

    Shots go in order until the person's pending-jobs cap is reached; the rest wait in the
    board and :func:`advance_storyboard` submits them as earlier shots finish (the bots call it
    on every shot's outcome). A refusal of anything else (quota, moderation, a bad image), or
    the cap before the first shot, cancels what was queued, forgets the board and is raised.
    """
    from reelbot.generator.catalog import route_preset

    check_chat_storyboard(board, service, images_by_name)
    board_id = board_id_for(idempotency_key)
    key = service.keys.storyboard(str(board_id))
    existing = await service.redis.get(key)
    if existing is not None:
        data = json.loads(existing)
        return StoryboardTicket(
            board_id=board_id,
            job_ids=tuple(uuid.UUID(s["job_id"]) for s in data["shots"] if s["job_id"]),
            duplicate=True,
        )
    roles = {role for index in range(len(board.shots)) for role in _references(board, index)}
    preset = route_preset(board.preset, roles, service.settings)  # one preset for every shot
    base_seed = _base_seed(board)
    hashes = {name: hashlib.sha256(images_by_name[name]).hexdigest() for name in images_by_name}
    shots = []
    for index, shot in enumerate(board.shots):
        seed = shot.seed if shot.seed is not None else (base_seed + index) % (MAX_SEED + 1)
        request = shot_request(board, index, origin=origin, preset=preset.name, seed=seed, image_hashes={})
        shots.append(
            {
                "number": index + 1,
                "job_id": None,
                "error": None,
                "request": request.model_dump(mode="json"),
                "images": [[role.value, hashes[name]] for role, name in _references(board, index).items()],
            }
        )
    state = {
        "board_id": str(board_id),
        "key": idempotency_key,
        "title": board.title,
        "origin": origin.model_dump(mode="json"),
        "transitions": [board.transition_into(i).value for i in range(1, len(board.shots))],
        "crossfade_seconds": board.crossfade_seconds,
        "shots": shots,
    }
    if not await service.redis.set(key, json.dumps(state), ex=STATE_TTL_S, nx=True):
        return await submit_storyboard(
            service, board, origin, images_by_name=images_by_name, idempotency_key=idempotency_key
        )
    if origin.message_id:
        # Before any shot exists: the first "queued" event already finds its board.
        message_key = service.keys.storyboard_of_message(origin.platform.value, origin.message_id)
        await service.redis.set(message_key, str(board_id), ex=STATE_TTL_S)
    for name, data in images_by_name.items():
        await asyncio.to_thread(service.media.put_bytes, _ref_key(board_id, hashes[name]), data)

    try:
        tickets = await _submit_waiting(service, board_id, first_wave=True)
    except BaseException:
        await _abandon(service, board_id, origin)
        raise
    log.info("storyboard %s: %d of %d shots queued on %s", board_id, len(tickets), len(shots), preset.name)
    return StoryboardTicket(
        board_id=board_id,
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


_ADMITTED = (JobState.QUEUED, JobState.RUNNING, JobState.DONE)


async def _submit_waiting(service: ReelbotService, board_id: uuid.UUID, *, first_wave: bool) -> list[Ticket]:
    data = await _load(service, board_id)
    # Images an earlier shot got admitted with (moderated, face-checked, consented) are passed
    # by hash; others go through the service's checks again as bytes.
    cleared: set[str] = set()
    for shot in data["shots"]:
        if shot["job_id"] is not None and (await service.job(uuid.UUID(shot["job_id"]))).state in _ADMITTED:
            cleared.update(sha for _role, sha in shot["images"])
    tickets: list[Ticket] = []
    for shot in data["shots"]:
        if shot["job_id"] is not None or shot.get("error"):
            continue
        try:
            ticket = await _submit_shot(service, board_id, data, shot, cleared, seed=None)
        except LimitReached as exc:
            if exc.key == "queue.user_pending_cap" and (tickets or not first_wave):
                break  # the rest waits for a free slot
            if first_wave:
                raise
            await _record_error(service, board_id, shot["number"], exc.key)
            break
        except ReelbotError as exc:
            if first_wave:
                raise
            await _record_error(service, board_id, shot["number"], exc.key)
            continue
        tickets.append(ticket)
        if ticket.state in _ADMITTED:
            cleared.update(sha for _role, sha in shot["images"])
    return tickets


async def _submit_shot(
    service: ReelbotService,
    board_id: uuid.UUID,
    data: dict[str, Any],
    shot: dict[str, Any],
    cleared: set[str],
    *,
    seed: int | None,
    idempotency_key: str | None = None,
) -> Ticket:
    number = int(shot["number"])
    request = GenerationRequest.model_validate(shot["request"])
    references, images = [], []
    for role, sha in shot["images"]:
        if sha in cleared:
            references.append(ReferenceImage(role=ReferenceRole(role), sha256=sha))
        else:
            data_bytes = await asyncio.to_thread(service.media.read_bytes, _ref_key(board_id, sha))
            images.append((ReferenceRole(role), data_bytes))
    update: dict[str, Any] = {"references": tuple(references)}
    if seed is not None:
        update["seed"] = seed
    ticket = await service.submit(
        request.model_copy(update=update),
        images,
        idempotency_key=idempotency_key or f"{data['key']}:shot:{number}",
    )
    await _map_job(service, ticket.job_id, board_id, number)

    def record(state: dict[str, Any]) -> None:
        entry = state["shots"][number - 1]
        entry["job_id"], entry["error"] = str(ticket.job_id), None
        if seed is not None:
            entry["request"]["seed"] = seed

    await _update(service, board_id, record)
    return ticket


async def _record_error(service: ReelbotService, board_id: uuid.UUID, number: int, key: str) -> None:
    log.info("storyboard %s: shot %d refused (%s)", board_id, number, key)

    def record(state: dict[str, Any]) -> None:
        state["shots"][number - 1]["error"] = key

    await _update(service, board_id, record)


async def _abandon(service: ReelbotService, board_id: uuid.UUID, by: Origin) -> None:
    data = await _load(service, board_id)
    for shot in data["shots"]:
        if shot["job_id"] is None:
            continue
        job_id = uuid.UUID(shot["job_id"])
        try:
            view = await service.job(job_id)
            if view.state is JobState.AWAITING_CONSENT:
                await service.decline_consent(job_id, by=by)
            elif not view.state.finished:
                await service.cancel(job_id, by=by)
        except ReelbotError as exc:
            log.warning("storyboard %s: could not cancel job %s (%s)", board_id, job_id, exc.key)
    for _role, sha in {tuple(pair) for shot in data["shots"] for pair in shot["images"]}:
        await asyncio.to_thread(service.media.delete, _ref_key(board_id, sha))
    await service.redis.delete(service.keys.storyboard(str(board_id)))


# -- questions and changes --------------------------------------------------------------------


async def board_status(service: ReelbotService, board_id: uuid.UUID) -> BoardStatus:
    data = await _load(service, board_id)
    shots = []
    for shot in data["shots"]:
        if shot["job_id"] is None:  # waiting in the board, or refused by the service
            state = JobState.FAILED if shot.get("error") else JobState.QUEUED
            shots.append(ShotState(shot["number"], None, state, None, None, shot.get("error")))
            continue
        view = await service.job(uuid.UUID(shot["job_id"]))
        shots.append(ShotState(shot["number"], view.id, view.state, view.step, view.total_steps))
    return BoardStatus(
        board_id=board_id,
        title=str(data.get("title", "")),
        origin=Origin.model_validate(data["origin"]),
        shots=tuple(shots),
    )


def _check_owner(data: dict[str, Any], by: Origin, board_id: uuid.UUID) -> Origin:
    owner = Origin.model_validate(data["origin"])
    if owner.user_key != by.user_key:
        raise Forbidden("storyboard.not_yours", board_id=str(board_id))
    return owner


async def reroll_shot(
    service: ReelbotService, board_id: uuid.UUID, number: int, *, by: Origin, idempotency_key: str
) -> Ticket:
    """A new job for shot ``number`` only (same recipe and references, new seed); the board's owner only."""
    data = await _load(service, board_id)
    owner = _check_owner(data, by, board_id)
    count = len(data["shots"])
    if not 1 <= number <= count:
        raise InvalidRequest("storyboard.shot_unknown", shot=number, count=count)
    seed = secrets.randbelow(MAX_SEED + 1)
    current = data["shots"][number - 1]["job_id"]
    previous = await service.job(uuid.UUID(current)) if current is not None else None
    if previous is None or previous.state not in (*_ADMITTED, JobState.FAILED):
        # Never submitted, or never admitted (awaiting or refused consent): the images go
        # through the service's checks again as bytes — a face still needs its consent.
        ticket = await _submit_shot(
            service,
            board_id,
            data,
            data["shots"][number - 1],
            set(),
            seed=seed,
            idempotency_key=idempotency_key,
        )
    else:  # admitted once (checked, consented where needed): same references by hash
        request = previous.request.model_copy(update={"seed": seed, "origin": owner})
        ticket = await service.submit(request, idempotency_key=idempotency_key)
        await _map_job(service, ticket.job_id, board_id, number)

        def record(state: dict[str, Any]) -> None:
            state["shots"][number - 1]["job_id"] = str(ticket.job_id)

        await _update(service, board_id, record)
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


# -- the draft ----------------------------------------------------------------------------------


def _draft_keys(board_id: uuid.UUID, job_ids: list[uuid.UUID]) -> tuple[str, str]:
    digest = hashlib.sha256(",".join(str(j) for j in job_ids).encode()).hexdigest()[:16]
    return f"drafts/{board_id}/{digest}.mp4", f"drafts/{board_id}/{digest}.jpg"


async def assemble_draft(service: ReelbotService, board_id: uuid.UUID) -> Draft | None:
    """Stitch the current take of every shot into one draft (+ contact sheet), once all are done.

    None while any shot is still waiting or rendering (or another process is assembling this
    very set of shots right now). A failed or cancelled shot raises ``storyboard.shot_failed``:
    re-roll it. The same set of takes is assembled once; a re-roll changes the set.
    """
    data = await _load(service, board_id)
    status = await board_status(service, board_id)
    if status.failed:
        bad = next(s for s in status.shots if s.number == status.failed[0])
        raise InvalidRequest(
            "storyboard.shot_failed", shot=bad.number, board_id=str(board_id), state=bad.state.value
        )
    if not status.complete:
        return None
    job_ids = [shot.job_id for shot in status.shots if shot.job_id is not None]
    stored = data.get("draft")
    if (
        stored
        and stored["job_ids"] == [str(j) for j in job_ids]
        and service.media.exists(stored["video_key"])
    ):
        return _draft_from(board_id, stored)

    lock = service.keys.storyboard_lock(str(board_id))
    token = uuid.uuid4().hex
    if not await service.redis.set(lock, token, nx=True, ex=ASSEMBLY_LOCK_S):
        return None
    try:
        clip_keys = []
        for job_id in job_ids:
            view = await service.job(job_id)
            if view.clip_id is None:
                raise InvalidRequest("storyboard.shot_failed", shot=job_ids.index(job_id) + 1,
                                     board_id=str(board_id), state="no clip")  # fmt: skip
            clip = await service.clip(view.clip_id)
            if clip.deleted or not clip.video_key:
                raise InvalidRequest("storyboard.shot_failed", shot=job_ids.index(job_id) + 1,
                                     board_id=str(board_id), state="deleted")  # fmt: skip
            clip_keys.append(clip.video_key)
        video_key, sheet_key = _draft_keys(board_id, job_ids)
        transitions = [Transition(t) for t in data["transitions"]]
        built = await asyncio.to_thread(
            build_draft_from_clips,
            service.media,
            service.settings.encode.model_copy(update={"max_bytes": DRAFT_MAX_BYTES}),
            clip_keys,
            transitions,
            float(data["crossfade_seconds"]),
            video_key,
            sheet_key,
            str(data.get("title", "")),
        )
        record = {
            "job_ids": [str(j) for j in job_ids],
            "video_key": video_key,
            "contact_sheet_key": sheet_key,
            **built,
        }

        def save(state: dict[str, Any]) -> None:
            state["draft"] = record

        await _update(service, board_id, save)
        log.info("storyboard %s: draft assembled (%d frames)", board_id, built["num_frames"])
        return _draft_from(board_id, record)
    finally:
        if (await service.redis.get(lock) or b"").decode() == token:
            await service.redis.delete(lock)


def _draft_from(board_id: uuid.UUID, record: dict[str, Any]) -> Draft:
    return Draft(
        board_id=board_id,
        video_key=record["video_key"],
        contact_sheet_key=record["contact_sheet_key"],
        size_bytes=int(record["size_bytes"]),
        width=int(record["width"]),
        height=int(record["height"]),
        fps=int(record["fps"]),
        num_frames=int(record["num_frames"]),
        job_ids=tuple(uuid.UUID(j) for j in record["job_ids"]),
    )
