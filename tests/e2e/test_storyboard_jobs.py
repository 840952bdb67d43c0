"""Storyboard from chat, end to end: two shots queued as normal jobs, a real worker renders them
on the tiny preset, the draft is stitched from the stored clips; re-rolling shot 2 renders
only shot 2 and the next draft keeps shot 1's clip bit for bit."""

from __future__ import annotations

import io
import uuid

import numpy as np
import pytest
from PIL import Image

from reelbot.app.service import ReelbotService
from reelbot.app.storyboards import (
    Draft,
    advance_storyboard,
    assemble_draft,
    board_of_job,
    board_status,
    reroll_shot,
    submit_storyboard,
)
from reelbot.cli.wiring import worker_for
from reelbot.domain.errors import Forbidden, InvalidRequest, ReelbotError
from reelbot.domain.settings import Settings
from reelbot.domain.storyboard import parse_storyboard
from reelbot.domain.types import JobState, Origin, Platform, ReferenceRole
from reelbot.generator.cache import EngineCache
from reelbot.generator.encode import decode_frames, probe

ALICE = Origin(platform=Platform.DISCORD, user_id="alice", channel_id="c1", guild_id="g1", locale="en")
BOB = Origin(platform=Platform.DISCORD, user_id="bob", channel_id="c1", guild_id="g1", locale="en")

BOARD = """
title: Paper boats
seed: 11
style: look.png
style_prompt: watercolour
shots:
  - prompt: a paper boat on a lake
    seconds: 1
  - prompt: the boat drifts under a bridge
    seconds: 1
    transition: crossfade
crossfade_seconds: 0.25
"""


def png(color: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (96, 160), color).save(buf, "PNG")
    return buf.getvalue()


async def run_worker(service: ReelbotService, cache: EngineCache, *, tasks: int = 0) -> int:
    """A real worker in burst mode; ``tasks``: how many worker tasks it must have done too."""
    worker = worker_for(service, name=f"sb-{uuid.uuid4().hex[:6]}", burst=True, cache=cache)
    await worker.run()
    assert worker.tasks.done == tasks
    return worker.jobs_done


async def assembled(service: ReelbotService, board_id: uuid.UUID, cache: EngineCache) -> Draft:
    """The first call queues the ``assemble_draft`` task; a worker runs it; the draft is kept."""
    assert await assemble_draft(service, board_id) is None  # queued, not built in this process
    assert await assemble_draft(service, board_id) is None  # the same takes: one task, not two
    assert (await service.queue.depth())["fast"]["waiting"] == 1
    assert await run_worker(service, cache, tasks=1) == 0
    draft = await assemble_draft(service, board_id)
    assert draft is not None
    return draft


def path_of(service: ReelbotService, key: str) -> str:
    return str(service.media.path(key))


