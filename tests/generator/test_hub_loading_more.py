"""The remaining real presets' loaders, run offline through every speed mode they offer.

Each checkpoint is a tiny random-weight pipeline of the *real* class (Wan 2.1 I2V with a CLIP
image encoder, Wan 2.2 I2V A14B with two experts, Wan 2.2 TI2V with its ×16 VAE and two entry
points on one transformer, Wan 2.1 VACE; tests/generator/wan_layouts.py) saved with ``save_pretrained``
under ``<models>/<preset name>``, with tiny draft LoRAs where the preset's draft names them; it is
loaded back by the loader a GPU worker runs and rendered through the real SpeedControl
(``render_counted``), so a GPU-only path that breaks on these classes breaks here first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.presets import get_preset, route_preset
from reelbot.domain.settings import load_settings
from reelbot.domain.types import ReferenceRole, SpeedMode
from reelbot.generator.cache import EngineCache
from reelbot.generator.hub_presets import weights_source
from reelbot.generator.presets import LoadContext, RenderJob
from reelbot.generator.runner import render_counted
from reelbot.generator.speed.lora import save_tiny_lora
from reelbot.generator.tiny import build_tiny_components, build_tiny_transformer
from reelbot.generator.tiny_vace import build_tiny_vace_pipeline
from tests.generator.wan_layouts import CLIP_WIDTH, clip_pipeline, ti2v_pipeline

pytestmark = pytest.mark.slow

FIRST, LAST, SUBJECT = ReferenceRole.FIRST_FRAME, ReferenceRole.LAST_FRAME, ReferenceRole.SUBJECT
WAN21_I2V, WAN22_I2V, VACE = "wan-2.1-i2v-14b-480p", "wan-2.2-i2v-a14b", "wan-2.1-vace-1.3b"
TI2V = "wan-2.2-ti2v-5b"
QUALITY_STEPS = 2
RED = Image.new("RGB", (120, 80), (200, 30, 30))
BLUE = Image.new("RGB", (80, 120), (30, 30, 200))
#: The references each preset's roles take (the VACE one honours every role).
REFERENCES: dict[str, dict[ReferenceRole, Image.Image]] = {
    WAN21_I2V: {FIRST: RED},
    WAN22_I2V: {FIRST: RED},
    TI2V: {FIRST: RED},
    VACE: {FIRST: RED, LAST: BLUE, SUBJECT: BLUE},
}


def save_checkpoints(root: Path) -> None:
    """The four checkpoints in the hub layout, and every draft LoRA file their specs name."""
    from diffusers import WanImageToVideoPipeline

    parts = build_tiny_components()
    clip_pipeline(parts, 51).save_pretrained(root / WAN21_I2V)
    parts.pipeline(
        WanImageToVideoPipeline,
        transformer=build_tiny_transformer(36, 52),
        transformer_2=build_tiny_transformer(36, 53),
        image_encoder=None,
        image_processor=None,
        boundary_ratio=0.9,
    ).save_pretrained(root / WAN22_I2V)
    ti2v_pipeline(parts, 54).save_pretrained(root / TI2V)
    build_tiny_vace_pipeline().save_pretrained(root / VACE)
    for name in (WAN21_I2V, WAN22_I2V, TI2V):
        lora = get_preset(name).modes[SpeedMode.DRAFT].lora
        assert lora is not None
        for seed, weight_name in enumerate((lora.weight_name, lora.weight_name_2), start=61):
            if weight_name is not None:
                save_tiny_lora(root / "loras" / name / weight_name, seed=seed)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("models")
    save_checkpoints(root)
    return root


@pytest.fixture(scope="module")
def cache(models: Path) -> EngineCache:
    return EngineCache(LoadContext(device="cpu", dtype="float32", cache_dir=str(models)))


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """A loader that reached for the hub would fail here instead of downloading."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def on_cpu(name: str) -> Any:
    """The preset as shipped but allowed on a CPU worker: the cache refuses a GPU preset on a
    CPU (``generator.gpu_required``); its loader, modes and roles are the shipped ones."""
    return dataclasses.replace(get_preset(name), needs_gpu=False)


def job_in(name: str, speed: SpeedMode, **changes: Any) -> RenderJob:
    """A 64×64, 5-frame job of ``name`` in ``speed``: draft at its fixed steps and guidance 1,
    balanced and quality at the tiny step count with the checkpoint's guidance."""
    spec = get_preset(name)
    mode = spec.modes[speed]
    steps, guidance = (mode.steps, mode.guidance) if speed is SpeedMode.DRAFT else (QUALITY_STEPS, 5.0)
    job = RenderJob(
        prompt="a cat walking",
        negative_prompt="",
        width=64,
        height=64,
        num_frames=5,
        fps=8,
        steps=steps,
        guidance=guidance,
        seed=4,
        references=REFERENCES[name],
        speed=speed,
    )
    return dataclasses.replace(job, **changes)


