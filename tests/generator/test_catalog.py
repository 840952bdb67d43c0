"""Preset registry and routing: requested or default preset, same-group stand-in, or a refusal."""

from __future__ import annotations

import subprocess
import sys

import pytest

from reelbot.domain import presets as catalog
from reelbot.domain.errors import InvalidRequest
from reelbot.domain.messages import render
from reelbot.domain.presets import default_preset_name, get_preset, list_presets, route_board, route_preset
from reelbot.domain.settings import Settings
from reelbot.domain.types import ReferenceRole

FIRST = ReferenceRole.FIRST_FRAME
LAST = ReferenceRole.LAST_FRAME
SUBJECT = ReferenceRole.SUBJECT


def _fresh_process(code: str) -> str:
    """Run ``code`` in a new interpreter (nothing imported yet) and return what it printed."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_importing_the_catalog_does_not_import_torch() -> None:
    printed = _fresh_process(
        "import sys, reelbot.generator.presets as c; c.load_engine_modules(); "
        "assert 'torch' not in sys.modules and 'diffusers' not in sys.modules, 'heavy import'; "
        "print(len(c.PRESETS))"
    )
    assert int(printed) >= 6


def test_every_shipped_spec_finds_its_engine_without_a_side_effect_import() -> None:
    """A fresh process that imports only the registry gets a loader for every shipped spec on
    first ask (the engine modules load then): nothing depends on who imported what first."""
    printed = _fresh_process(
        "import reelbot.generator.presets as p; "
        "missing = [n for n in list(p.PRESETS) if p.engine_loader(n) is None]; "
        "assert not missing, missing; "
        "print(len(p.ENGINE_LOADERS))"
    )
    assert int(printed) >= 13


def test_real_presets_are_registered_with_honest_roles() -> None:
    expected = {
        "tiny": {FIRST, LAST},
        "wan-2.1-t2v-1.3b": set(),
        "wan-2.1-i2v-14b-480p": {FIRST},
        "wan-2.1-flf2v-14b-720p": {FIRST, LAST},
        "wan-2.2-ti2v-5b": {FIRST},  # takes last_image but ignores it: must not claim it
        "ltx-video": {FIRST, LAST},
    }
    for name, roles in expected.items():
        preset = get_preset(name)
        assert set(preset.roles) == roles, name
        assert preset.needs_gpu == (name != "tiny"), name
        assert (preset.model_id is None) == (name == "tiny"), name
    assert get_preset("ltx-video").size_multiple == 32
    assert get_preset("ltx-video").frame_step == 8
    assert get_preset("wan-2.2-ti2v-5b").default_fps == 24


def test_unknown_preset_names_the_choices() -> None:
    with pytest.raises(InvalidRequest) as info:
        get_preset("wan-9000")
    assert info.value.key == "request.preset_unknown"
    assert info.value.details["value"] == "wan-9000"
    assert "tiny" in info.value.details["choices"]
    assert "wan-9000" in info.value.render("zh-TW")


def test_default_preset(settings: Settings) -> None:
    assert default_preset_name(settings) == "tiny"  # fixture: preset="tiny"
    auto_cpu = settings.model_copy(update={"preset": "auto", "device": "cpu"})
    assert default_preset_name(auto_cpu) == "tiny"
    auto_gpu = settings.model_copy(update={"preset": "auto", "device": "cuda"})
    assert default_preset_name(auto_gpu) == catalog.GPU_DEFAULT_PRESET


def test_list_presets_hides_gpu_presets_on_cpu_machines() -> None:
    cpu = {p.name for p in list_presets(gpu_available=False)}
    assert "tiny" in cpu
    assert not cpu & {"ltx-video", "wan-2.1-t2v-1.3b", "wan-2.2-ti2v-5b"}
    assert all(not get_preset(name).needs_gpu for name in cpu)
    assert {p.name for p in list_presets(gpu_available=True)} >= {"tiny", "ltx-video", "wan-2.1-t2v-1.3b"}


def test_requested_preset_used_when_it_supports_the_roles(settings: Settings) -> None:
    assert route_preset(None, set(), settings).name == "tiny"
    assert route_preset("tiny", {FIRST, LAST}, settings).name == "tiny"
    assert route_preset("ltx-video", {LAST}, settings).name == "ltx-video"
    assert route_preset("wan-2.2-ti2v-5b", {FIRST}, settings).name == "wan-2.2-ti2v-5b"


def test_same_group_stand_in_for_image_requests(settings: Settings) -> None:
    # Text-only Wan gets an image: the smallest Wan preset that honours it.
    assert route_preset("wan-2.1-t2v-1.3b", {FIRST}, settings).name == "wan-2.1-i2v-14b-480p"
    assert route_preset("wan-2.1-t2v-1.3b", {FIRST, LAST}, settings).name == "wan-2.1-flf2v-14b-720p"
    # An image-to-video-only checkpoint asked for text only: back to the T2V one.
    assert route_preset("wan-2.1-i2v-14b-480p", set(), settings).name == "wan-2.1-t2v-1.3b"
    # FLF2V needs both frames (its transformer reads two frames' CLIP tokens): a first frame
    # alone, or an Extend of its clip, goes to the first-frame checkpoint.
    assert route_preset("wan-2.1-flf2v-14b-720p", {FIRST}, settings).name == "wan-2.1-i2v-14b-480p"
    # ...unless it loops: FLF2V pins the start image as the end frame too (a native loop).
    flf2v = "wan-2.1-flf2v-14b-720p"
    assert route_preset(flf2v, {FIRST}, settings, loop=True).name == flf2v
    assert route_preset("wan-2.1-i2v-14b-480p", {FIRST}, settings, loop=True).name == "wan-2.1-i2v-14b-480p"


def test_a_board_gets_one_preset_that_takes_every_shot(settings: Settings) -> None:
    """Routed by the roles all shots use, FLF2V takes a shot with both frames but not one with a
    start frame alone; an image-only checkpoint not a text-only shot: VACE takes them all. A board
    whose shots the routed preset takes keeps it."""
    both, first = {FIRST, LAST}, {FIRST}
    mixed = (("wan-2.1-flf2v-14b-720p", [both, first]), ("wan-2.1-i2v-14b-480p", [first, set()]))
    for requested, shots in mixed:
        assert route_board(requested, shots, settings).name == "wan-2.1-vace-1.3b"
        assert not get_preset(requested).supports(shots[1])
    assert route_board("wan-2.1-flf2v-14b-720p", [both, both], settings).name == "wan-2.1-flf2v-14b-720p"
    assert route_board("wan-2.2-ti2v-5b", [first, set()], settings).name == "wan-2.2-ti2v-5b"
    assert route_board(None, [set(), set()], settings) == route_preset(None, set(), settings)


@pytest.mark.parametrize(
    ("name", "roles", "role"),
    [
        ("wan-2.1-flf2v-14b-720p", {LAST}, "first_frame"),  # a lone end frame needs a start frame
        ("wan-2.1-i2v-14b-480p", set(), "first_frame"),  # an image-only checkpoint, text alone
    ],
)
def test_a_missing_role_is_named_as_needed_not_as_unusable(
    name: str, roles: set[ReferenceRole], role: str
) -> None:
    err = catalog.role_refusal(get_preset(name), roles)
    assert (err.key, err.details["role"]) == ("request.preset_role_missing", role)
    assert name not in err.details["choices"].split(", ")
    assert f"needs a {role}" in render(err.key, "en", **err.details)
    assert f"需要一張「{role}」" in render(err.key, "zh-TW", **err.details)


def test_unsupported_role_is_refused_never_ignored(settings: Settings) -> None:
    with pytest.raises(InvalidRequest) as info:
        route_preset("wan-2.2-ti2v-5b", {FIRST, LAST}, settings)
    err = info.value
    assert err.key == "request.preset_role_unsupported"
    assert err.details["preset"] == "wan-2.2-ti2v-5b"
    assert err.details["role"] == "last_frame"
    choices = err.details["choices"].split(", ")
    assert "wan-2.1-flf2v-14b-720p" in choices and "ltx-video" in choices
    assert "wan-2.2-ti2v-5b" not in choices
    assert "wan-2.2-ti2v-5b" in render(err.key, "en", **err.details)


def test_wan_last_frame_alone_routes_to_vace(settings: Settings) -> None:
    """Wan's image-to-video checkpoints need a start image for an end image; VACE pins a lone
    last frame by mask, so it stands in for the group."""
    chosen = route_preset("wan-2.1-flf2v-14b-720p", {LAST}, settings)
    assert chosen.name == "wan-2.1-vace-1.3b"
    assert chosen.supports({LAST})


def test_tiny_never_silently_drops_a_lone_last_frame(settings: Settings) -> None:
    chosen = route_preset("tiny", {LAST}, settings) if _any_supports({LAST}, "tiny") else None
    if chosen is None:
        with pytest.raises(InvalidRequest):
            route_preset("tiny", {LAST}, settings)
    else:
        assert chosen.name != "tiny" and chosen.supports({LAST})


def _any_supports(roles: set[ReferenceRole], group: str) -> bool:
    return any(p.group == group and p.supports(roles) for p in catalog.PRESETS.values())


def test_subject_on_a_wan_preset_routes_to_vace(settings: Settings) -> None:
    assert route_preset("wan-2.1-t2v-1.3b", {SUBJECT}, settings).name == "wan-2.1-vace-1.3b"


def test_role_no_preset_of_the_group_supports(settings: Settings) -> None:
    with pytest.raises(InvalidRequest) as info:
        route_preset("wan-2.2-ti2v-5b", {SUBJECT}, settings)
    assert info.value.details["role"] == "subject"
    assert info.value.details["preset"] == "wan-2.2-ti2v-5b"
    choices = info.value.details["choices"].split(", ")
    assert "wan-2.1-vace-1.3b" in choices and "tiny-vace" in choices
    assert not [name for name in choices if name.startswith("wan-2.2")]