async def test_storyboard_jobs_draft_and_reroll(service: ReelbotService, tiny_cache: EngineCache) -> None:
    board = parse_storyboard(BOARD, "YAML")
    look = png((200, 120, 40))
    ticket = await submit_storyboard(
        service, board, ALICE, images_by_name={"look.png": look}, idempotency_key="sb-1"
    )
    assert len(ticket.job_ids) == 2 and not ticket.duplicate and not ticket.awaiting_consent
    again = await submit_storyboard(
        service, board, ALICE, images_by_name={"look.png": look}, idempotency_key="sb-1"
    )
    assert again.duplicate and again.job_ids == ticket.job_ids and again.board_id == ticket.board_id

    # Each shot is a normal, lineage-free job: shared style image, one preset/aspect, seeds 11, 12.
    views = [await service.job(job_id) for job_id in ticket.job_ids]
    assert [v.request.seed for v in views] == [11, 12]
    assert {v.request.preset for v in views} == {"tiny-vace"}  # a style image routes the board to VACE
    assert all(v.request.parent_clip_id is None and v.request.aspect.value == "9:16" for v in views)
    assert all([r.role for r in v.request.references] == [ReferenceRole.STYLE] for v in views)
    assert views[0].request.references == views[1].request.references
    assert views[1].request.prompt == "the boat drifts under a bridge, watercolour"
    assert await board_of_job(service, ticket.job_ids[1]) == (ticket.board_id, 2)

    assert await assemble_draft(service, ticket.board_id) is None  # nothing rendered yet
    assert await run_worker(service, tiny_cache) == 2
    status = await board_status(service, ticket.board_id)
    assert (status.done, status.total, status.complete) == (2, 2, True)

    draft = await assembled(service, ticket.board_id, tiny_cache)
    assert draft.job_ids == ticket.job_ids
    shots = []
    for view in [await service.job(j) for j in ticket.job_ids]:
        assert view.clip_id is not None
        clip = await service.clip(view.clip_id)
        shots.append(decode_frames(path_of(service, clip.video_key or "")))
    crossfade = round(0.25 * draft.fps)
    assert draft.num_frames == len(shots[0]) + len(shots[1]) - crossfade
    info = probe(path_of(service, draft.video_key))
    assert (info.width, info.height) == (draft.width, draft.height) and draft.height > draft.width  # 9:16
    assert len(decode_frames(path_of(service, draft.video_key))) == draft.num_frames
    sheet = Image.open(path_of(service, draft.contact_sheet_key))
    assert sheet.format == "JPEG" and sheet.width > sheet.height
    assert await assemble_draft(service, ticket.board_id) == draft  # the same takes: not rebuilt

    # Re-roll shot 2: the owner only; one new job, a new seed, the same recipe otherwise.
    with pytest.raises(Forbidden):
        await reroll_shot(service, ticket.board_id, 2, by=BOB, idempotency_key="r-bob")
    with pytest.raises(InvalidRequest):
        await reroll_shot(service, ticket.board_id, 3, by=ALICE, idempotency_key="r-3")
    reroll = await reroll_shot(service, ticket.board_id, 2, by=ALICE, idempotency_key="r-1")
    new = await service.job(reroll.job_id)
    assert (
        new.request.prompt == views[1].request.prompt
        and new.request.references == views[1].request.references
    )
    assert new.request.seed != 12
    assert await assemble_draft(service, ticket.board_id) is None  # shot 2 renders again first
    assert await run_worker(service, tiny_cache) == 1  # only shot 2
    second = await assembled(service, ticket.board_id, tiny_cache)
    assert second.video_key != draft.video_key
    assert second.job_ids == (ticket.job_ids[0], reroll.job_id)
    frames = decode_frames(path_of(service, second.video_key))
    first_before = decode_frames(path_of(service, draft.video_key))[: len(shots[0]) - crossfade]
    assert np.abs(frames[: len(first_before)].astype(int) - first_before.astype(int)).mean() < 3.0


async def test_storyboard_refusals_leave_nothing_queued(service: ReelbotService) -> None:
    board = parse_storyboard(BOARD, "YAML")
    with pytest.raises(InvalidRequest) as missing:
        await submit_storyboard(service, board, ALICE, images_by_name={}, idempotency_key="sb-2")
    assert missing.value.key == "storyboard.reference_missing"
    zero = parse_storyboard("shots:\n  - prompt: x\n    seconds: 0\n", "YAML")
    with pytest.raises(InvalidRequest) as short:
        await submit_storyboard(service, zero, ALICE, images_by_name={}, idempotency_key="sb-3")
    assert short.value.key == "storyboard.shot_seconds"
    # The second shot is refused by the service (a prompt over the limit): the first is cancelled.
    long_prompt = "y" * (service.settings.limits.max_prompt_chars + 10)
    bad = parse_storyboard(
        f"shots:\n  - prompt: fine\n    seconds: 1\n  - prompt: {long_prompt}\n    seconds: 1\n", "YAML"
    )
    with pytest.raises(InvalidRequest):
        await submit_storyboard(service, bad, ALICE, images_by_name={}, idempotency_key="sb-4")
    jobs = await service.jobs_for(Platform.DISCORD, "alice", active_only=True)
    assert jobs == []
    assert all(
        j.state is JobState.CANCELLED
        for j in await service.jobs_for(Platform.DISCORD, "alice", active_only=False)
    )