def counted(cache: EngineCache, name: str, speed: SpeedMode) -> tuple[np.ndarray, Any]:
    frames, report = render_counted(cache, on_cpu(name), job_in(name, speed), lambda s, t: True)
    assert report is not None and report.mode == speed.value
    assert frames.shape == (5, 64, 64, 3) and frames.dtype == np.uint8
    return frames, report


@contextmanager
def calls_of(*modules: Any) -> Iterator[list[int]]:
    """The test's own count of each module's forward calls while the block runs."""
    calls = [0] * len(modules)
    handles = [
        module.register_forward_hook(lambda *_, i=i: calls.__setitem__(i, calls[i] + 1))
        for i, module in enumerate(modules)
    ]
    try:
        yield calls
    finally:
        for handle in handles:
            handle.remove()


def test_wan21_i2v_encodes_the_first_frame_with_its_clip_encoder(cache: EngineCache, models: Path) -> None:
    spec = get_preset(WAN21_I2V)
    assert weights_source(spec, cache.context) == str(models / WAN21_I2V)  # nothing from the hub
    engine: Any = cache.get(on_cpu(WAN21_I2V))
    assert engine.t2v is None and engine.i2v.image_processor is not None
    assert engine.i2v.transformer.config.image_dim == CLIP_WIDTH
    embedder = engine.i2v.transformer.condition_embedder.image_embedder
    with calls_of(engine.i2v.image_encoder, embedder) as calls:
        counted(cache, WAN21_I2V, SpeedMode.QUALITY)
    assert calls[0] == 1 and calls[1] == QUALITY_STEPS * 2  # CLIP once, its tokens in every pass


def test_wan22_i2v_a14b_runs_both_experts_without_clip(cache: EngineCache) -> None:
    engine: Any = cache.get(on_cpu(WAN22_I2V))
    assert engine.t2v is None and engine.i2v.image_encoder is None
    assert engine.i2v.config.boundary_ratio == 0.9
    # 2 steps: t = 1000 (high noise, ≥ 900) then 750 (low noise), each with CFG.
    with calls_of(engine.i2v.transformer, engine.i2v.transformer_2) as calls:
        _frames, report = counted(cache, WAN22_I2V, SpeedMode.QUALITY)
    assert calls == [2, 2] and report.passes == 4


@pytest.mark.parametrize("name", [WAN21_I2V, WAN22_I2V, VACE])
def test_bf16_loading_keeps_the_wan_vae_in_float32(models: Path, name: str) -> None:
    """What a GPU worker loads (bf16), on the CPU: the transformer(s) in bf16, the Wan VAE and
    Wan 2.1's CLIP image encoder in float32 like diffusers' own examples (VACE loaded the VAE in
    bf16, Wan 2.1 I2V the encoder), and a render still works."""
    import torch

    bf16 = EngineCache(LoadContext(device="cpu", dtype="bfloat16", cache_dir=str(models)))
    engine: Any = bf16.get(on_cpu(name))
    pipe = engine.pipe if name == VACE else engine.i2v
    assert pipe.vae.dtype == torch.float32 and pipe.transformer.dtype == torch.bfloat16
    if name == WAN21_I2V:
        assert pipe.image_encoder.dtype == torch.float32
    assert getattr(pipe, "transformer_2", None) is None or pipe.transformer_2.dtype == torch.bfloat16
    frames, _report = counted(bf16, name, SpeedMode.QUALITY)
    assert frames.std() > 0


@pytest.mark.parametrize("name", [WAN21_I2V, WAN22_I2V, TI2V, VACE])
def test_every_mode_counts_its_passes(cache: EngineCache, name: str) -> None:
    """Draft first, then quality and balanced, then draft again: the passes each mode counts on
    the real transformers, and the second draft equal to the first (the adapter back on)."""
    spec = get_preset(name)
    draft_mode = spec.mode(SpeedMode.DRAFT)
    first_draft = counted(cache, name, SpeedMode.DRAFT) if draft_mode else None
    _quality, quality_report = counted(cache, name, SpeedMode.QUALITY)
    assert quality_report.passes == QUALITY_STEPS * 2 and quality_report.passes_skipped == 0
    _balanced, balanced_report = counted(cache, name, SpeedMode.BALANCED)
    assert balanced_report.passes == quality_report.passes and balanced_report.passes_skipped >= 0
    if first_draft is None:
        assert set(spec.modes) == {SpeedMode.QUALITY, SpeedMode.BALANCED}
        return
    frames, report = first_draft
    assert draft_mode is not None and draft_mode.lora is not None
    assert report.passes == draft_mode.steps and report.lora == draft_mode.lora.weight_name
    again, _report = counted(cache, name, SpeedMode.DRAFT)
    assert np.array_equal(again, frames)
    # The same schedule with the adapter off differs: the draft ran with its LoRA.
    schedule = {"steps": draft_mode.steps, "guidance": 1.0}
    plain, _report = render_counted(cache, on_cpu(name), job_in(name, SpeedMode.QUALITY, **schedule), _go)
    assert not np.array_equal(again, plain)


