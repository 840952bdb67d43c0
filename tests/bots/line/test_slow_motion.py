"""A clip action registered by one line shows up as a LINE quick reply and works end to end."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from reelbot.app.actions import register_action, unregister_action
from reelbot.bots.line import outgoing
from reelbot.domain.types import GenerationRequest, Origin, Platform, RemixKind
from reelbot.storage import jobs as job_repo
from reelbot.storage.db import session_scope
from tests.bots.line.conftest import Harness, postback_event, reply_texts
from tests.jobrecords import finish_job
from tests.slowmo_action import SLOW_MOTION


@pytest.fixture
def slow_motion() -> Iterator[None]:
    register_action(SLOW_MOTION)  # the one line
    try:
        yield
    finally:
        unregister_action(SLOW_MOTION.name)


async def test_slow_motion_is_a_quick_reply_and_makes_a_job(harness: Harness, slow_motion: None) -> None:
    author = Origin(platform=Platform.LINE, user_id="Uauthor", channel_id="Uauthor", locale="zh-TW")
    request = GenerationRequest(prompt="a heron lands", origin=author, preset="tiny", seed=7)
    with session_scope(harness.service.db) as session:
        job_id = job_repo.create_job(session=session, request=request, idempotency_key=uuid.uuid4().hex).id
    clip = finish_job(harness.service.db, job_id)

    quick = outgoing.clip_quick_reply(clip.id, "zh-TW", harness.bot.config)
    labels = {item.action.label: item.action.data for item in quick.items}
    assert labels["慢動作"] == f"reelbot:slowmo:{clip.id}"

    await harness.send(postback_event(f"reelbot:slowmo:{clip.id}"))
    (job,) = await harness.service.jobs_for(Platform.LINE, "Ualice")
    assert job.request.prompt == "a heron lands, in slow motion"
    assert job.request.parent_clip_id == clip.id and job.request.remix_kind is RemixKind.REMIX
    assert reply_texts(harness.fake)[-1].startswith("排隊中")


async def test_vary_strong_is_choosable_on_line(harness: Harness) -> None:
    author = Origin(platform=Platform.LINE, user_id="Uauthor", channel_id="Uauthor", locale="zh-TW")
    request = GenerationRequest(prompt="a lantern drifts", origin=author, preset="tiny", seed=3)
    with session_scope(harness.service.db) as session:
        job_id = job_repo.create_job(session=session, request=request, idempotency_key=uuid.uuid4().hex).id
    clip = finish_job(harness.service.db, job_id)
    await harness.send(postback_event(f"reelbot:varystrong:{clip.id}"))
    (job,) = await harness.service.jobs_for(Platform.LINE, "Ualice")
    assert job.request.variation is not None and job.request.variation.value == "strong"
    assert job.request.seed == 3  # same seed, stronger perturbation