async def test_shots_past_the_pending_cap_wait_in_the_board(
    settings: Settings, tiny_cache: EngineCache
) -> None:
    capped = settings.model_copy(
        update={"limits": settings.limits.model_copy(update={"max_pending_jobs_per_user": 1})}
    )
    service = await ReelbotService.open(capped)
    try:
        board = parse_storyboard(
            "seed: 3\nshots:\n  - {prompt: one, seconds: 1}\n  - {prompt: two, seconds: 1}\n", "YAML"
        )
        ticket = await submit_storyboard(service, board, ALICE, images_by_name={}, idempotency_key="cap-1")
        assert len(ticket.job_ids) == 1  # the second shot waits in the board, not refused
        status = await board_status(service, ticket.board_id)
        assert [s.job_id is None for s in status.shots] == [False, True] and not status.failed
        assert await advance_storyboard(service, ticket.board_id) == []  # still no free slot
        assert await run_worker(service, tiny_cache) == 1
        (second,) = await advance_storyboard(service, ticket.board_id)
        assert (await service.job(second.job_id)).request.seed == 4
        assert await assemble_draft(service, ticket.board_id) is None
        assert await run_worker(service, tiny_cache) == 1
        draft = await assembled(service, ticket.board_id, tiny_cache)
        assert draft.job_ids == (ticket.job_ids[0], second.job_id)
    finally:
        await service.close()


async def test_rerolling_a_shot_that_awaits_consent_still_needs_consent(service: ReelbotService) -> None:
    """A face as the shared character: re-rolling a shot before consent must not queue it."""
    from skimage import data as skimage_data

    buf = io.BytesIO()
    Image.fromarray(skimage_data.astronaut()).save(buf, "PNG")
    board = parse_storyboard(
        "character: face.png\nshots:\n  - prompt: a portrait, smiling\n    seconds: 1\n", "YAML"
    )
    ticket = await submit_storyboard(
        service, board, ALICE, images_by_name={"face.png": buf.getvalue()}, idempotency_key="sb-face"
    )
    first = await service.job(ticket.job_ids[0])
    assert first.state is JobState.AWAITING_CONSENT
    again = await reroll_shot(service, ticket.board_id, 1, by=ALICE, idempotency_key="sb-face-reroll")
    assert again.state is JobState.AWAITING_CONSENT
    assert (await service.queue.depth())["fast"]["waiting"] == 0


async def test_a_draft_that_fails_to_assemble_says_why(
    service: ReelbotService, tiny_cache: EngineCache
) -> None:
    board = parse_storyboard("seed: 5\nshots:\n  - {prompt: one, seconds: 1}\n", "YAML")
    ticket = await submit_storyboard(service, board, ALICE, images_by_name={}, idempotency_key="fail-1")
    assert await run_worker(service, tiny_cache) == 1
    clip = await service.clip((await service.job(ticket.job_ids[0])).clip_id or uuid.uuid4())
    service.media.delete(clip.video_key or "")  # the shot's file is gone before the worker joins it
    assert await assemble_draft(service, ticket.board_id) is None
    assert await run_worker(service, tiny_cache, tasks=0) == 0  # the task ran and failed
    with pytest.raises(ReelbotError) as failed:
        await assemble_draft(service, ticket.board_id)  # the same takes: the stored failure, not a retry
    assert failed.value.key == "error.internal" and "job_id" in failed.value.details
    assert (await service.queue.depth())["fast"] == {"waiting": 0, "pending": 0, "dead": 0}
