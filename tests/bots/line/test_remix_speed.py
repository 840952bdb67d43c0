"""LINE 改提示 keeps the parent's speed mode unless the new prompt picks another with 速度:…
(before, a 速度: typed there was parsed and dropped). Real webhook, Redis, SQLite, tiny worker."""

from __future__ import annotations

from reelbot.cli.wiring import worker_for
from reelbot.domain.types import Platform, RemixKind, SpeedMode
from tests.bots.line.conftest import Harness, postback_event, text_event


async def test_remix_prompt_keeps_or_picks_the_mode(harness: Harness) -> None:
    await harness.send(text_event("一盞燈籠漂過河面 速度:草稿 秒數:1 seed:5"))
    await worker_for(harness.service, name="line-remix-speed", burst=True).run()
    (parent,) = await harness.service.jobs_for(Platform.LINE, "Ualice", active_only=False)
    assert parent.request.speed is SpeedMode.DRAFT and parent.clip_id is not None

    for text in ("一艘紙船漂過河面", "一隻白鷺鷥 速度:品質"):
        await harness.send(postback_event(f"reelbot:remix:{parent.clip_id}"))
        await harness.send(text_event(text))
    remixes = [
        job
        for job in await harness.service.jobs_for(Platform.LINE, "Ualice", active_only=True)
        if job.request.remix_kind is RemixKind.REMIX
    ]
    modes = {job.request.prompt: job.request.speed for job in remixes}
    assert modes == {"一艘紙船漂過河面": SpeedMode.DRAFT, "一隻白鷺鷥": SpeedMode.QUALITY}
