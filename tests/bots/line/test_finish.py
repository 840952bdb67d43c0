"""「輸出成 Shorts」 through the real webhook: the postback queues one ``finish`` task (nothing
renders in the bot), the real worker runs it from the real Redis queue, and the delivery loop
pushes the YouTube reminder and the finished 1080×1920 mp4 as a LINE video, fetched back over
the bot's own HTTPS media route."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reelbot.cli.wiring import worker_for
from reelbot.domain.types import Origin, Platform
from reelbot.generator.finish.media import stream_facts
from tests.bots.line.conftest import Harness, postback_event, reply_texts
from tests.finishclips import stored_clip

ALICE = Origin(platform=Platform.LINE, user_id="Ualice", channel_id="Ualice", locale="zh-TW")


def finished_pushes(harness: Harness) -> list[dict[str, Any]]:
    return [
        d
        for d in harness.fake.delivered
        if d["via"] == "push" and any("經過變造或合成的內容" in m.get("text", "") for m in d["messages"])
    ]


async def test_finish_postback_pushes_the_finished_short(harness: Harness, tmp_path: Path) -> None:
    clip_id = stored_clip(harness.service, tmp_path, ALICE)
    await harness.send(postback_event(f"reelbot:finish:{clip_id}"))
    answer = reply_texts(harness.fake)[-1]
    assert answer.startswith("🎬 正在把影片") and "輸出成 Shorts" in answer, answer
    assert (await harness.service.queue.depth())["fast"]["waiting"] == 1

    worker = worker_for(harness.service, name="line-finish", burst=True)
    await worker.run()
    assert (worker.jobs_done, worker.tasks.done) == (0, 1)
    harness.bot.deliverer.retry_delay_s = 0
    for _ in range(100):
        await harness.bot.deliverer.step()
        if finished_pushes(harness):
            break
    (push,) = finished_pushes(harness)
    text, video = push["messages"]
    assert "1080×1920" in text["text"] and video["type"] == "video"
    async with harness.http.get(video["originalContentUrl"]) as response:
        assert response.status == 200 and response.headers["Content-Type"] == "video/mp4"
        short = tmp_path / "short.mp4"
        short.write_bytes(await response.read())
    facts = stream_facts(short)
    assert (facts.width, facts.height, facts.fps) == (1080, 1920, 30.0)
    async with harness.http.get(video["previewImageUrl"]) as response:
        assert response.status == 200 and (await response.read())[:3] == b"\xff\xd8\xff"


async def test_finish_postback_on_a_deleted_clip_queues_nothing(harness: Harness, tmp_path: Path) -> None:
    clip_id = stored_clip(harness.service, tmp_path, ALICE)
    await harness.service.delete_clip(clip_id, by=ALICE)
    await harness.send(postback_event(f"reelbot:finish:{clip_id}"))
    assert "這支影片已經不存在了" in reply_texts(harness.fake)[-1]
    assert (await harness.service.queue.depth())["fast"]["waiting"] == 0
