"""Bad speed-mode input on the real path (issue 11, "How it will be checked"): a draft whose LoRA
file is missing, a LoRA made for another model, a preset the worker's card cannot hold — each job
fails with one clear message in en and zh-TW, and the same worker goes on serving the other
presets and modes; what the service can know up front (a mode the preset lacks, a preset too big
for the stated card) is refused before anything is queued. Real Redis, SQLite, tiny Wan, ffmpeg."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from reelbot.app.service import ReelbotService
from reelbot.cli.wiring import worker_for
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.messages import render
from reelbot.domain.presets import PRESETS, LoraSource, MemoryNeeds, ModeSpec, get_preset
from reelbot.domain.settings import Settings
from reelbot.domain.types import GenerationRequest, JobState, Origin, Platform, SpeedMode
from reelbot.generator.cache import EngineCache
from reelbot.generator.presets import ENGINE_LOADERS, LoadContext, register_preset
from reelbot.generator.speed.lora import save_tiny_lora
from reelbot.generator.tiny import load_tiny
from reelbot.storage import jobs as job_repo

ORIGIN = Origin(platform=Platform.DISCORD, user_id="dora", channel_id="c7", guild_id="g7")
NO_LORA, BAD_LORA, HUGE = "e2e-tiny-no-lora", "e2e-tiny-bad-lora", "e2e-tiny-huge"


@pytest.fixture
def test_presets() -> Iterator[None]:
    """Three tiny presets made for this test, removed again afterwards."""
    tiny = get_preset("tiny")

    def draft(weight_name: str) -> ModeSpec:
        lora = LoraSource(repo=None, weight_name=weight_name, licence="test")
        return ModeSpec(steps=4, guidance=1.0, fixed_steps=True, lora=lora)

    huge = MemoryNeeds(transformer_gb=60.0, text_encoder_gb=11.4, vae_gb=0.5, activations_gb=8.0)
    drafts = {NO_LORA: draft("absent.safetensors"), BAD_LORA: draft("wrong.safetensors")}
    specs = [
        *(
            dataclasses.replace(tiny, name=name, group=name, extra_modes={SpeedMode.DRAFT: mode})
            for name, mode in drafts.items()
        ),
        dataclasses.replace(tiny, name=HUGE, group=HUGE, memory=huge),
    ]
    for spec in specs:
        register_preset(spec)(load_tiny)
    try:
        yield
    finally:
        for spec in specs:
            PRESETS.pop(spec.name, None)
            ENGINE_LOADERS.pop(spec.name, None)


def _wrong_shape_lora(models: Path) -> None:
    from diffusers import WanTransformer3DModel

    from reelbot.generator.tiny import TINY_WAN_TRANSFORMER

    wider = WanTransformer3DModel(**{**TINY_WAN_TRANSFORMER, "attention_head_dim": 16}, in_channels=16)
    save_tiny_lora(models / "loras" / BAD_LORA / "wrong.safetensors", transformer=wider)


def _request(preset: str, speed: SpeedMode) -> GenerationRequest:
    return GenerationRequest(prompt="a kite", preset=preset, speed=speed, seed=3, seconds=1.0, origin=ORIGIN)


def _reason(row: object, locale: str) -> str:
    detail = json.loads(row.error_detail) if row.error_detail else {}  # type: ignore[attr-defined]
    return render(row.error_key, locale, **detail)  # type: ignore[attr-defined]


async def test_bad_speed_jobs_fail_clearly_and_the_worker_keeps_serving(
    settings: Settings, test_presets: None
) -> None:
    limits = settings.limits.model_copy(update={"max_pending_jobs_per_user": 10})
    settings = settings.model_copy(update={"limits": limits})
    models = settings.data_dir / "models"
    _wrong_shape_lora(models)
    # The worker's card holds 4 GB (the service was not told: it routes as if it fits).
    cache = EngineCache(LoadContext(device="cpu", dtype="float32", cache_dir=str(models), card_gb=4.0))
    service = await ReelbotService.open(settings)
    try:
        cases = {
            "missing lora": _request(NO_LORA, SpeedMode.DRAFT),
            "wrong-shape lora": _request(BAD_LORA, SpeedMode.DRAFT),
            "same preset in quality": _request(BAD_LORA, SpeedMode.QUALITY),
            "card too small": _request(HUGE, SpeedMode.QUALITY),
            "tiny quality": _request("tiny", SpeedMode.QUALITY),
            "tiny draft": _request("tiny", SpeedMode.DRAFT),
        }
        tickets = {
            name: await service.submit(request, idempotency_key=f"bad-speed-{name}")
            for name, request in cases.items()
        }
        await worker_for(service, name="serving", burst=True, cache=cache).run()
        rows = {
            name: await service.run_db(job_repo.get_job, job_id=ticket.job_id)
            for name, ticket in tickets.items()
        }
    finally:
        await service.close()

    states = {name: (row.state, row.error_key) for name, row in rows.items()}
    assert states == {
        "missing lora": (JobState.FAILED.value, "generator.lora_missing"),
        "wrong-shape lora": (JobState.FAILED.value, "generator.lora_mismatch"),
        "same preset in quality": (JobState.DONE.value, None),  # the failed adapter left nothing behind
        "card too small": (JobState.FAILED.value, "generator.card_too_small"),
        "tiny quality": (JobState.DONE.value, None),
        "tiny draft": (JobState.DONE.value, None),
    }
    assert rows["tiny draft"].render_report["passes"] == 4
    assert rows["same preset in quality"].render_report["lora"] is None
    missing_en, missing_zh = (_reason(rows["missing lora"], loc) for loc in ("en", "zh-TW"))
    assert NO_LORA in missing_en and "missing" in missing_en and "權重" in missing_zh and "草稿" in missing_zh
    wrong_en, wrong_zh = (_reason(rows["wrong-shape lora"], loc) for loc in ("en", "zh-TW"))
    assert "do not fit" in wrong_en and "不相符" in wrong_zh
    for text in (missing_en, missing_zh, wrong_en, wrong_zh):  # the server's paths stay in its log
        assert "safetensors" not in text and "/" not in text
    small_en, small_zh = (_reason(rows["card too small"], loc) for loc in ("en", "zh-TW"))
    assert "4 GB" in small_en and "4 GB" in small_zh and HUGE in small_zh
    for text in (missing_en, missing_zh, wrong_en, wrong_zh, small_en, small_zh):
        assert "Traceback" not in text and "{" not in text


async def test_what_the_service_can_know_is_refused_before_queueing(
    settings: Settings, test_presets: None
) -> None:
    engine = settings.engine.model_copy(update={"gpu_memory_gb": 4.0})
    service = await ReelbotService.open(settings.model_copy(update={"engine": engine}))
    try:
        refusals = {}
        for name, request in {
            "mode the preset lacks": _request("tiny-ltx", SpeedMode.DRAFT),
            "preset too big for the card": _request(HUGE, SpeedMode.QUALITY),
        }.items():
            with pytest.raises(InvalidRequest) as info:
                await service.submit(request, idempotency_key=f"refused-{name}")
            refusals[name] = info.value
        depth = await service.queue.depth()
        jobs = await service.jobs_for(Platform.DISCORD, ORIGIN.user_id, active_only=False)
    finally:
        await service.close()
    lacks, big = refusals["mode the preset lacks"], refusals["preset too big for the card"]
    assert (lacks.key, big.key) == ("request.speed_unsupported", "request.preset_too_big")
    assert (
        "draft" in lacks.render("en") and "quality" in lacks.render("en") and "模式" in lacks.render("zh-TW")
    )
    assert "4 GB" in big.render("en") and "4 GB" in big.render("zh-TW")
    assert jobs == [] and all(lane["waiting"] + lane["pending"] == 0 for lane in depth.values())