def test_ti2v_draft_loads_once_into_the_shared_transformer_for_both_entry_points(
    cache: EngineCache, models: Path
) -> None:
    """Wan 2.2 TI2V's text and image pipelines share one transformer: its Turbo LoRA goes in once
    (a second load of the same adapter is refused by diffusers), and drafts from a first frame
    and from text alone both run with it. The weight name holds the hub repo's folders; the
    operator's local copy sits under the same folders."""
    lora = get_preset(TI2V).modes[SpeedMode.DRAFT].lora
    assert lora is not None and "/" in lora.weight_name
    assert (models / "loras" / TI2V / lora.weight_name).is_file()
    engine: Any = cache.get(on_cpu(TI2V))
    assert engine.i2v.transformer is engine.t2v.transformer
    for references in (REFERENCES[TI2V], {}):
        frames, report = render_counted(
            cache, on_cpu(TI2V), job_in(TI2V, SpeedMode.DRAFT, references=references), _go
        )
        assert report is not None and report.passes == 4 and report.lora == lora.weight_name
        plain, _report = render_counted(
            cache,
            on_cpu(TI2V),
            job_in(TI2V, SpeedMode.QUALITY, references=references, steps=4, guidance=1.0),
            _go,
        )
        assert not np.array_equal(frames, plain)  # the draft ran with the adapter on
    assert engine.t2v.get_list_adapters()["transformer"] == ["draft"]


def test_ti2v_on_a_24_gb_card_plan_drafts_from_both_entry_points(models: Path) -> None:
    """The 24 GB card's plan for TI2V 5B is model CPU offload (on the first pipeline, as
    ``tuning._place`` does), its draft LoRA loaded afterwards as the warm-up loads it. Run with the
    CPU as the execution device (diffusers' re-enable after the LoRA load is bound to it; a
    CUDA worker's default is its GPU): both entry points draft with the adapter and give the
    frames of the engine without offload."""
    import functools

    from reelbot.generator.speed.modes import control_for

    plain = EngineCache(LoadContext(device="cpu", dtype="float32", cache_dir=str(models)))
    offloaded = EngineCache(LoadContext(device="cpu", dtype="float32", cache_dir=str(models)))
    engine: Any = offloaded.get(on_cpu(TI2V))
    for pipe in (engine.t2v, engine.i2v):
        pipe.enable_model_cpu_offload = functools.partial(pipe.enable_model_cpu_offload, device="cpu")
    engine.t2v.enable_model_cpu_offload()
    control_for(engine, on_cpu(TI2V), offloaded.context).preload()
    assert engine.t2v.transformer._hf_hook is not None
    for references in (REFERENCES[TI2V], {}):
        job = job_in(TI2V, SpeedMode.DRAFT, references=references)
        got, report = render_counted(offloaded, on_cpu(TI2V), job, _go)
        want, _report = render_counted(plain, on_cpu(TI2V), job, _go)
        assert report is not None and report.passes == 4
        assert np.array_equal(got, want)


def test_a_draft_adapter_reaches_every_expert(cache: EngineCache) -> None:
    engine: Any = cache.get(on_cpu(WAN22_I2V))
    counted(cache, WAN22_I2V, SpeedMode.DRAFT)
    adapters = engine.i2v.get_list_adapters()
    assert "draft" in adapters["transformer"] and "draft_2" in adapters["transformer_2"]


@pytest.mark.parametrize("name", [WAN21_I2V, WAN22_I2V])
def test_an_image_preset_refuses_a_text_only_job(cache: EngineCache, name: str) -> None:
    """Routing never sends a text-only request here; one that arrives anyway is refused in the
    user's language, naming the missing first frame and the presets that render text alone."""
    with pytest.raises(InvalidRequest) as info:
        render_counted(cache, on_cpu(name), job_in(name, SpeedMode.QUALITY, references={}), _go)
    assert info.value.key == "request.preset_role_missing" and info.value.details["role"] == "first_frame"
    assert "wan-2.1-t2v-1.3b" in info.value.details["choices"]
    assert "needs a first_frame" in info.value.render("en")
    assert "需要一張「first_frame」" in info.value.render("zh-TW")


