"""換個速度 on LINE: under a clip whose preset offers other modes, one more quick reply answers
with the clip's takes in another mode (bots/common/modes.py); a take runs through the clip
actions' own path in that mode. Real webhook, line-bot-sdk, fake LINE API, Redis, SQLite and
the tiny worker (a draft rendered, then its re-roll in quality)."""

from __future__ import annotations

import uuid
from typing import Any

from reelbot.app.actions import get_action
from reelbot.bots.line import outgoing
from reelbot.bots.line.config import LineConfig
from reelbot.cli.wiring import worker_for
from reelbot.domain.events import EventKind, JobEvent
from reelbot.domain.types import GenerationRequest, Origin, Platform, RemixKind, SpeedMode
from reelbot.storage import jobs as job_repo
from reelbot.storage.db import session_scope
from tests.bots.line.conftest import (
    Harness,
    deliver_all,
    last_reply,
    postback_event,
    reply_texts,
    text_event,
    waiting_in_queue,
)
from tests.bots.line.test_deliver import fresh_deliverer
from tests.jobrecords import finish_job

AUTHOR = Origin(platform=Platform.LINE, user_id="Uauthor", channel_id="Uauthor", locale="zh-TW")
STALE_ZH = "這個按鈕已經失效了，請重新輸入提示詞。"
STALE_EN = "That button no longer works. Please send a new prompt."

#: The takes of a tiny draft clip: every action that keeps the mode, in quality and balanced.
DRAFT_TAKES = [
    ("重新生成・畫質優先", "reroll.quality"),
    ("重新生成・平衡", "reroll.balanced"),
    ("變化・畫質優先", "vary.quality"),
    ("變化・平衡", "vary.balanced"),
    ("大幅變化・畫質優先", "varystrong.quality"),
    ("大幅變化・平衡", "varystrong.balanced"),
    ("延長・畫質優先", "extend.quality"),
    ("延長・平衡", "extend.balanced"),
    ("循環・畫質優先", "loop.quality"),
    ("循環・平衡", "loop.balanced"),
]


def _stored_clip(harness: Harness, preset: str, speed: SpeedMode | None) -> tuple[uuid.UUID, Any]:
    request = GenerationRequest(prompt="一隻風箏", origin=AUTHOR, preset=preset, seed=3, speed=speed)
    with session_scope(harness.service.db) as session:
        job_id = job_repo.create_job(session=session, request=request, idempotency_key=uuid.uuid4().hex).id
    return job_id, finish_job(harness.service.db, job_id)


