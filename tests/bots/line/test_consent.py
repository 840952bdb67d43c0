"""Consent for faces on LINE: the question with two postbacks, nothing queued until the uploader
confirms, a decline never queued, a forged postback refused.

Real line-bot-sdk against the fake Messaging API, the real service (face detection with OpenCV on
scikit-image's astronaut photo, Redis queue, SQLite).
"""

from __future__ import annotations

import uuid
from importlib import resources

import pytest

from reelbot.domain.types import JobState
from tests.bots.line.conftest import (
    Harness,
    deliver_all,
    image_event,
    last_reply,
    postback_event,
    push_texts,
    reply_texts,
    text_event,
    waiting_in_queue,
)
from tests.fakes.line_api import Content


@pytest.fixture(scope="module")
def face_png() -> bytes:
    return (resources.files("skimage") / "data" / "astronaut.png").read_bytes()


async def face_job(harness: Harness, face_png: bytes, message_id: str) -> uuid.UUID:
    """Send a face photo and a prompt; return the id of the job that now awaits consent."""
    harness.fake.contents[message_id] = Content(face_png, "image/png")
    await harness.send(image_event(message_id))
    await harness.send(text_event("讓太空人揮手"))
    quick = last_reply(harness)["quickReply"]["items"]
    action, job = quick[0]["action"]["data"].split(":", 1)
    assert action == "consent"
    return uuid.UUID(job)


async def test_face_photo_asks_for_consent_and_queues_only_when_confirmed(
    harness: Harness, face_png: bytes
) -> None:
    job_id = await face_job(harness, face_png, "face1")
    short = str(job_id)[:8]
    message = last_reply(harness)
    assert message["text"] == (
        f"你的參考圖中有真人的臉。請確認你已取得當事人同意，才能用他的樣貌製作影片（工作 {short}）。"
    )
    items = [(i["action"]["label"], i["action"]["data"]) for i in message["quickReply"]["items"]]
    assert items == [("我已取得同意", f"consent:{job_id}"), ("取消", f"decline:{job_id}")]
    assert (await harness.service.job(job_id)).state is JobState.AWAITING_CONSENT
    assert await waiting_in_queue(harness) == 0
    assert harness.fake.calls_to("/v2/bot/chat/loading/start") == []  # nothing is rendering

    # A forged postback (another user replaying the data) is refused and changes nothing.
    await harness.send(postback_event(f"consent:{job_id}", user="Umallory"))
    assert reply_texts(harness.fake)[-1] == f"只有上傳圖片的人可以為工作 {job_id} 確認同意。"
    await harness.send(postback_event(f"decline:{job_id}", user="Umallory", group="Cgroup1"))
    assert reply_texts(harness.fake)[-1] == f"只有上傳圖片的人可以為工作 {job_id} 確認同意。"
    assert (await harness.service.job(job_id)).state is JobState.AWAITING_CONSENT
    assert await waiting_in_queue(harness) == 0

    # The uploader confirms: queued now, with 取消 under the answer.
    await harness.send(postback_event(f"consent:{job_id}"))
    message = last_reply(harness)
    assert message["text"] == f"謝謝，已記錄同意。工作 {short} 已開始排隊。"
    assert [i["action"]["data"] for i in message["quickReply"]["items"]] == [f"cancel:{job_id}"]
    view = await harness.service.job(job_id)
    assert view.state is JobState.QUEUED and view.position == 1
    assert await waiting_in_queue(harness) == 1
    assert len(harness.fake.calls_to("/v2/bot/chat/loading/start")) == 1

    # A double tap is harmless: still one queued job.
    await harness.send(postback_event(f"consent:{job_id}"))
    assert await waiting_in_queue(harness) == 1
    assert await harness.job_count() == 1


async def test_declined_face_job_is_never_queued_and_costs_no_push(harness: Harness, face_png: bytes) -> None:
    harness.fake.profiles["Ualice"] = {"displayName": "Alice", "language": "en"}
    job_id = await face_job(harness, face_png, "face2")
    labels = [i["action"]["label"] for i in last_reply(harness)["quickReply"]["items"]]
    assert labels == ["I have their consent", "Cancel"]
    await harness.send(postback_event(f"decline:{job_id}"))
    assert reply_texts(harness.fake)[-1] == f"OK, job {str(job_id)[:8]} was cancelled and will not be made."
    view = await harness.service.job(job_id)
    assert view.state is JobState.CANCELLED and view.error_key == "consent.declined"
    # Confirming after declining does not bring it back.
    await harness.send(postback_event(f"consent:{job_id}"))
    expected = f"Job {str(job_id)[:8]} is not waiting for consent (it is cancelled)."
    assert reply_texts(harness.fake)[-1] == expected
    assert (await harness.service.job(job_id)).state is JobState.CANCELLED
    assert await waiting_in_queue(harness) == 0
    # The reply already told the user: the delivery loop does not push "cancelled" as well.
    await deliver_all(harness)
    assert push_texts(harness.fake) == []


async def test_malformed_job_postbacks_are_refused(harness: Harness) -> None:
    await harness.send(postback_event("consent:not-a-uuid"))
    await harness.send(postback_event(f"consent:{uuid.uuid4()}"))
    texts = reply_texts(harness.fake)
    assert texts[0] == "這個按鈕已經失效了，請重新輸入提示詞。"
    assert texts[1].startswith("找不到工作")
    assert await harness.job_count() == 0


async def test_cancel_also_withdraws_a_job_awaiting_consent(harness: Harness, face_png: bytes) -> None:
    job_id = await face_job(harness, face_png, "face3")
    await harness.send(text_event("取消"))
    assert reply_texts(harness.fake)[-1] == f"已取消工作 {str(job_id)[:8]}。"
    assert (await harness.service.job(job_id)).state is JobState.CANCELLED
    await harness.send(postback_event(f"consent:{job_id}"))  # the old question's button
    assert reply_texts(harness.fake)[-1] == f"工作 {str(job_id)[:8]} 並未等待同意確認（目前狀態：已取消）。"
    assert await waiting_in_queue(harness) == 0
    await deliver_all(harness)
    assert push_texts(harness.fake) == []


async def test_in_a_group_only_the_uploader_can_answer(harness: Harness, face_png: bytes) -> None:
    harness.fake.contents["gface"] = Content(face_png, "image/png")
    await harness.send(image_event("gface", group="Cgroup2"))  # remembered, not downloaded yet
    await harness.send(text_event("/video 讓太空人揮手", group="Cgroup2"))
    message = last_reply(harness)
    consent_data, decline_data = (i["action"]["data"] for i in message["quickReply"]["items"])
    job_id = uuid.UUID(consent_data.split(":", 1)[1])
    assert (await harness.service.job(job_id)).request.origin.channel_id == "Cgroup2"
    # Every member sees the quick replies; another member's taps change nothing.
    await harness.send(postback_event(consent_data, user="Ubob", group="Cgroup2"))
    await harness.send(postback_event(decline_data, user="Ubob", group="Cgroup2"))
    assert reply_texts(harness.fake)[-2:] == [f"只有上傳圖片的人可以為工作 {job_id} 確認同意。"] * 2
    assert (await harness.service.job(job_id)).state is JobState.AWAITING_CONSENT
    assert await waiting_in_queue(harness) == 0
    await harness.send(postback_event(consent_data, group="Cgroup2"))
    assert (await harness.service.job(job_id)).state is JobState.QUEUED
    assert await waiting_in_queue(harness) == 1
    assert harness.fake.calls_to("/v2/bot/chat/loading/start") == []  # groups: no animation