@pytest.mark.parametrize("name", [WAN21_I2V, WAN22_I2V])
def test_an_image_preset_refuses_an_end_frame_it_was_not_trained_for(cache: EngineCache, name: str) -> None:
    """Routing sends a last frame elsewhere; a job that reaches the engine anyway (a bench, a
    stale plan) must not hand ``last_image`` to a checkpoint that was never trained for it."""
    job = job_in(name, SpeedMode.QUALITY, references={FIRST: RED, LAST: BLUE})
    with pytest.raises(InvalidRequest) as info:
        render_counted(cache, on_cpu(name), job, _go)
    assert info.value.key == "request.preset_role_unsupported" and info.value.details["role"] == "last_frame"
    assert "wan-2.1-flf2v-14b-720p" in info.value.details["choices"]
    assert "last_frame" in info.value.render("en") and "last_frame" in info.value.render("zh-TW")


def test_routing_refuses_an_end_frame_for_the_a14b_image_preset() -> None:
    settings = load_settings(_env_file=None, device="cpu", preset="tiny")
    with pytest.raises(InvalidRequest) as info:
        route_preset(WAN22_I2V, {FIRST, LAST}, settings)
    assert info.value.key == "request.preset_role_unsupported"
    assert info.value.details["role"] == "last_frame"
    assert "last_frame" in info.value.render("en") and "last_frame" in info.value.render("zh-TW")


def _go(step: int, total: int) -> bool:
    return True


def test_ltx2_loader_renders_keyframes_with_sound(tmp_path: Path) -> None:
    """LTX-2 offers quality only; its loader, fed the tiny LTX-2 checkpoint, renders first + last
    keyframes with the vocoder's audio. Its pipeline batches CFG into ONE transformer call a
    step (Wan calls it twice), so the counter reports one pass a step here."""
    from reelbot.generator.runner import render_counted_av
    from reelbot.generator.tiny_ltx2 import build_tiny_ltx2_pipeline

    build_tiny_ltx2_pipeline().save_pretrained(tmp_path / "ltx-2")
    spec = on_cpu("ltx-2")
    assert set(spec.modes) == {SpeedMode.QUALITY}
    ltx2 = EngineCache(LoadContext(device="cpu", dtype="float32", cache_dir=str(tmp_path)))
    job = RenderJob(
        prompt="a cat",
        negative_prompt="",
        width=64,
        height=32,
        num_frames=9,
        fps=8,
        steps=QUALITY_STEPS,
        guidance=4.0,
        seed=1,
        references={FIRST: RED, LAST: BLUE},
    )
    frames, audio, report = render_counted_av(ltx2, spec, job, _go)
    engine: Any = ltx2.get(spec)
    assert [c.index for c in engine.last_call["conditions"]] == [0, -1]
    assert frames.shape == (9, 32, 64, 3) and audio is not None
    assert audio.samples.shape[1] >= audio.sample_rate * 9 / 8 * 0.5 and np.abs(audio.samples).max() > 0
    assert report is not None and report.passes == QUALITY_STEPS and report.passes_skipped == 0


@pytest.mark.parametrize("name", [WAN21_I2V, WAN22_I2V, TI2V])
def test_an_extend_continues_from_the_parents_last_frame(cache: EngineCache, name: str) -> None:
    """An Extend's context (the parent's last frames) reaches each image-to-video checkpoint, in its
    published layout, as the first frame it was trained on: the very clip the parent's last frame
    gives as a first-frame reference — not a text render, not the earlier context frames."""
    parent = np.zeros((3, 64, 64, 3), dtype=np.uint8)
    parent[:-1] = (30, 200, 30)
    parent[-1, :, :32] = (200, 30, 30)  # the last frame: half red, half black
    extend = job_in(name, SpeedMode.QUALITY, references={}, context_frames=parent)
    as_first = job_in(name, SpeedMode.QUALITY, references={FIRST: Image.fromarray(parent[-1])})
    as_earlier = job_in(name, SpeedMode.QUALITY, references={FIRST: Image.fromarray(parent[0])})
    extended, report = render_counted(cache, on_cpu(name), extend, _go)
    assert report is not None and report.passes == QUALITY_STEPS * 2
    assert np.array_equal(extended, render_counted(cache, on_cpu(name), as_first, _go)[0])
    assert not np.array_equal(extended, render_counted(cache, on_cpu(name), as_earlier, _go)[0])
