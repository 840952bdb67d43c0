"""Info shows what the clip's render really ran: a /video in draft, rendered by the real tiny
worker, then Info in en and zh-TW names the mode, the steps, the counted transformer passes,
what the cache answered and the GPU-seconds the worker stored (real discord.py, fake Discord)."""

from __future__ import annotations

from typing import Any

from reelbot.app.service import ReelbotService
from reelbot.bots.common.actions import custom_id
from reelbot.storage import jobs as job_repo
from tests.bots.discord.helpers import clip_id_of, clip_posts, followups, message_for, render_all, wait_jobs
from tests.fakes.discord_api import FakeDiscord


async def test_info_names_the_stored_render_report(
    fake: FakeDiscord, service: ReelbotService, start_bot: Any
) -> None:
    ann = fake.user(name="ann")
    async with start_bot():
        await fake.send_interaction(fake.slash("video", {"prompt": "a heron", "speed": "draft"}, user=ann))
        (job,) = await wait_jobs(fake, service, ann["id"], 1)
        assert await render_all(service) == 1
        posts = await fake.wait_for(lambda: clip_posts(fake), what="draft clip posted")
        message = message_for(fake, posts[0])
        clip_id = clip_id_of(message)
        answers = {}
        for locale in ("en-US", "zh-TW"):
            click = fake.click(message, custom_id("info", clip_id), user=ann, locale=locale)
            inter = await fake.send_interaction(click)
            reply = await fake.wait_for(lambda i=inter: followups(fake, i.token), what="info reply")
            answers[locale] = reply[0].json["content"]
    row = await service.run_db(job_repo.get_job, job_id=job.id)
    report = row.render_report
    assert (report["mode"], report["steps"], report["passes"], report["passes_skipped"]) == ("draft", 4, 4, 0)
    seconds = f"{report['gpu_seconds']:.1f}"
    en, zh = answers["en-US"], answers["zh-TW"]
    assert "a heron" in en and "a heron" in zh  # the recipe is still there
    assert "draft (fastest) · 4 steps · 4 transformer passes (0 answered by the cache)" in en
    assert f"attention native · whole · {seconds} GPU-seconds" in en
    assert "tiny_draft_lora.safetensors" in en and "peak GPU memory" not in en  # a CPU has no GPU peak
    assert "草稿（最快）・4 步・Transformer 運算 4 次（其中 0 次由快取回答）" in zh
    assert f"GPU {seconds} 秒" in zh and "蒸餾權重 tiny_draft_lora.safetensors" in zh
