"""Render in quality on LINE: 高畫質重算 is a quick reply under a draft clip's push only; its
postback queues the same recipe in quality; on a quality clip it is one clear refusal."""

from __future__ import annotations

import uuid
from typing import Any

from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.types import GenerationRequest, Origin, Platform, RemixKind, SpeedMode
from reelbot.storage import jobs as job_repo
from reelbot.storage.db import session_scope
from tests.bots.line.conftest import Harness, postback_event, reply_texts
from tests.bots.line.test_deliver import fresh_deliverer
from tests.jobrecords import finish_job

AUTHOR = Origin(platform=Platform.LINE, user_id="Uauthor", channel_id="Uauthor", locale="zh-TW")


def _clip(harness: Harness, speed: SpeedMode | None) -> Any:
    request = GenerationRequest(prompt="一盞燈籠漂過河面", origin=AUTHOR, preset="tiny", seed=11, speed=speed)
    with session_scope(harness.service.db) as session:
        job_id = job_repo.create_job(session=session, request=request, idempotency_key=uuid.uuid4().hex).id
    return job_id, finish_job(harness.service.db, job_id)


async def _pushed_labels(harness: Harness, speed: SpeedMode | None) -> tuple[uuid.UUID, list[str]]:
    job_id, clip = _clip(harness, speed)
    event = JobEvent(kind=EventKind.DONE, job_id=job_id, origin=AUTHOR, clip_id=clip.id)
    assert await fresh_deliverer(harness).deliver(event) is True
    push = [d for d in harness.fake.delivered if d["via"] == "push"][-1]
    items = push["messages"][0]["quickReply"]["items"]
    return clip.id, [item["action"]["label"] for item in items]


async def test_quality_quick_reply_only_under_a_draft_clip(harness: Harness) -> None:
    draft_id, labels = await _pushed_labels(harness, SpeedMode.DRAFT)
    assert "高畫質重算" in labels
    _, labels = await _pushed_labels(harness, SpeedMode.QUALITY)
    assert "高畫質重算" not in labels and "重新生成" in labels
    _, labels = await _pushed_labels(harness, None)  # the server default here: quality
    assert "高畫質重算" not in labels

    await harness.send(postback_event(f"reelbot:quality:{draft_id}"))
    (job,) = await harness.service.jobs_for(Platform.LINE, "Ualice")
    assert job.request.speed is SpeedMode.QUALITY and job.request.remix_kind is RemixKind.QUALITY
    assert (job.request.seed, job.request.prompt, job.request.parent_clip_id) == (
        11,
        "一盞燈籠漂過河面",
        draft_id,
    )


async def test_quality_on_a_quality_clip_is_refused(harness: Harness) -> None:
    _, clip = _clip(harness, SpeedMode.QUALITY)
    await harness.send(postback_event(f"reelbot:quality:{clip.id}"))
    assert await harness.service.jobs_for(Platform.LINE, "Ualice") == []
    assert reply_texts(harness.fake)[-1] == "這支影片已經是高畫質（或是延長的片段），不需要再重算。"
