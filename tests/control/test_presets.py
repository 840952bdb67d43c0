"""tiny-vace and tiny-ltx: each role combination reaches the real diffusers pipeline as the
right input, and changing a reference image changes the output latents.

Latents, not pixels: the tiny random VAE nearly erases input differences (PLATFORMS.md), so
"the output changes" is asserted on ``output_type="latent"`` with an exact-equality control
(the same inputs twice give identical latents, so a difference is caused by the image).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

from reelbot.domain.errors import InvalidRequest, ReelbotError
from reelbot.domain.presets import route_preset
from reelbot.domain.settings import Settings
from reelbot.domain.types import ReferenceRole
from reelbot.generator.presets import PRESETS, LoadContext, RenderJob
from reelbot.generator.tiny_ltx import ControlLtxEngine
from reelbot.generator.tiny_vace import (
    GENERATE,
    KEEP,
    VaceEngine,
    load_wan21_vace,
    vace_inputs,
)

FIRST, LAST = ReferenceRole.FIRST_FRAME, ReferenceRole.LAST_FRAME
SUBJECT, STYLE = ReferenceRole.SUBJECT, ReferenceRole.STYLE


def solid(color: tuple[int, int, int], size: tuple[int, int] = (96, 80)) -> Image.Image:
    return Image.new("RGB", size, color)


def gradient(seed: int, size: tuple[int, int] = (96, 80)) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


def job(**overrides: Any) -> RenderJob:
    values: dict[str, Any] = {
        "prompt": "a cat walking in the city",
        "negative_prompt": "",
        "width": 64,
        "height": 64,
        "num_frames": 9,
        "fps": 8,
        "steps": 2,
        "guidance": 1.0,
        "seed": 7,
    }
    values.update(overrides)
    return RenderJob(**values)


def mask_values(image: Image.Image) -> set[int]:
    return set(np.unique(np.asarray(image)).tolist())


# --- VACE: which inputs each role combination becomes ------------------------------------


def test_vace_no_reference_is_plain_text_to_video() -> None:
    inputs = vace_inputs(job())
    assert inputs.kwargs() == {}
    assert inputs.pinned == {}


def test_vace_first_frame_pins_frame_zero() -> None:
    inputs = vace_inputs(job(references={FIRST: solid((255, 0, 0))}))
    kwargs = inputs.kwargs()
    assert set(kwargs) == {"video", "mask"}
    assert len(kwargs["video"]) == len(kwargs["mask"]) == 9
    assert inputs.pinned == {0: "first_frame"}
    assert mask_values(kwargs["mask"][0]) == {KEEP}
    assert all(mask_values(m) == {GENERATE} for m in kwargs["mask"][1:])
    # The reference is fitted to the clip (cover + centre crop), not passed at its own size.
    assert kwargs["video"][0].size == (64, 64)
    assert np.asarray(kwargs["video"][0])[32, 32].tolist() == [255, 0, 0]
    assert np.asarray(kwargs["video"][4])[32, 32].tolist() == [128, 128, 128]


def test_vace_first_and_last_pin_both_ends() -> None:
    inputs = vace_inputs(job(references={FIRST: solid((255, 0, 0)), LAST: solid((0, 0, 255))}))
    kwargs = inputs.kwargs()
    assert inputs.pinned == {0: "first_frame", 8: "last_frame"}
    assert mask_values(kwargs["mask"][8]) == {KEEP}
    assert np.asarray(kwargs["video"][8])[0, 0].tolist() == [0, 0, 255]
    assert "reference_images" not in kwargs


@pytest.mark.parametrize("role", [SUBJECT, STYLE])
def test_vace_subject_or_style_become_reference_images(role: ReferenceRole) -> None:
    kwargs = vace_inputs(job(references={role: solid((0, 255, 0))})).kwargs()
    assert set(kwargs) == {"reference_images"}
    assert len(kwargs["reference_images"]) == 1
    assert kwargs["reference_images"][0].size == (64, 64)


def test_vace_subject_comes_before_style() -> None:
    kwargs = vace_inputs(job(references={STYLE: solid((0, 0, 255)), SUBJECT: solid((255, 0, 0))})).kwargs()
    first, second = kwargs["reference_images"]
    assert np.asarray(first)[0, 0].tolist() == [255, 0, 0]
    assert np.asarray(second)[0, 0].tolist() == [0, 0, 255]


def test_vace_extension_context_replaces_first_frame() -> None:
    context = np.full((2, 64, 64, 3), 200, dtype=np.uint8)
    inputs = vace_inputs(job(context_frames=context, references={FIRST: solid((255, 0, 0))}))
    assert inputs.pinned == {0: "context", 1: "context"}
    assert np.asarray(inputs.kwargs()["video"][1])[5, 5].tolist() == [200, 200, 200]


def test_vace_loop_pins_the_first_frame_at_the_end() -> None:
    red = solid((255, 0, 0))
    inputs = vace_inputs(job(loop=True, references={FIRST: red}))
    assert inputs.native_loop
    assert inputs.pinned == {0: "first_frame", 8: "loop"}
    # A given last frame wins over the loop anchor: the loop then falls back to a crossfade.
    inputs = vace_inputs(job(loop=True, references={FIRST: red, LAST: solid((0, 0, 255))}))
    assert not inputs.native_loop


# --- VACE: the inputs reach the model --------------------------------------------------------


def test_vace_latents_are_deterministic(vace: VaceEngine) -> None:
    spec = job(references={FIRST: gradient(1), SUBJECT: gradient(2)})
    assert torch.equal(vace.render_latents(spec), vace.render_latents(spec))


@pytest.mark.parametrize(
    ("role", "others"),
    [(FIRST, {}), (LAST, {FIRST: 3}), (SUBJECT, {}), (STYLE, {}), (SUBJECT, {STYLE: 4})],
)
def test_vace_latents_change_with_each_reference(
    vace: VaceEngine, role: ReferenceRole, others: dict[ReferenceRole, int]
) -> None:
    base = {other: gradient(seed) for other, seed in others.items()}
    a = vace.render_latents(job(references={**base, role: gradient(10)}))
    b = vace.render_latents(job(references={**base, role: gradient(11)}))
    assert a.shape == b.shape
    assert not torch.equal(a, b)
    assert float((a - b).abs().max()) > 1e-6


def test_vace_reference_image_adds_a_leading_latent_frame(vace: VaceEngine) -> None:
    plain = vace.render_latents(job())
    with_subject = vace.render_latents(job(references={SUBJECT: gradient(5)}))
    assert with_subject.shape[2] == plain.shape[2] + 1


def test_vace_render_returns_uint8_frames_of_the_job_size(vace: VaceEngine) -> None:
    steps: list[tuple[int, int]] = []
    frames = vace.render(job(references={FIRST: gradient(1)}), lambda s, t: steps.append((s, t)) is None)
    assert frames.shape == (9, 64, 64, 3)
    assert frames.dtype == np.uint8
    assert steps == [(1, 2), (2, 2)]


def test_vace_cancellation_interrupts(vace: VaceEngine) -> None:
    with pytest.raises(ReelbotError) as info:
        vace.render(job(), lambda step, total: False)
    assert info.value.key == "job.interrupted"


# --- LTX: keyframe conditions -----------------------------------------------------------------


def test_ltx_conditions_per_role(ltx: ControlLtxEngine) -> None:
    assert ltx.planned_conditions(job()) == ([], False)
    first_only, _ = ltx.planned_conditions(job(references={FIRST: solid((255, 0, 0))}))
    assert [(c.frame_index, c.image is not None) for c in first_only] == [(0, True)]
    assert first_only[0].image.size == (64, 64)
    both, _ = ltx.planned_conditions(job(references={FIRST: solid((255, 0, 0)), LAST: solid((0, 0, 255))}))
    assert [c.frame_index for c in both] == [0, 8]
    assert np.asarray(both[1].image)[0, 0].tolist() == [0, 0, 255]


def test_ltx_extension_is_a_video_condition(ltx: ControlLtxEngine) -> None:
    context = np.full((3, 64, 64, 3), 90, dtype=np.uint8)
    conditions, _ = ltx.planned_conditions(job(context_frames=context))
    assert len(conditions) == 1
    assert conditions[0].frame_index == 0 and len(conditions[0].video) == 3


def test_ltx_loop_repeats_the_first_keyframe_at_the_end(ltx: ControlLtxEngine) -> None:
    red = solid((255, 0, 0))
    conditions, native = ltx.planned_conditions(job(loop=True, references={FIRST: red}))
    assert native
    assert [c.frame_index for c in conditions] == [0, 8]
    assert conditions[1].image is conditions[0].image
    _, native_text_only = ltx.planned_conditions(job(loop=True))
    assert not native_text_only


def test_ltx_latents_change_with_first_and_last_frame(ltx: ControlLtxEngine) -> None:
    spec = job(references={FIRST: gradient(1), LAST: gradient(2)})
    same = ltx.render_latents(spec)
    assert torch.equal(same, ltx.render_latents(spec))
    other_first = ltx.render_latents(job(references={FIRST: gradient(3), LAST: gradient(2)}))
    other_last = ltx.render_latents(job(references={FIRST: gradient(1), LAST: gradient(4)}))
    assert not torch.equal(same, other_first)
    assert not torch.equal(same, other_last)


def test_ltx_render_frames(ltx: ControlLtxEngine) -> None:
    frames = ltx.render(job(references={FIRST: gradient(1)}), lambda s, t: True)
    assert frames.shape == (9, 64, 64, 3) and frames.dtype == np.uint8


# --- registry and routing ---------------------------------------------------------------------


def test_presets_are_registered_with_their_roles() -> None:
    assert PRESETS["tiny-vace"].roles == frozenset(ReferenceRole)
    assert PRESETS["tiny-vace"].group == "tiny"
    assert PRESETS["tiny-ltx"].roles == frozenset({FIRST, LAST})
    assert PRESETS["tiny-ltx"].size_multiple == 32


def test_routing_sends_subject_and_style_to_vace(settings: Settings) -> None:
    assert route_preset("tiny", {SUBJECT}, settings).name == "tiny-vace"
    assert route_preset("tiny", {STYLE, FIRST}, settings).name == "tiny-vace"
    # A lone last frame: the Wan I2V tiny needs a first frame too, VACE does not.
    assert route_preset("tiny", {LAST}, settings).name == "tiny-vace"


def test_ltx_refuses_a_subject_and_names_the_presets_that_can(settings: Settings) -> None:
    with pytest.raises(InvalidRequest) as info:
        route_preset("tiny-ltx", {SUBJECT}, settings)
    assert info.value.key == "request.preset_role_unsupported"
    assert info.value.details["role"] == "subject"
    assert "tiny-vace" in info.value.details["choices"]
    assert "tiny-vace" in info.value.render("en")


def test_real_vace_loader_reads_a_saved_checkpoint(tmp_path: Path, vace: VaceEngine) -> None:
    """The GPU preset's loader, fed a local copy (the tiny weights saved in the hub layout)."""
    vace.pipe.save_pretrained(tmp_path / "wan-2.1-vace-1.3b")
    loaded = load_wan21_vace(LoadContext(device="cpu", dtype="float32", cache_dir=str(tmp_path)))
    assert isinstance(loaded, VaceEngine)
    spec = job(references={FIRST: gradient(1), SUBJECT: gradient(2)})
    loaded.max_sequence_length = vace.max_sequence_length
    assert torch.allclose(loaded.render_latents(spec), vace.render_latents(spec), atol=1e-5)
