"""End to end: a LINE prompt becomes a real clip pushed back as a LINE video message.

Real Redis, SQLite, media store and a real worker rendering with the tiny diffusers preset;
the real line-bot-sdk client against the fake Messaging API; the media URLs are fetched from
the bot's own media routes over TLS, with a range request, as LINE's servers would.
"""

from __future__ import annotations

import uuid
from typing import Any

from reelbot.bots.common.actions import clip_actions
from reelbot.cli.wiring import worker_for
from reelbot.domain.events import EventKind
from reelbot.domain.types import Platform, RemixKind
from tests.bots.line.conftest import Harness, postback_event, reply_texts, text_event


def video_pushes(harness: Harness) -> list[dict[str, Any]]:
    return [d for d in harness.fake.delivered if d["via"] == "push" and d["messages"][0]["type"] == "video"]


async def render_and_deliver(harness: Harness, expected_videos: int) -> None:
    await worker_for(harness.service, name="line-e2e", burst=True).run()
    harness.bot.deliverer.retry_delay_s = 0
    for _ in range(100):
        await harness.bot.deliverer.step()
        if len(video_pushes(harness)) >= expected_videos:
            return
    raise AssertionError(f"expected {expected_videos} video push(es), got {harness.fake.delivered}")


def clip_id_of(push: dict[str, Any]) -> uuid.UUID:
    data = push["messages"][0]["quickReply"]["items"][0]["action"]["data"]
    return uuid.UUID(data.rsplit(":", 1)[1])


async def test_prompt_to_pushed_video_then_vary_gives_a_child_clip(harness: Harness) -> None:
    harness.bot.config.events_block_ms = 10
    await harness.send(text_event("一隻紅色紙船漂在湖上 秒數:1 seed:3"))
    assert reply_texts(harness.fake)[0].startswith("排隊中，第 1 位")
    harness.fake.fail_next_push = 1  # LINE hiccups once: the event stays pending and is retried
    await render_and_deliver(harness, 1)

    (push,) = video_pushes(harness)
    pushes = harness.fake.pushes
    assert len(pushes) == 2 and pushes[0].headers["X-Line-Retry-Key"] == pushes[1].headers["X-Line-Retry-Key"]
    assert push["to"] == "Ualice"
    (video,) = push["messages"]  # ONE push: the video carries the quick replies
    for key in ("originalContentUrl", "previewImageUrl"):
        assert video[key].startswith(harness.base_url + "/media/") and len(video[key]) <= 2000
    items = video["quickReply"]["items"]
    assert [i["action"]["label"] for i in items] == [
        "重新生成",
        "變化",
        "大幅變化",
        "延長",
        "循環",
        "改提示",
        "輸出成 Shorts",
        "資訊",
        "換個速度",  # tiny offers other modes: the takes behind one reply (test_mode_takes.py)
    ]
    assert len(items) <= 13
    clip_id = clip_id_of(push)
    shown = clip_actions("line", await harness.service.clip(clip_id), harness.service.settings)
    assert items[-1]["action"]["data"] == f"modes:{clip_id}"
    for item, action in zip(items[:-1], [a.name for a in shown], strict=True):
        assert item["action"]["type"] == "postback"
        assert item["action"]["data"] == f"reelbot:{action}:{clip_id}"
        assert len(item["action"]["data"]) <= 300 and len(item["action"]["label"]) <= 20
    # The loading animation was shown at submission and again when rendering started.
    assert len(harness.fake.calls_to("/v2/bot/chat/loading/start")) == 2

    # What LINE's servers would fetch: the mp4 (with ranges) and the JPEG preview, over HTTPS.
    async with harness.http.get(video["originalContentUrl"]) as response:
        assert response.status == 200 and response.headers["Content-Type"] == "video/mp4"
        mp4 = await response.read()
    assert mp4[4:8] == b"ftyp"
    async with harness.http.get(video["originalContentUrl"], headers={"Range": "bytes=0-99"}) as response:
        assert response.status == 206
        assert response.headers["Content-Range"] == f"bytes 0-99/{len(mp4)}"
        assert await response.read() == mp4[:100]
    async with harness.http.get(video["previewImageUrl"]) as response:
        assert response.status == 200 and response.headers["Content-Type"] == "image/jpeg"
        preview = await response.read()
    assert preview[:3] == b"\xff\xd8\xff" and len(preview) <= 1_000_000
    async with harness.http.get(f"{harness.base_url}/c/{clip_id}") as response:
        assert response.status == 200 and "一隻紅色紙船漂在湖上" in await response.text()

    # The done event delivered again (a crash before the ack): LINE sees the retry key, no double.
    stream = harness.bot.deliverer.stream
    entries = await harness.service.redis.xrange(stream.keys.events("line"))  # type: ignore[attr-defined]
    assert entries
    (done,) = [
        e
        for _, fields in entries
        for e in [harness_event(fields)]
        if e is not None and e.kind is EventKind.DONE
    ]
    assert await harness.bot.deliverer.deliver(done)
    assert len(video_pushes(harness)) == 1

    # 變化 on the clip → a child clip with lineage, pushed the same way.
    await harness.send(postback_event(f"reelbot:vary:{clip_id}"))
    assert reply_texts(harness.fake)[-1].startswith("排隊中")
    await render_and_deliver(harness, 2)
    child_id = clip_id_of(video_pushes(harness)[1])
    child = await harness.service.clip(child_id)
    assert child.parent_clip_id == clip_id and child.remix_kind is RemixKind.VARY
    assert child.lineage == [(clip_id, None), (child_id, RemixKind.VARY)]
    assert child.request.seed == 3  # vary keeps the seed

    # 改提示: the next text from this user is the new prompt of a remix of that clip.
    await harness.send(postback_event(f"reelbot:remix:{clip_id}"))
    assert reply_texts(harness.fake)[-1].startswith("請輸入新的提示詞")
    await harness.send(text_event("一隻藍色紙船"))
    jobs = await harness.service.jobs_for(Platform.LINE, "Ualice", active_only=True)
    remix = [j for j in jobs if j.request.remix_kind is RemixKind.REMIX]
    assert len(remix) == 1
    assert remix[0].request.prompt == "一隻藍色紙船" and remix[0].request.parent_clip_id == clip_id

    # 資訊 answers with the recipe and the share link.
    await harness.send(postback_event(f"reelbot:info:{child_id}"))
    info = reply_texts(harness.fake)[-1]
    assert "種子 3" in info and f"/c/{child_id}" in info and "變化" in info


def harness_event(fields: dict[bytes, bytes]) -> Any:
    from reelbot.domain.events import JobEvent

    for value in fields.values():
        try:
            return JobEvent.from_json(value)
        except ValueError:
            continue
    return None
