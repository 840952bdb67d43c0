"""資訊 on LINE shows what the clip's render really ran: a prompt typed with 速度:草稿, rendered
by the real tiny worker, then the 資訊 postback names mode, steps, counted passes, what the
cache answered and the stored GPU-seconds (real webhook, Redis, SQLite, tiny Wan, ffmpeg)."""

from __future__ import annotations

from reelbot.cli.wiring import worker_for
from reelbot.domain.types import Platform, SpeedMode
from reelbot.storage import jobs as job_repo
from tests.bots.line.conftest import Harness, postback_event, reply_texts, text_event


async def test_info_names_the_stored_render_report(harness: Harness) -> None:
    await harness.send(text_event("一盞燈籠漂過河面 速度:草稿 秒數:1 seed:5"))
    await worker_for(harness.service, name="line-report", burst=True).run()
    (job,) = await harness.service.jobs_for(Platform.LINE, "Ualice", active_only=False)
    assert job.request.speed is SpeedMode.DRAFT and job.clip_id is not None
    await harness.send(postback_event(f"reelbot:info:{job.clip_id}"))
    info = reply_texts(harness.fake)[-1]
    row = await harness.service.run_db(job_repo.get_job, job_id=job.id)
    assert row.render_report["passes"] == 4
    assert "種子 5" in info  # the recipe is still there
    assert "生成：草稿（最快）・4 步・Transformer 運算 4 次（其中 0 次由快取回答）" in info
    assert f"GPU {row.render_report['gpu_seconds']:.1f} 秒" in info and "tiny_draft_lora" in info
