"""Speed modes on the real tiny Wan pipelines: counted passes, a real LoRA, a real cache hook."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from reelbot.cli import app
from reelbot.cli.lang import set_lang
from reelbot.domain.errors import ReelbotError
from reelbot.domain.presets import CacheSpec, LoraSource, ModeSpec, get_preset
from reelbot.domain.settings import Settings, load_settings
from reelbot.domain.types import Aspect, GenerationRequest, Origin, Platform, SpeedMode
from reelbot.generator.cache import EngineCache, check_fits
from reelbot.generator.encode import probe
from reelbot.generator.presets import PRESETS, LoadContext, register_preset
from reelbot.generator.runner import render_request
from reelbot.generator.speed.lora import save_tiny_lora
from reelbot.generator.speed.modes import control_for
from reelbot.generator.tiny import TinyWanEngine, build_tiny_transformer, load_tiny

pytestmark = pytest.mark.slow
ORIGIN = Origin(platform=Platform.CLI, user_id="speed")


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def cache(models: Path) -> EngineCache:
    return EngineCache(LoadContext(device="cpu", dtype="float32", cache_dir=str(models)))


@pytest.fixture(scope="module")
def settings(models: Path) -> Settings:
    return load_settings(_env_file=None, device="cpu", preset="tiny", data_dir=models.parent)


def _request(speed: SpeedMode, steps: int = 30, preset: str = "tiny") -> GenerationRequest:
    return GenerationRequest(
        prompt="a cat walking",
        aspect=Aspect.LANDSCAPE,
        seconds=1.0,
        fps=4,
        seed=7,
        steps=steps,
        speed=speed,
        preset=preset,
        origin=ORIGIN,
    )


@pytest.fixture
def counted(cache: EngineCache) -> Iterator[list[int]]:
    """The test's own count of the real transformers' forward calls (independent of the report)."""
    engine = cache.get("tiny")
    assert isinstance(engine, TinyWanEngine)
    calls = [0]
    handles = [
        pipe.transformer.register_forward_hook(lambda *_: calls.__setitem__(0, calls[0] + 1))
        for pipe in (engine.t2v, engine.i2v)
    ]
    yield calls
    for handle in handles:
        handle.remove()


def _render(request: GenerationRequest, settings: Settings, cache: EngineCache) -> Any:
    return render_request(request, {}, settings=settings, cache=cache, on_step=lambda s, t: True)


def test_draft_runs_ten_times_fewer_counted_passes_than_quality(
    settings: Settings, cache: EngineCache, counted: list[int]
) -> None:
    quality = _render(_request(SpeedMode.QUALITY), settings, cache)
    quality_calls, counted[0] = counted[0], 0
    draft = _render(_request(SpeedMode.DRAFT), settings, cache)
    assert quality.report.passes == quality_calls == 60  # 30 steps × (cond + uncond)
    assert draft.report.passes == counted[0] == 4  # 4 distilled steps, guidance 1
    assert quality.report.passes >= 10 * draft.report.passes
    assert (draft.report.mode, draft.report.steps, draft.report.lora) == (
        "draft",
        4,
        "tiny_draft_lora.safetensors",
    )
    assert quality.frames.shape == draft.frames.shape == (5, 144, 256, 3)
    assert json.loads(json.dumps(draft.report.to_dict()))["passes"] == 4


def test_switching_modes_keeps_the_warm_base_model(settings: Settings, cache: EngineCache) -> None:
    engine = cache.get("tiny")
    transformer = engine.t2v.transformer  # type: ignore[attr-defined]
    before = _render(_request(SpeedMode.QUALITY, steps=4), settings, cache).frames
    draft = _render(_request(SpeedMode.DRAFT), settings, cache)
    after = _render(_request(SpeedMode.QUALITY, steps=4), settings, cache).frames
    assert cache.get("tiny") is engine and engine.t2v.transformer is transformer  # type: ignore[attr-defined]
    assert "draft" in engine.t2v.get_list_adapters()["transformer"]  # type: ignore[attr-defined]
    assert np.array_equal(before, after)  # the adapter is really off again in quality
    assert draft.report.lora is not None


def test_every_draft_runs_with_its_adapter_even_after_it_was_switched_off(
    settings: Settings, models: Path
) -> None:
    """A quality render switches the adapter off (disable_lora), and so does the worker's warm-up
    right after loading it; the next draft must switch it on again, not only pick it
    (set_adapters alone left the layers disabled: every later draft ran the base model)."""
    fresh = EngineCache(LoadContext(device="cpu", dtype="float32", cache_dir=str(models)))
    first = _render(_request(SpeedMode.DRAFT), settings, fresh).frames  # loaded now: on
    _render(_request(SpeedMode.QUALITY, steps=4), settings, fresh)
    again = _render(_request(SpeedMode.DRAFT), settings, fresh).frames
    preloaded = EngineCache(LoadContext(device="cpu", dtype="float32", cache_dir=str(models)))
    control_for(preloaded.get("tiny"), get_preset("tiny"), preloaded.context).preload()
    warmed = _render(_request(SpeedMode.DRAFT), settings, preloaded).frames
    assert np.array_equal(first, again) and np.array_equal(first, warmed)


def test_a_lora_made_here_is_loaded_through_load_lora_weights(tmp_path: Path) -> None:
    path = save_tiny_lora(tmp_path / "mine.safetensors", seed=5)
    engine = load_tiny(LoadContext(device="cpu", dtype="float32", cache_dir=str(tmp_path)))
    assert isinstance(engine, TinyWanEngine)
    job_pipe = engine.t2v
    job = dict(
        prompt="a cat",
        height=64,
        width=64,
        num_frames=5,
        num_inference_steps=2,
        guidance_scale=1.0,
        output_type="latent",
        max_sequence_length=64,
    )
    import torch

    plain = job_pipe(generator=torch.Generator().manual_seed(1), **job).frames
    job_pipe.load_lora_weights(str(path.parent), weight_name=path.name, adapter_name="mine")
    adapted = job_pipe(generator=torch.Generator().manual_seed(1), **job).frames
    assert job_pipe.get_list_adapters() == {"transformer": ["mine"]}
    assert not torch.equal(plain, adapted)


def test_balanced_skips_passes_and_says_how_much_the_output_moved(
    settings: Settings, cache: EngineCache, counted: list[int]
) -> None:
    quality = _render(_request(SpeedMode.QUALITY), settings, cache)
    counted[0] = 0
    balanced = _render(_request(SpeedMode.BALANCED), settings, cache)
    report = balanced.report
    assert report.passes == counted[0] == 60  # the transformer is still called every pass...
    assert 0 < report.passes_skipped < report.passes  # ...but the cache answered some of them
    difference = np.abs(quality.frames.astype(float) - balanced.frames.astype(float)).mean() / 255
    print(f"balanced: {report.passes_skipped}/{report.passes} passes skipped, mean |Δ| = {difference:.2e}")
    assert difference > 0  # skipping is not free: the output differs from quality


def test_magcache_skips_passes_on_the_tiny_model(settings: Settings, cache: EngineCache) -> None:
    """The other caching hook a preset may name (``CacheSpec(kind="mag")``, diffusers' MagCache
    with per-step magnitude ratios): real skips on the real transformer, and an output difference."""
    name = "test-tiny-magcache"
    if name not in PRESETS:
        mag = CacheSpec(kind="mag", threshold=0.5, mag_ratios=(1.0,) * 20)
        balanced = ModeSpec(steps=4, guidance=5.0, cache=mag)
        tiny = get_preset("tiny")
        register_preset(
            dataclasses.replace(tiny, name=name, group="test", extra_modes={SpeedMode.BALANCED: balanced})
        )(load_tiny)
    quality = _render(_request(SpeedMode.QUALITY, steps=20, preset=name), settings, cache)
    cached = _render(_request(SpeedMode.BALANCED, steps=20, preset=name), settings, cache)
    assert quality.report.passes == cached.report.passes == 40 and quality.report.passes_skipped == 0
    assert 0 < cached.report.passes_skipped < cached.report.passes
    assert not np.array_equal(quality.frames, cached.frames)


def test_motion_mitigation_runs_full_guidance_steps_first(settings: Settings, cache: EngineCache) -> None:
    tiny = get_preset("tiny")
    name = "test-tiny-motion"
    if name not in PRESETS:
        draft = dataclasses.replace(tiny.modes[SpeedMode.DRAFT], motion_steps=2, motion_guidance=5.0)
        register_preset(
            dataclasses.replace(tiny, name=name, group="test", extra_modes={SpeedMode.DRAFT: draft})
        )(load_tiny)
    mitigated = settings.model_copy(
        update={"engine": settings.engine.model_copy(update={"motion_mitigation": True})}
    )
    rendered = _render(_request(SpeedMode.DRAFT, preset=name), mitigated, cache)
    assert rendered.report.steps == 6
    assert rendered.report.passes == 2 * 2 + 4 * 1  # two CFG steps, then four distilled ones


def _register_lora_test_preset(name: str, weight_name: str) -> None:
    if name in PRESETS:
        return
    tiny = get_preset("tiny")
    draft = ModeSpec(
        steps=4,
        guidance=1.0,
        fixed_steps=True,
        lora=LoraSource(repo=None, weight_name=weight_name, licence="test"),
    )
    register_preset(dataclasses.replace(tiny, name=name, group="test", extra_modes={SpeedMode.DRAFT: draft}))(
        load_tiny
    )


def test_a_missing_lora_file_is_one_clear_message(
    settings: Settings, cache: EngineCache, caplog: pytest.LogCaptureFixture
) -> None:
    _register_lora_test_preset("test-tiny-no-lora", "absent.safetensors")
    with (
        caplog.at_level(logging.ERROR, logger="reelbot.generator.speed.lora"),
        pytest.raises(ReelbotError) as info,
    ):
        _render(_request(SpeedMode.DRAFT, preset="test-tiny-no-lora"), settings, cache)
    assert info.value.key == "generator.lora_missing"
    en, zh = info.value.render("en"), info.value.render("zh-TW")
    assert "Draft mode" in en and "草稿" in zh and "權重" in zh
    assert "absent.safetensors" not in en + zh  # the server's path is for its log, not the chat
    assert any("absent.safetensors" in record.getMessage() for record in caplog.records)
    # the worker keeps serving: the same warm cache still renders quality
    assert _render(_request(SpeedMode.QUALITY, steps=2), settings, cache).report.passes == 4


def test_a_wrong_shape_lora_is_one_clear_message(
    models: Path, settings: Settings, cache: EngineCache, caplog: pytest.LogCaptureFixture
) -> None:
    _register_lora_test_preset("test-tiny-bad-lora", "wrong_shape.safetensors")
    from diffusers import WanTransformer3DModel

    from reelbot.generator.tiny import TINY_WAN_TRANSFORMER

    wider = WanTransformer3DModel(**{**TINY_WAN_TRANSFORMER, "attention_head_dim": 16}, in_channels=16)
    save_tiny_lora(models / "loras" / "test-tiny-bad-lora" / "wrong_shape.safetensors", transformer=wider)
    with (
        caplog.at_level(logging.ERROR, logger="reelbot.generator.speed.lora"),
        pytest.raises(ReelbotError) as info,
    ):
        _render(_request(SpeedMode.DRAFT, preset="test-tiny-bad-lora"), settings, cache)
    assert info.value.key == "generator.lora_mismatch"
    assert "不相符" in info.value.render("zh-TW") and "wrong_shape" not in info.value.render("zh-TW")
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "wrong_shape.safetensors" in logged and "does not fit the model" in logged
    assert build_tiny_transformer(16, 1) is not None


def test_a_card_too_small_is_refused_before_loading() -> None:
    with pytest.raises(ReelbotError) as info:
        check_fits(get_preset("wan-2.2-t2v-a14b"), 4.0)
    assert info.value.key == "generator.card_too_small"
    assert "4 GB" in info.value.render("en") and "GPU" in info.value.render("zh-TW")
    check_fits(get_preset("wan-2.1-t2v-1.3b"), 24.0)  # fits: no error


def test_cli_generate_json_prints_the_report_and_writes_valid_clips(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"REELBOT_DATA_DIR": str(tmp_path), "REELBOT_DEVICE": "cpu", "REELBOT_PRESET": "tiny"}
    reports = {}
    for speed in ("quality", "draft"):
        out = tmp_path / f"{speed}.mp4"
        args = [
            "generate",
            "a cat",
            "--preset",
            "tiny",
            "--steps",
            "30",
            "--speed",
            speed,
            "--json",
            "-o",
            str(out),
            "--seconds",
            "1",
            "--fps",
            "4",
            "--seed",
            "3",
        ]
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 0, result.output
        printed = json.loads(result.stdout)  # stdout is one JSON document (pipes into jq)
        assert printed["clip"]["path"] == str(out) and printed["clip"]["speed"] == speed
        reports[speed] = printed["report"]
        info = probe(out)
        assert info.num_frames == 5 and info.codec == "h264"
    assert reports["quality"]["passes"] == 60 and reports["draft"]["passes"] == 4
    bad = runner.invoke(app, ["generate", "a cat", "--preset", "tiny-ltx", "--speed", "draft"], env=env)
    assert bad.exit_code == 1 and "error: Preset tiny-ltx has no draft mode" in bad.output
    assert "quality" in bad.output
    zh = ["--lang", "zh-TW", "generate", "a cat", "--preset", "tiny-ltx", "--speed", "draft"]
    try:
        bad_zh = runner.invoke(app, zh, env=env)
    finally:
        set_lang(None)  # --lang sets the process's CLI language; the next test starts from the default
    assert bad_zh.exit_code == 1 and "錯誤：模型 tiny-ltx 沒有 draft 模式" in bad_zh.output


def test_wan22_a14b_two_experts_load_and_draft_through_both(tmp_path: Path) -> None:
    """The A14B loader on a tiny two-expert checkpoint: quality runs both experts (counted),
    draft loads the high-noise LoRA into ``transformer`` and the low-noise one into ``transformer_2``."""
    from diffusers import WanPipeline

    from reelbot.generator.presets import engine_loader
    from reelbot.generator.speed.modes import control_for
    from reelbot.generator.tiny import build_tiny_components

    parts = build_tiny_components()
    two = WanPipeline(
        tokenizer=parts.tokenizer,
        text_encoder=parts.text_encoder,
        vae=parts.vae,
        scheduler=parts.scheduler,
        transformer=build_tiny_transformer(16, 31),
        transformer_2=build_tiny_transformer(16, 32),
        boundary_ratio=0.875,
    )
    two.save_pretrained(tmp_path / "wan-2.2-t2v-a14b")
    spec = get_preset("wan-2.2-t2v-a14b")
    lora = spec.modes[SpeedMode.DRAFT].lora
    assert lora is not None and lora.weight_name_2 is not None
    for name, seed in ((lora.weight_name, 1), (lora.weight_name_2, 2)):
        save_tiny_lora(tmp_path / "loras" / spec.name / name, seed=seed)
    ctx = LoadContext(device="cpu", dtype="float32", cache_dir=str(tmp_path))
    load = engine_loader(spec.name)
    assert load is not None
    engine = load(ctx)
    assert engine.t2v.transformer_2 is not None and engine.t2v.config.boundary_ratio == 0.875
    control = control_for(engine, spec, ctx)
    assert len(control.transformers) == 2
    from reelbot.generator.presets import RenderJob

    base = RenderJob(
        prompt="a cat",
        negative_prompt="",
        width=64,
        height=64,
        num_frames=5,
        fps=8,
        steps=8,
        guidance=4.0,
        seed=1,
    )
    with control.session(base) as session:
        engine.render(base, lambda s, t: True)
    assert session.report is not None and session.report.passes == 16  # 8 steps × CFG, split over two experts
    draft = dataclasses.replace(base, steps=4, guidance=1.0, speed=SpeedMode.DRAFT)
    with control.session(draft) as session:
        first_draft = engine.render(draft, lambda s, t: True)
    assert session.report is not None and session.report.passes == 4
    adapters = engine.t2v.get_list_adapters()
    assert "draft" in adapters["transformer"] and "draft_2" in adapters["transformer_2"]
    # Motion mitigation as shipped for A14B: two steps of the high-noise expert undistilled at
    # the checkpoint's guidance (CFG: two passes each), then the distilled four.
    mitigated = control.job_for(draft, True)
    assert (mitigated.steps, mitigated.guidance) == (6, spec.default_guidance)
    with control.session(mitigated, mitigate=True) as session:
        engine.render(mitigated, lambda s, t: True)
    assert session.report is not None and session.report.passes == 2 * 2 + 4
    # After quality switched both adapters off, the next draft switches both experts' on again.
    with control.session(base):
        engine.render(base, lambda s, t: True)
    with control.session(draft):
        assert np.array_equal(engine.render(draft, lambda s, t: True), first_draft)
