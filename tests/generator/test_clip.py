"""One tiny clip end to end: request → routing → plan → real diffusers render → mp4 + thumbnail."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelbot.domain.presets import plan_render, route_preset
from reelbot.domain.settings import Settings
from reelbot.domain.types import Aspect, GenerationRequest, Origin, Platform
from reelbot.generator.cache import EngineCache, detect_device
from reelbot.generator.encode import AI_COMMENT, encode_mp4, probe, write_thumbnail
from reelbot.generator.hub_presets import weights_source
from reelbot.generator.presets import LoadContext, render_job

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("prompt", "aspect"),
    [("a dog running on the beach", Aspect.PORTRAIT), ("海邊奔跑的狗，慢動作", Aspect.LANDSCAPE)],
)
def test_tiny_clip_end_to_end(settings: Settings, tmp_path: Path, prompt: str, aspect: Aspect) -> None:
    origin = Origin(platform=Platform.CLI, user_id="u")
    request = GenerationRequest(prompt=prompt, aspect=aspect, origin=origin)
    preset = route_preset(request.preset, request.roles(), settings)
    assert preset.name == "tiny"
    plan = plan_render(request, preset, settings.limits, seed=42)
    engine = EngineCache(detect_device(settings)).get(preset)
    progress: list[int] = []

    def on_step(step: int, total: int) -> bool:
        progress.append(step)
        return True

    frames = engine.render(render_job(request, plan), on_step)
    assert progress == list(range(1, plan.steps + 1))
    assert frames.shape == (plan.num_frames, plan.height, plan.width, 3)

    clip = encode_mp4(frames, plan.fps, tmp_path / "clip.mp4", settings.encode, title=prompt)
    thumb = write_thumbnail(frames[0], tmp_path / "clip.jpg", settings.encode.thumbnail_width)
    info = probe(clip.path)
    assert (info.codec, info.pix_fmt, info.moov_before_mdat) == ("h264", "yuv420p", True)
    assert (info.width, info.height, info.num_frames) == (plan.width, plan.height, plan.num_frames)
    assert (info.width > info.height) == (aspect is Aspect.LANDSCAPE)
    assert info.comment == AI_COMMENT and info.title == prompt
    assert thumb.stat().st_size > 0


def test_hub_weights_prefer_a_local_copy(tmp_path: Path) -> None:
    from reelbot.domain.presets import get_preset

    preset = get_preset("wan-2.1-t2v-1.3b")
    ctx = LoadContext(device="cuda", dtype="bfloat16", cache_dir=str(tmp_path))
    assert weights_source(preset, ctx) == "Wan-AI/Wan2.1-T2V-1.3B-Diffusers"
    local = tmp_path / preset.name
    local.mkdir()
    (local / "model_index.json").write_text("{}")
    assert weights_source(preset, ctx) == str(local)
