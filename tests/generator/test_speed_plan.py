"""Speed modes, memory plans and routing as data: no torch, no render (issue 11)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from reelbot.app.safety.costs import estimate_request
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.presets import PRESETS, get_preset, memory_plan, plan_render, route_preset
from reelbot.domain.reports import RenderReport
from reelbot.domain.settings import Settings, load_settings
from reelbot.domain.types import GenerationRequest, Origin, Platform, ReferenceRole, SpeedMode

ORIGIN = Origin(platform=Platform.CLI, user_id="speed")
FIRST = ReferenceRole.FIRST_FRAME


def _request(**changes: object) -> GenerationRequest:
    return GenerationRequest(prompt="a cat", origin=ORIGIN, **changes)  # type: ignore[arg-type]


def test_the_preset_registry_imports_no_torch_and_no_numpy() -> None:
    code = (
        "import sys, reelbot.domain.presets as p; "
        "assert not {'torch', 'numpy', 'diffusers'} & set(sys.modules), 'heavy import'; "
        "print(len(p.PRESETS))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 11


def test_every_preset_has_a_cost_profile_and_quality_mode() -> None:
    for spec in PRESETS.values():
        assert spec.cost.overhead_s >= 0, spec.name
        assert next(iter(spec.modes)) is SpeedMode.QUALITY, spec.name
        draft = spec.mode(SpeedMode.DRAFT)
        if draft is not None:
            assert draft.lora is not None and draft.guidance == 1.0 and 4 <= draft.steps <= 8, spec.name
    a14b = get_preset("wan-2.2-t2v-a14b").modes[SpeedMode.DRAFT].lora
    assert a14b is not None and a14b.weight_name_2 is not None  # one LoRA per expert


def test_draft_keeps_its_distilled_steps_and_quality_takes_the_request() -> None:
    settings = load_settings(_env_file=None, preset="tiny", device="cpu")
    tiny = get_preset("tiny")
    quality = plan_render(_request(steps=30, speed=SpeedMode.QUALITY), tiny, settings.limits, seed=1)
    draft = plan_render(_request(steps=30, speed=SpeedMode.DRAFT), tiny, settings.limits, seed=1)
    assert (quality.steps, quality.guidance, quality.speed) == (30, 5.0, SpeedMode.QUALITY)
    assert (draft.steps, draft.guidance, draft.speed) == (4, 1.0, SpeedMode.DRAFT)
    mode = tiny.modes
    assert mode[SpeedMode.QUALITY].passes(30, 5.0) >= 10 * mode[SpeedMode.DRAFT].passes(4, 1.0)


def test_server_default_applies_where_the_preset_has_it() -> None:
    settings = load_settings(_env_file=None, preset="tiny", device="cpu", engine={"speed": "draft"})
    assert plan_render(
        _request(), get_preset("tiny"), settings.limits, seed=1, default_speed="draft"
    ).speed is (SpeedMode.DRAFT)
    # tiny-ltx has no draft: the server default falls back to quality (a person's choice never does)
    ltx = get_preset("tiny-ltx")
    assert (
        plan_render(_request(), ltx, settings.limits, seed=1, default_speed="draft").speed
        is SpeedMode.QUALITY
    )


def test_a_mode_the_preset_lacks_is_refused_naming_the_modes_it_offers() -> None:
    settings = load_settings(_env_file=None, preset="tiny", device="cpu")
    with pytest.raises(InvalidRequest) as info:
        plan_render(_request(speed=SpeedMode.DRAFT), get_preset("tiny-ltx"), settings.limits, seed=1)
    assert info.value.key == "request.speed_unsupported"
    assert info.value.details["choices"] == "quality"
    assert "draft" in info.value.render("en") and "quality" in info.value.render("en")
    zh = info.value.render("zh-TW")
    assert "模式" in zh and "tiny-ltx" in zh and "預設" not in zh


def test_draft_costs_less_in_the_estimate() -> None:
    settings = load_settings(_env_file=None, preset="wan-2.1-t2v-1.3b", device="cpu")
    quality = estimate_request(_request(speed=SpeedMode.QUALITY), settings)
    draft = estimate_request(_request(speed=SpeedMode.DRAFT), settings)
    assert draft < quality / 3


def test_the_wan_drafts_offer_motion_mitigation_priced_only_when_on() -> None:
    """Each shipped Wan draft offers two full-guidance high-noise steps (at the checkpoint's own
    guidance) before its distilled ones; off by default, so only an operator who turns it on
    pays the extra passes — in the estimate as in the render."""
    for name in ("wan-2.1-t2v-1.3b", "wan-2.1-i2v-14b-480p", "wan-2.2-t2v-a14b", "wan-2.2-i2v-a14b"):
        spec = get_preset(name)
        draft = spec.modes[SpeedMode.DRAFT]
        assert (draft.motion_steps, draft.motion_guidance) == (2, spec.default_guidance), name
        assert draft.passes(draft.steps, 1.0) == draft.steps
        assert draft.passes(draft.steps, 1.0, mitigate=True) == 2 * 2 + draft.steps
    off = load_settings(_env_file=None, preset="wan-2.1-t2v-1.3b", device="cpu")
    on = load_settings(
        _env_file=None, preset="wan-2.1-t2v-1.3b", device="cpu", engine={"motion_mitigation": True}
    )
    draft, quality = _request(speed=SpeedMode.DRAFT), _request(speed=SpeedMode.QUALITY)
    assert estimate_request(draft, off) < estimate_request(draft, on) < estimate_request(quality, on)
    assert estimate_request(quality, off) == estimate_request(quality, on)


def test_memory_plan_per_card() -> None:
    t2v, i2v, ti2v = (get_preset(n) for n in ("wan-2.1-t2v-1.3b", "wan-2.1-i2v-14b-480p", "wan-2.2-ti2v-5b"))
    assert memory_plan(t2v, 24) == "whole"
    assert memory_plan(ti2v, 24) == "model_offload"
    assert memory_plan(i2v, 24) == "group_offload"
    assert memory_plan(i2v, 80) == "whole"
    assert memory_plan(t2v, 4) == "refuse"
    assert memory_plan(i2v, None) == "whole"  # unknown card: no plan imposed


def _gpu(card: float | None) -> Settings:
    engine = {} if card is None else {"gpu_memory_gb": card}
    return load_settings(_env_file=None, device="cuda", preset="auto", engine=engine)


def test_a_first_frame_on_a_24gb_card_goes_to_a_preset_that_fits() -> None:
    assert route_preset(None, {FIRST}, _gpu(None)).name == "wan-2.1-i2v-14b-480p"  # unchanged without a card
    chosen = route_preset(None, {FIRST}, _gpu(24))
    assert chosen.name in {"wan-2.1-vace-1.3b", "wan-2.2-ti2v-5b"}
    assert memory_plan(chosen, 24) in ("whole", "model_offload")
    # asked for by name, the 14B still runs (block by block) on 24 GB
    assert route_preset("wan-2.1-i2v-14b-480p", {FIRST}, _gpu(24)).name == "wan-2.1-i2v-14b-480p"


def test_a_card_too_small_is_one_clear_refusal() -> None:
    with pytest.raises(InvalidRequest) as info:
        route_preset("wan-2.1-t2v-1.3b", set(), _gpu(4))
    assert info.value.key == "request.preset_too_big"
    assert "4 GB" in info.value.render("en") and "4 GB" in info.value.render("zh-TW")


def test_render_report_round_trips_as_json() -> None:
    report = RenderReport(
        preset="tiny",
        mode="draft",
        steps=4,
        passes=4,
        passes_skipped=0,
        attention_backend="native",
        memory_plan="whole",
        device="cpu",
        peak_gpu_memory_mb=None,
        gpu_seconds=0.5,
        lora="x.safetensors",
    )
    data = json.loads(json.dumps(report.to_dict()))
    assert RenderReport.from_dict({**data, "from_a_newer_worker": 1}) == report
    assert report.passes_run == 4
