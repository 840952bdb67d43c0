"""A draft whose LoRA the workers cannot load is refused before it is queued (issue 11, bad
input): a worker that fails to load a preset's draft adapter (warm-up preload or a job) marks
``<preset>:draft`` unavailable in Redis with a TTL, the service refuses draft requests for that
preset with the worker's reason (en + zh-TW) and queues nothing, other modes still run, and a
worker that loads the adapter clears the mark. Real Redis, SQLite, tiny Wan worker, ffmpeg."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reelbot.app.service import ReelbotService
from reelbot.app.storyboards import submit_storyboard
from reelbot.cli.wiring import worker_for
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.settings import Settings
from reelbot.domain.storyboard import parse_storyboard
from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform, SpeedMode
from reelbot.generator.cache import EngineCache
from reelbot.generator.presets import LoadContext
from reelbot.generator.speed.lora import save_tiny_lora
from reelbot.generator.worker.mode_marks import MARK_TTL_S
from reelbot.storage import jobs as job_repo
from tests.draft_presets import local_lora, tiny_draft_presets

ORIGIN = Origin(platform=Platform.DISCORD, user_id="dora", channel_id="c7", guild_id="g7")
NO_LORA, BAD_LORA = "e2e-marks-no-lora", "e2e-marks-bad-lora"
BOARD = """
preset: {preset}
seed: 3
steps: 2
fps: 8
shots:
  - prompt: a paper boat on a lake
    seconds: 0.5
  - prompt: the boat drifts under a bridge
    seconds: 0.5
    speed: draft
