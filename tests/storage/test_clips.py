"""Clip repository: lineage across three generations, children, soft delete keeps the audit row."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlmodel import Session

from reelbot.domain.types import GenerationRequest, RemixKind
from reelbot.storage import clips, jobs
from reelbot.storage.models import Clip, Job


def _finish(
    session: Session,
    request: GenerationRequest,
    *,
    video_key: str | None = None,
) -> Clip:
    job = jobs.create_job(session=session, request=request, idempotency_key=uuid.uuid4().hex)
    jobs.mark_running(session=session, job_id=job.id)
    clip_id = uuid.uuid4()
    clip = jobs.mark_done(
        session=session,
        job_id=job.id,
        clip_id=clip_id,
        video_key=video_key or f"clips/{clip_id}.mp4",
        thumbnail_key=f"thumbs/{clip_id}.jpg",
        size_bytes=1000,
        width=480,
        height=832,
        fps=16,
        num_frames=33,
        duration_s=2.0,
    )
    assert clip is not None and clip.id == clip_id
    return clip


def test_lineage_three_levels_root_first(
    session: Session, make_request: Callable[..., GenerationRequest]
) -> None:
    root = _finish(session, make_request("a lighthouse at night"))
    remix = _finish(
        session, make_request("a lighthouse in a storm", parent_clip_id=root.id, remix_kind=RemixKind.REMIX)
    )
    extended = _finish(session, make_request("…", parent_clip_id=remix.id, remix_kind=RemixKind.EXTEND))
    sibling = _finish(session, make_request("x", parent_clip_id=root.id, remix_kind=RemixKind.REROLL))

    chain = clips.lineage(session=session, clip_id=extended.id)
    assert [c.id for c in chain] == [root.id, remix.id, extended.id]
    assert [c.depth for c in chain] == [0, 1, 2]
    assert {c.root_clip_id for c in chain} == {root.id}
    assert clips.lineage_summary(session=session, clip_id=extended.id) == [
        (root.id, None),
        (remix.id, RemixKind.REMIX),
        (extended.id, RemixKind.EXTEND),
    ]
    assert [c.id for c in clips.lineage(session=session, clip_id=root.id)] == [root.id]
    assert clips.lineage(session=session, clip_id=uuid.uuid4()) == []
    assert [c.id for c in clips.children(session=session, clip_id=root.id)] == [remix.id, sibling.id]
    assert clips.children(session=session, clip_id=extended.id) == []


def test_soft_delete_clears_media_keeps_row_and_lineage(
    session: Session, make_request: Callable[..., GenerationRequest]
) -> None:
    root = _finish(session, make_request())
    child = _finish(session, make_request(parent_clip_id=root.id, remix_kind=RemixKind.VARY))
    keys = clips.soft_delete_clip(session=session, clip_id=root.id, deleted_by="mod-1")
    assert keys == [f"clips/{root.id}.mp4", f"thumbs/{root.id}.jpg"]
    assert clips.soft_delete_clip(session=session, clip_id=root.id) == []  # already deleted
    assert clips.get_clip(session=session, clip_id=root.id, include_deleted=False) is None
    row = clips.get_clip(session=session, clip_id=root.id)
    assert row is not None and row.deleted and row.deleted_by == "mod-1"
    assert (row.video_key, row.thumbnail_key) == (None, None)
    # the audit trail stays answerable: job, recipe and author
    job = session.get(Job, row.job_id)
    assert job is not None and job.request().prompt == "a cat surfing at sunset"
    assert [c.id for c in clips.lineage(session=session, clip_id=child.id)] == [root.id, child.id]
    assert clips.children(session=session, clip_id=root.id) == [child]
    assert clips.get_clip_for_job(session=session, job_id=child.job_id) == child
    mine = clips.clips_for_user(session=session, user_id=root.user_id, include_deleted=True)
    assert [c.id for c in mine] == [root.id]
    assert clips.clips_for_user(session=session, user_id=root.user_id) == []
