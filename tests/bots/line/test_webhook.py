"""The webhook: signatures on the raw body, fast 200, dedupe, who is addressed, replies, language.

Real service (Redis + SQLite), real line-bot-sdk against the fake Messaging API, webhooks posted
over TLS to the bot's real aiohttp app with real signatures.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from reelbot.domain.types import Platform
from tests.bots.line.conftest import (
    CHANNEL_SECRET,
    Harness,
    postback_event,
    reply_texts,
    text_event,
)


async def test_forged_and_missing_signatures_are_400_and_queue_nothing(harness: Harness) -> None:
    body = json.dumps({"destination": "Ubot", "events": [text_event("一隻貓")]}).encode()
    forged = base64.b64encode(hmac.new(b"not-the-secret", body, hashlib.sha256).digest()).decode()
    assert (await harness.post(body, signature=forged))[0] == 400
    assert (await harness.post(body, signature=None))[0] == 400
    assert (await harness.post(body, signature=""))[0] == 400
    # A signature of another body does not cover this one (tampered in transit).
    other = base64.b64encode(hmac.new(CHANNEL_SECRET.encode(), body + b" ", hashlib.sha256).digest()).decode()
    assert (await harness.post(body, signature=other))[0] == 400
    await harness.settle()
    assert await harness.job_count() == 0
    assert harness.fake.calls == []


async def test_malformed_json_with_a_valid_signature_is_400(harness: Harness) -> None:
    for body in (b"{not json", b'{"events": "nope"}', b"[]", "\udcff".encode("utf-8", "surrogatepass")):
        assert (await harness.post(body))[0] == 400
    assert await harness.job_count() == 0


async def test_one_to_one_prompt_is_queued_with_reply_and_loading(harness: Harness) -> None:
    await harness.send(text_event("一隻貓在雨中的東京街頭散步 比例:1:1 seed:7", reply_token="rt-1"))
    assert reply_texts(harness.fake) == ["排隊中，第 1 位。完成後會把影片傳給你。"]
    assert harness.fake.replies[0].body["replyToken"] == "rt-1"
    loading = harness.fake.calls_to("/v2/bot/chat/loading/start")
    assert [c.body for c in loading] == [{"chatId": "Ualice", "loadingSeconds": 20}]
    jobs = await harness.service.jobs_for(Platform.LINE, "Ualice")
    assert len(jobs) == 1
    request = jobs[0].request
    assert request.prompt == "一隻貓在雨中的東京街頭散步"
    assert request.aspect.value == "1:1" and request.seed == 7
    assert request.origin.channel_id == "Ualice" and request.origin.locale == "zh-TW"
    assert harness.fake.pushes == []  # the answer used the free reply token


async def test_redelivered_event_makes_one_job_and_one_reply(harness: Harness) -> None:
    event = text_event("海邊的日落", event_id="01JREDELIVERED0000000000")
    await harness.send(event)
    again = {**event, "deliveryContext": {"isRedelivery": True}, "replyToken": "rt-other"}
    await harness.send(again)
    await harness.send(again)
    assert await harness.job_count() == 1
    assert len(harness.fake.replies) == 1


async def test_group_message_without_mention_or_trigger_is_ignored(harness: Harness) -> None:
    await harness.send(text_event("今天的影片很好看", group="Cgroup1"))
    await harness.send(text_event("一隻貓在跳舞", group="Cgroup1"))
    assert await harness.job_count() == 0
    assert harness.fake.calls == []  # not even a profile lookup


async def test_group_message_with_mention_or_trigger_is_a_prompt(harness: Harness) -> None:
    await harness.send(text_event("@reelbot 一隻貓在跳舞", group="Cgroup1", mention_self_at=(0, 8)))
    await harness.send(text_event("/video 夜晚的城市", group="Cgroup1", user="Ubob"))
    jobs = await harness.service.jobs_for(Platform.LINE, "Ualice")
    assert [j.request.prompt for j in jobs] == ["一隻貓在跳舞"]
    assert jobs[0].request.origin.channel_id == "Cgroup1"
    bob = await harness.service.jobs_for(Platform.LINE, "Ubob")
    assert [j.request.prompt for j in bob] == ["夜晚的城市"]
    assert len(reply_texts(harness.fake)) == 2
    # The loading animation is for 1:1 chats only.
    assert harness.fake.calls_to("/v2/bot/chat/loading/start") == []


async def test_english_when_the_profile_says_so_and_cached(harness: Harness) -> None:
    harness.fake.profiles["Ubob"] = {"displayName": "Bob", "language": "en"}
    await harness.send(text_event("help", user="Ubob"))
    await harness.send(text_event("a red paper boat", user="Ubob"))
    texts = reply_texts(harness.fake)
    assert "aspect:16:9" in texts[0] and "/end" in texts[0]
    assert texts[1].startswith("Queued — number 1 in line")
    assert len(harness.fake.calls_to("/v2/bot/profile/Ubob")) == 1  # cached after the first


async def test_help_in_chinese_documents_the_syntax(harness: Harness) -> None:
    await harness.send(text_event("說明"))
    (text,) = reply_texts(harness.fake)
    for word in ("比例:16:9", "秒數:4", "seed:42", "結尾", "角色", "風格", "重新生成", "改提示"):
        assert word in text
    assert await harness.job_count() == 0


async def test_bad_option_gets_a_clear_reply_and_no_job(harness: Harness) -> None:
    await harness.send(text_event("貓 比例:4:3"))
    await harness.send(text_event("貓 秒數:999"))
    texts = reply_texts(harness.fake)
    assert texts[0] == "不支援的比例 4:3，請選擇：9:16, 1:1, 16:9。"
    assert "影片長度必須介於" in texts[1]
    assert await harness.job_count() == 0


async def test_expired_reply_token_falls_back_to_one_push(harness: Harness) -> None:
    event = text_event("一隻貓", reply_token="expired-token")
    await harness.send(event)
    assert reply_texts(harness.fake) == []
    pushes = harness.fake.pushes
    assert len(pushes) == 1
    assert pushes[0].body["to"] == "Ualice"
    assert pushes[0].body["messages"][0]["text"].startswith("排隊中")
    assert pushes[0].headers["X-Line-Retry-Key"]
    assert await harness.bot.state.pushes_this_month() == 1
    assert await harness.job_count() == 1


async def test_unknown_postback_is_answered_and_queues_nothing(harness: Harness) -> None:
    await harness.send(postback_event("rm -rf /"))
    await harness.send(postback_event("reelbot:explode:3f1c9a4e-1111-4222-8333-944455556666"))
    await harness.send(postback_event("reelbot:reroll:3f1c9a4e-1111-4222-8333-944455556666"))
    texts = reply_texts(harness.fake)
    assert texts[:2] == ["這個按鈕已經失效了，請重新輸入提示詞。"] * 2
    assert texts[2] == "這支影片已經不存在了。"
    assert await harness.job_count() == 0


async def test_hourly_user_limit_and_push_quota(harness: Harness) -> None:
    harness.bot.config.user_jobs_per_hour = 1
    await harness.send(text_event("第一支"))
    await harness.send(text_event("第二支"))
    texts = reply_texts(harness.fake)
    assert texts[1] == "你這個小時已經生成 1 支影片（上限 1 支），請稍後再試。"
    assert await harness.job_count() == 1
    harness.bot.config.user_jobs_per_hour = 10
    harness.bot.config.push_quota_monthly = 1
    await harness.bot.state.count_push()
    await harness.send(text_event("第三支"))
    assert reply_texts(harness.fake)[2] == "本月的訊息額度已經用完，暫時無法生成影片。"
    assert await harness.job_count() == 1


async def test_group_hourly_limit(harness: Harness) -> None:
    harness.bot.config.group_jobs_per_hour = 1
    await harness.send(text_event("/video 第一支", group="Cgroup9", user="Ua"))
    await harness.send(text_event("/video 第二支", group="Cgroup9", user="Ub"))
    assert reply_texts(harness.fake)[1] == "這個群組這個小時已經生成 1 支影片（上限 1 支），請稍後再試。"
    assert await harness.job_count() == 1


async def test_unknown_standby_and_follow_events(harness: Harness) -> None:
    unknown = {**text_event("x"), "type": "somethingNew"}
    unknown.pop("message")
    standby = {**text_event("一隻貓"), "mode": "standby"}
    follow = {**text_event("x"), "type": "follow", "follow": {"isUnblocked": False}}
    follow.pop("message")
    await harness.send(unknown, standby, follow)
    assert await harness.job_count() == 0
    (welcome,) = reply_texts(harness.fake)  # only the follow event is answered: with the help text
    assert "比例:16:9" in welcome


async def test_trigger_alone_shows_help_not_an_error(harness: Harness) -> None:
    await harness.send(text_event("/video", group="Cgroup1"))
    (text,) = reply_texts(harness.fake)
    assert "比例:16:9" in text
    assert await harness.job_count() == 0


async def test_a_failure_after_the_job_was_created_names_the_job(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job renders anyway, so the apology must not say "no job" (error.internal with its id)."""

    async def broken_answer(*args: object) -> None:  # fault injection: our own bookkeeping fails
        raise RuntimeError("answer bookkeeping unavailable")

    monkeypatch.setattr(harness.bot.handler, "accepted", broken_answer)
    event = text_event("一隻貓在跳舞")
    await harness.send(event)
    (job,) = await harness.service.jobs_for(Platform.LINE, "Ualice")
    assert reply_texts(harness.fake) == [f"系統發生錯誤（工作 {str(job.id)[:8]}），請再試一次。"]
    # A failure before any job exists still says so without an id; nothing leaks between events.
    monkeypatch.setattr(harness.bot.handler, "locale_for", broken_locale := FailOnce())
    await harness.send(text_event("用量"))
    assert broken_locale.calls == 2  # the failed call, then the apology's own (which worked)
    assert reply_texts(harness.fake)[-1] == "系統發生錯誤，請再試一次。"
    # LINE will not redeliver (the webhook answered 200), so the claim is kept: a redelivery
    # of the first event would be skipped rather than create a second job.
    replies = len(reply_texts(harness.fake))
    await harness.send(event)
    assert await harness.job_count() == 1
    assert len(reply_texts(harness.fake)) == replies  # skipped, not even "already queued"


class FailOnce:
    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, chat: object) -> str:
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("profile cache unavailable")
        return "zh-TW"