def _items(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [item["action"] for item in message["quickReply"]["items"]]


async def test_another_mode_under_a_draft_and_its_quality_reroll(harness: Harness) -> None:
    await harness.send(text_event("一盞燈籠漂過河面 速度:草稿 秒數:1 seed:5"))
    await worker_for(harness.service, name="line-mode-takes", burst=True).run()
    (parent,) = await harness.service.jobs_for(Platform.LINE, "Ualice", active_only=False)
    assert parent.request.speed is SpeedMode.DRAFT and parent.clip_id is not None
    await deliver_all(harness)
    push = [d for d in harness.fake.delivered if d["via"] == "push"][-1]
    actions = _items(push["messages"][0])
    assert len(actions) <= harness.bot.config.quick_reply_max_items
    assert actions[-1] == {
        "type": "postback",
        "label": "換個速度",
        "data": f"modes:{parent.clip_id}",
        "displayText": "換個速度",
    }
    assert "高畫質重算" in [a["label"] for a in actions]  # the draft's own quick replies stay

    pushes = len(harness.fake.pushes)
    await harness.send(postback_event(actions[-1]["data"]))
    answer = last_reply(harness)
    assert answer["text"] == "請選擇要做的動作和速度："
    takes = _items(answer)
    assert [(t["label"], t["data"]) for t in takes] == [
        (label, f"take:{value}:{parent.clip_id}") for label, value in DRAFT_TAKES
    ]
    assert all(len(t["label"]) <= 20 and t["displayText"] == t["label"] for t in takes)
    assert len(harness.fake.pushes) == pushes  # a reply: no push quota spent

    await harness.send(postback_event(takes[0]["data"]))  # 重新生成・畫質優先
    assert reply_texts(harness.fake)[-1].startswith("排隊中")
    (take,) = await harness.service.jobs_for(Platform.LINE, "Ualice", active_only=True)
    assert take.request.remix_kind is RemixKind.REROLL and take.request.speed is SpeedMode.QUALITY
    assert (take.request.prompt, take.request.parent_clip_id) == (parent.request.prompt, parent.clip_id)
    await worker_for(harness.service, name="line-mode-takes", burst=True).run()
    (done,) = [
        job
        for job in await harness.service.jobs_for(Platform.LINE, "Ualice", active_only=False)
        if job.id == take.id
    ]
    assert done.clip_id is not None
    draft_report = (await harness.service.clip(parent.clip_id)).report
    quality_report = (await harness.service.clip(done.clip_id)).report
    assert draft_report is not None and quality_report is not None
    assert (draft_report.mode, quality_report.mode) == ("draft", "quality")
    assert quality_report.passes != draft_report.passes


async def test_no_another_mode_where_the_preset_has_one_mode(harness: Harness) -> None:
    job_id, clip = _stored_clip(harness, "tiny-ltx", None)
    event = JobEvent(kind=EventKind.DONE, job_id=job_id, origin=AUTHOR, clip_id=clip.id)
    assert await fresh_deliverer(harness).deliver(event) is True
    push = [d for d in harness.fake.delivered if d["via"] == "push"][-1]
    labels = [a["label"] for a in _items(push["messages"][0])]
    assert "重新生成" in labels and "換個速度" not in labels

    await harness.send(postback_event(f"modes:{clip.id}"))  # an old or forged 換個速度
    assert reply_texts(harness.fake)[-1] == STALE_ZH


async def test_forged_takes_are_refused_and_queue_nothing(harness: Harness) -> None:
    harness.fake.profiles["Ualice"] = {"displayName": "Alice", "language": "en"}
    _, clip = _stored_clip(harness, "tiny", SpeedMode.DRAFT)
    for value in ("delete.quality", "reroll.turbo", "remix.quality", "quality.draft", "info.balanced"):
        await harness.send(postback_event(f"take:{value}:{clip.id}"))
        assert reply_texts(harness.fake)[-1] == STALE_EN, value
    assert await harness.job_count() == 1 and await waiting_in_queue(harness) == 0


async def test_a_take_in_the_clips_own_mode_is_stale_and_queues_nothing(harness: Harness) -> None:
    """Never offered, but a stale or forged postback can carry it: the same mode would just
    re-render what the plain button does. The clip's own mode is the one it ran in — asked for
    (draft), or the server default (quality) when the request named none."""
    assert harness.service.settings.engine.speed == "quality"
    _, draft = _stored_clip(harness, "tiny", SpeedMode.DRAFT)
    _, default = _stored_clip(harness, "tiny", None)
    for value, clip in (("reroll.draft", draft), ("loop.draft", draft), ("vary.quality", default)):
        await harness.send(postback_event(f"take:{value}:{clip.id}"))
        assert reply_texts(harness.fake)[-1] == STALE_ZH, value
    assert await harness.job_count() == 2 and await waiting_in_queue(harness) == 0

    await harness.send(postback_event(f"take:vary.draft:{default.id}"))  # another mode: queued
    assert reply_texts(harness.fake)[-1].startswith("排隊中")
    assert await harness.job_count() == 3 and await waiting_in_queue(harness) == 1


async def test_a_take_in_a_mode_the_preset_lacks_is_the_services_refusal(harness: Harness) -> None:
    _, clip = _stored_clip(harness, "tiny-ltx", None)
    await harness.send(postback_event(f"take:reroll.draft:{clip.id}"))
    answer = reply_texts(harness.fake)[-1]
    assert "tiny-ltx" in answer and "模式" in answer and "quality" in answer, answer
    assert await harness.job_count() == 1 and await waiting_in_queue(harness) == 0


def test_another_mode_never_makes_more_than_thirteen_items(line_config: LineConfig) -> None:
    config, clip_id = line_config, uuid.uuid4()
    reroll = get_action("reroll")
    assert reroll is not None
    for count in (config.quick_reply_max_items - 1, config.quick_reply_max_items):
        quick = outgoing.clip_quick_reply(clip_id, "en", config, [reroll] * count, other_modes=True)
        labels = [item.action.label for item in quick.items]
        assert len(labels) == config.quick_reply_max_items
        assert (labels[-1] == "Another mode") is (count < config.quick_reply_max_items)