"""


@pytest.fixture
def test_presets() -> Iterator[None]:
    """Two tiny presets whose draft LoRA is absent / made for a wider model, removed afterwards."""
    with tiny_draft_presets(
        {NO_LORA: local_lora("absent.safetensors"), BAD_LORA: local_lora("wrong.safetensors")}
    ):
        yield


def _settings(settings: Settings, **update: object) -> Settings:
    limits = settings.limits.model_copy(update={"max_pending_jobs_per_user": 10})
    return settings.model_copy(update={"limits": limits, **update})


def _cache(settings: Settings) -> EngineCache:
    return EngineCache(LoadContext(device="cpu", dtype="float32", cache_dir=str(_models(settings))))


def _models(settings: Settings) -> Path:
    return settings.data_dir / "models"


def _request(preset: str, speed: SpeedMode | None) -> GenerationRequest:
    return GenerationRequest(prompt="a kite", preset=preset, speed=speed, seed=3, seconds=1.0, origin=ORIGIN)


async def _refused(service: ReelbotService, request: GenerationRequest, key: str) -> InvalidRequest:
    """Submit ``request``, expect the refusal, and check nothing was stored or queued."""
    before = await service.jobs_for(Platform.DISCORD, ORIGIN.user_id, active_only=False)
    with pytest.raises(InvalidRequest) as info:
        await service.submit(request, idempotency_key=f"refused-{request.preset}-{len(before)}")
    assert await service.jobs_for(Platform.DISCORD, ORIGIN.user_id, active_only=False) == before
    depth = await service.queue.depth()
    assert all(lane["waiting"] + lane["pending"] == 0 for lane in depth.values())
    assert info.value.key == key
    return info.value


async def _done(service: ReelbotService, request: GenerationRequest, key: str, cache: EngineCache) -> object:
    ticket = await service.submit(request, idempotency_key=key)
    assert ticket.state is JobState.QUEUED
    await worker_for(service, name=f"w-{key}", burst=True, cache=cache).run()
    return await service.run_db(job_repo.get_job, job_id=ticket.job_id)


async def test_a_warm_up_that_cannot_load_draft_marks_it_until_the_file_is_there(
    settings: Settings, test_presets: None
) -> None:
    settings = _settings(settings, preset=NO_LORA)  # the warm-up loads the default preset
    cache = _cache(settings)
    service = await ReelbotService.open(settings)
    mark = service.keys.mode_unavailable(NO_LORA, "draft")
    try:
        assert await service.redis.get(mark) is None  # nobody has said anything yet

        await worker_for(service, name="warm-1", burst=True, warm_up=True, cache=cache).run()
        assert (await service.redis.get(mark)).startswith(b"generator.lora_missing|")
        assert 0 < await service.redis.ttl(mark) <= MARK_TTL_S

        refusal = await _refused(service, _request(NO_LORA, SpeedMode.DRAFT), "generator.lora_missing")
        en, zh = refusal.render("en"), refusal.render("zh-TW")
        assert en.startswith(f"Draft mode of preset {NO_LORA} is not available") and "quality" in en
        assert "草稿" in zh and "品質" in zh and NO_LORA in zh
        assert "safetensors" not in en + zh and "/" not in en + zh
        # The server's default mode resolves to draft: refused too, never silently downgraded.
        engine = settings.engine.model_copy(update={"speed": SpeedMode.DRAFT})
        service.settings = settings.model_copy(update={"engine": engine})
        await _refused(service, _request(NO_LORA, None), "generator.lora_missing")
        service.settings = settings

        quality = await _done(service, _request(NO_LORA, SpeedMode.QUALITY), "quality", cache)
        assert quality.state == JobState.DONE.value  # type: ignore[attr-defined]
        tiny_draft = await _done(service, _request("tiny", SpeedMode.DRAFT), "tiny-draft", cache)
        assert tiny_draft.state == JobState.DONE.value  # type: ignore[attr-defined]

        await service.redis.expire(mark, 10)  # another failure refreshes the TTL
        await worker_for(service, name="warm-2", burst=True, warm_up=True, cache=cache).run()
        assert await service.redis.ttl(mark) > 10

        save_tiny_lora(_models(settings) / "loras" / NO_LORA / "absent.safetensors")  # the operator's fix
        await worker_for(service, name="warm-3", burst=True, warm_up=True, cache=cache).run()
        assert await service.redis.exists(mark) == 0
        draft = await _done(service, _request(NO_LORA, SpeedMode.DRAFT), "draft-after-fix", cache)
    finally:
        await service.close()
    assert draft.state == JobState.DONE.value  # type: ignore[attr-defined]
    assert draft.render_report["lora"] == "absent.safetensors"  # type: ignore[attr-defined]
    assert draft.render_report["passes"] == 4  # type: ignore[attr-defined]


async def test_a_job_that_cannot_load_draft_marks_it_and_a_job_that_loads_clears_it(
    settings: Settings, test_presets: None
) -> None:
    from diffusers import WanTransformer3DModel

    from reelbot.generator.tiny import TINY_WAN_TRANSFORMER

    settings = _settings(settings)
    wider = WanTransformer3DModel(**{**TINY_WAN_TRANSFORMER, "attention_head_dim": 16}, in_channels=16)
    save_tiny_lora(_models(settings) / "loras" / BAD_LORA / "wrong.safetensors", transformer=wider)
    cache = _cache(settings)
    service = await ReelbotService.open(settings)
    bad_mark = service.keys.mode_unavailable(BAD_LORA, "draft")
    tiny_mark = service.keys.mode_unavailable("tiny", "draft")
    try:
        failed = await _done(service, _request(BAD_LORA, SpeedMode.DRAFT), "bad-draft", cache)
        assert (failed.state, failed.error_key) == (JobState.FAILED.value, "generator.lora_mismatch")  # type: ignore[attr-defined]
        assert 0 < await service.redis.ttl(bad_mark) <= MARK_TTL_S
        refusal = await _refused(service, _request(BAD_LORA, SpeedMode.DRAFT), "generator.lora_mismatch")
        assert "do not fit" in refusal.render("en") and "不相符" in refusal.render("zh-TW")
        parsed = parse_storyboard(BOARD.format(preset=BAD_LORA), "YAML")  # shot 1 quality, shot 2 draft
        with pytest.raises(InvalidRequest) as info:
            await submit_storyboard(service, parsed, ORIGIN, images_by_name={}, idempotency_key="sb-marked")
        assert info.value.key == "generator.lora_mismatch"
        jobs = await service.jobs_for(Platform.DISCORD, ORIGIN.user_id, active_only=False)
        assert len(jobs) == 1  # the failed draft only: shot 1 was not queued and cancelled

        # Mixed fleet: a draft queued before another worker's failure; this worker loads it → cleared.
        ticket = await service.submit(_request("tiny", SpeedMode.DRAFT), idempotency_key="tiny-draft")
        await service.redis.set(tiny_mark, "generator.lora_missing", ex=MARK_TTL_S)
        await worker_for(service, name="loads", burst=True, cache=cache).run()
        tiny = await service.run_db(job_repo.get_job, job_id=ticket.job_id)
        assert await service.redis.exists(tiny_mark) == 0
    finally:
        await service.close()
    assert tiny.state == JobState.DONE.value and tiny.render_report["lora"]  # type: ignore[union-attr]
