"""The draft LoRAs the Wan presets name are published in the ComfyUI / Kijai key layout
(``diffusion_model.blocks.N.self_attn.q.lora_down.weight``, ``lora_up``, ``alpha``, zeroed norm
``diff`` keys), not in diffusers' own. ``load_lora_weights`` converts that layout on load; this
checks, offline, that the conversion reaches the modules the weights were made for: the same
random weights saved in both layouts give the same frames through the worker's render path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from reelbot.domain.settings import Settings
from reelbot.domain.types import SpeedMode
from reelbot.generator.speed.lora import random_lora_layers, save_lora_layers
from reelbot.generator.tiny import build_tiny_transformer
from tests.draft_presets import local_lora, tiny_draft_presets
from tests.generator.tiny_engines import render, tiny_cache, tiny_settings

pytestmark = pytest.mark.slow

PEFT, COMFY = "draft-peft-layout", "draft-comfy-layout"
WEIGHTS = "draft.safetensors"
#: diffusers' module names of a Wan block and the original checkpoint's (the ComfyUI layout).
ORIGINAL_NAMES = {
    "attn1.to_q": "self_attn.q",
    "attn1.to_k": "self_attn.k",
    "attn1.to_v": "self_attn.v",
    "attn1.to_out.0": "self_attn.o",
    "attn2.to_q": "cross_attn.q",
    "attn2.to_k": "cross_attn.k",
    "attn2.to_v": "cross_attn.v",
    "attn2.to_out.0": "cross_attn.o",
    "ffn.net.0.proj": "ffn.0",
    "ffn.net.2": "ffn.2",
}


def comfy_layout(layers: dict[str, Any]) -> dict[str, Any]:
    """``layers`` (peft keys) as a Kijai LoRA file holds them: original module names, down/up,
    an ``alpha`` equal to the rank (scale 1) and a zeroed norm ``diff`` per block."""
    out: dict[str, Any] = {}
    blocks: set[str] = set()
    for key, value in layers.items():
        prefix, module, kind = _split(key)
        blocks.add(prefix)
        part = "lora_down" if kind == "lora_A" else "lora_up"
        out[f"diffusion_model.{prefix}.{ORIGINAL_NAMES[module]}.{part}.weight"] = value.contiguous()
        if kind == "lora_A":
            out[f"diffusion_model.{prefix}.{ORIGINAL_NAMES[module]}.alpha"] = torch.tensor(
                float(value.shape[0])
            )
    for prefix in blocks:
        out[f"diffusion_model.{prefix}.norm3.diff"] = torch.zeros(1)
    return out


def _split(key: str) -> tuple[str, str, str]:
    """``blocks.3.attn1.to_q.lora_A.weight`` → (``blocks.3``, ``attn1.to_q``, ``lora_A``)."""
    parts = key.split(".")
    return ".".join(parts[:2]), ".".join(parts[2:-2]), parts[-2]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from safetensors.torch import save_file

    settings = tiny_settings(tmp_path_factory, "lora-layouts")
    layers = random_lora_layers(build_tiny_transformer(16, 5), rank=4, seed=9, std=0.2)
    assert {_split(k)[1] for k in layers} <= set(ORIGINAL_NAMES)
    loras = Path(settings.data_dir) / "models" / "loras"
    save_lora_layers(loras / PEFT / WEIGHTS, layers)
    (loras / COMFY).mkdir(parents=True)
    save_file(comfy_layout(layers), str(loras / COMFY / WEIGHTS))
    return settings


def test_a_comfyui_layout_lora_loads_and_acts_as_its_peft_twin(settings: Settings) -> None:
    with tiny_draft_presets({PEFT: local_lora(WEIGHTS), COMFY: local_lora(WEIGHTS)}):
        cache = tiny_cache(settings)
        peft = render(cache, settings, SpeedMode.DRAFT, preset=PEFT)
        comfy = render(cache, settings, SpeedMode.DRAFT, preset=COMFY)
        # The draft's own schedule with the adapter off: what a LoRA that reached nothing renders.
        plain = render(cache, settings, SpeedMode.QUALITY, 4, preset=COMFY, guidance=1.0)
    assert comfy.report is not None and comfy.report.passes == 4
    assert np.array_equal(comfy.frames, peft.frames)
    assert not np.array_equal(comfy.frames, plain.frames)
