"""The real presets' loaders, run offline: tiny pipelines saved with save_pretrained into
``<cache_dir>/<preset name>`` are loaded back through the same code a GPU worker runs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.presets import get_preset
from reelbot.domain.types import ReferenceRole
from reelbot.generator.hub_presets import HubWanEngine, weights_source
from reelbot.generator.presets import LoadContext, RenderJob, engine_loader
from reelbot.generator.tiny import build_tiny_components, build_tiny_pipelines
from tests.generator.wan_layouts import clip_pipeline, ti2v_pipeline

pytestmark = pytest.mark.slow

JOB = RenderJob(
    prompt="a cat",
    negative_prompt="",
    width=64,
    height=64,
    num_frames=5,
    fps=8,
    steps=2,
    guidance=5.0,
    seed=3,
)
FIRST_IMAGE = Image.new("RGB", (120, 80), (200, 30, 30))
LAST_IMAGE = Image.new("RGB", (80, 120), (30, 30, 200))


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:

    root = tmp_path_factory.mktemp("models")
    t2v, _ = build_tiny_pipelines()
    t2v.save_pretrained(root / "wan-2.1-t2v-1.3b")
    parts = build_tiny_components()
    # FLF2V's layout: a CLIP encoder over both frames
    clip_pipeline(parts, 71, images=2).save_pretrained(root / "wan-2.1-flf2v-14b-720p")
    ti2v_pipeline(parts, 99).save_pretrained(root / "wan-2.2-ti2v-5b")  # its ×16 VAE
    return root


def load(name: str, models: Path) -> HubWanEngine:
    preset = get_preset(name)
    ctx = LoadContext(device="cpu", dtype="float32", cache_dir=str(models))
    assert weights_source(preset, ctx) == str(models / name)  # no hub id: nothing downloaded
    load = engine_loader(name)
    assert load is not None
    engine = load(ctx)
    assert isinstance(engine, HubWanEngine)
    return engine


def test_wan_t2v_loader(models: Path) -> None:
    engine = load("wan-2.1-t2v-1.3b", models)
    assert engine.i2v is None
    frames = engine.render(JOB, lambda s, t: True)
    assert frames.shape == (5, 64, 64, 3) and frames.dtype == np.uint8
    assert np.array_equal(frames, engine.render(JOB, lambda s, t: True))


def test_wan_flf2v_loader_takes_first_and_last(models: Path) -> None:
    """The checkpoint's layout (a CLIP encoder, positions over both frames' tokens): first and
    last render; a first frame alone, which this transformer cannot take (a tensor-shape error
    inside it), is refused in the user's words before the pipeline runs."""
    engine = load("wan-2.1-flf2v-14b-720p", models)
    assert engine.t2v is None and engine.i2v is not None and engine.i2v.image_encoder is not None
    first = {ReferenceRole.FIRST_FRAME: FIRST_IMAGE}
    both = {**first, ReferenceRole.LAST_FRAME: LAST_IMAGE}
    assert engine.render(dataclasses.replace(JOB, references=both), lambda s, t: True).shape == (5, 64, 64, 3)
    with pytest.raises(InvalidRequest) as refused:
        engine.render(dataclasses.replace(JOB, references=first), lambda s, t: True)
    assert refused.value.key == "request.preset_role_missing"
    assert refused.value.details["role"] == ReferenceRole.LAST_FRAME.value
    # A loop from a start image alone renders: pinned as the end frame too (two CLIP frames), the
    # duplicate end frame dropped before the shared loop rule.
    looped = engine.render(dataclasses.replace(JOB, references=first, loop=True), lambda s, t: True)
    assert looped.shape[1:] == (64, 64, 3) and len(looped) <= JOB.num_frames - 1


def test_wan22_ti2v_loader_has_both_entry_points(models: Path) -> None:
    engine = load("wan-2.2-ti2v-5b", models)
    assert engine.i2v.config.expand_timesteps and engine.i2v.transformer is engine.t2v.transformer
    text = engine.render(JOB, lambda s, t: True)
    image = engine.render(
        dataclasses.replace(JOB, references={ReferenceRole.FIRST_FRAME: FIRST_IMAGE}), lambda s, t: True
    )
    assert text.shape == image.shape == (5, 64, 64, 3)
    assert not np.array_equal(text, image)


def test_ltx_loader_places_keyframes(models: Path) -> None:
    from reelbot.generator.hub_presets import LtxConditionEngine
    from reelbot.generator.tiny_ltx import build_tiny_ltx_pipeline

    build_tiny_ltx_pipeline().save_pretrained(models / "ltx-video")
    preset = get_preset("ltx-video")
    load = engine_loader(preset.name)
    assert load is not None
    engine = load(LoadContext(device="cpu", dtype="float32", cache_dir=str(models)))
    assert isinstance(engine, LtxConditionEngine)
    job = dataclasses.replace(
        JOB,
        num_frames=9,
        references={ReferenceRole.FIRST_FRAME: FIRST_IMAGE, ReferenceRole.LAST_FRAME: FIRST_IMAGE},
    )
    conditions = engine.conditions(job)
    assert [c.frame_index for c in conditions] == [0, 8]
    assert all(c.image.size == (64, 64) for c in conditions)
    assert engine.render(job, lambda s, t: True).shape == (9, 64, 64, 3)
