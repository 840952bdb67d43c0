"""Distilled LoRAs for draft mode, loaded the real way: ``pipe.load_lora_weights`` (peft).

Where the weights come from: ``<models>/loras/<preset>/<weight_name>`` when an operator put
them there (no network), else the spec's hub repo (downloaded into ``<models>``). The tiny
preset's LoRA is random and built in-process, like its weights, then saved to that folder and
loaded through the same call. A missing file or a LoRA made for another model is one clear
error (``generator.lora_missing`` / ``generator.lora_mismatch``), not a traceback.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from reelbot.domain.errors import ReelbotError
from reelbot.domain.presets import LoraSource, PresetSpec

log = logging.getLogger(__name__)

TINY_LORA_SEED = 20260102
#: The one LoRA built in-process when absent (the tiny preset's draft; spec ``repo=None``).
TINY_LORA_NAME = "tiny_draft_lora.safetensors"
TINY_LORA_TARGETS = ["to_q", "to_k", "to_v", "to_out.0", "ffn.net.0.proj", "ffn.net.2"]


def lora_dir(models_dir: str | None, preset: PresetSpec) -> Path:
    return Path(models_dir or "models") / "loras" / preset.name


def random_lora_layers(
    transformer: Any, *, rank: int = 4, seed: int = TINY_LORA_SEED, std: float = 0.02
) -> dict[str, Any]:
    """A random LoRA for ``transformer`` in peft's key format, without touching its modules
    (bench/gpu_bench.py makes one for a full-size model already on the GPU)."""
    import torch

    targets = tuple(TINY_LORA_TARGETS)
    gen = torch.Generator(device="cpu").manual_seed(seed)
    layers: dict[str, Any] = {}
    for name, module in transformer.named_modules():
        if isinstance(module, torch.nn.Linear) and name.startswith("blocks.") and name.endswith(targets):
            a = torch.randn(rank, module.in_features, generator=gen) * std
            b = torch.randn(module.out_features, rank, generator=gen) * std
            layers[f"{name}.lora_A.weight"], layers[f"{name}.lora_B.weight"] = a, b
    return layers


def save_lora_layers(path: Path, layers: dict[str, Any]) -> Path:
    """Write LoRA layers where ``load_lora_weights(path.parent, weight_name=path.name)`` reads them."""
    from diffusers import WanPipeline

    path.parent.mkdir(parents=True, exist_ok=True)
    WanPipeline.save_lora_weights(str(path.parent), transformer_lora_layers=layers, weight_name=path.name)
    return path


def save_tiny_lora(path: Path, *, seed: int = TINY_LORA_SEED, transformer: Any = None) -> Path:
    """A random rank-4 LoRA for the tiny Wan transformer, saved where ``load_lora_weights`` reads.

    ``transformer`` lets a test make one for another shape (the wrong-shape case).
    """
    import torch
    from diffusers import WanPipeline
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    from reelbot.generator.tiny import build_tiny_transformer

    source = transformer if transformer is not None else build_tiny_transformer(16, seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        config = LoraConfig(r=4, lora_alpha=4, target_modules=TINY_LORA_TARGETS, init_lora_weights=False)
        source.add_adapter(config, adapter_name="draft")
    layers = get_peft_model_state_dict(source, adapter_name="draft")
    path.parent.mkdir(parents=True, exist_ok=True)
    WanPipeline.save_lora_weights(str(path.parent), transformer_lora_layers=layers, weight_name=path.name)
    return path


def resolve(
    preset: PresetSpec, source: LoraSource, models_dir: str | None, weight_name: str
) -> tuple[str, str]:
    """(folder or repo, weight file) for ``load_lora_weights``; raises lora_missing when absent."""
    folder = lora_dir(models_dir, preset)
    local = folder / weight_name  # a weight name may hold the repo's folders (LoRAs/Wan22-Turbo/…)
    if local.is_file():
        return str(folder), weight_name
    if source.repo is None:
        if weight_name == TINY_LORA_NAME:
            save_tiny_lora(local)
            log.info("built the tiny draft LoRA at %s", local)
            return str(folder), weight_name
        raise _missing(preset, str(local))
    return source.repo, weight_name


def load_adapter(pipe: Any, preset: PresetSpec, source: LoraSource, models_dir: str | None) -> None:
    """Load the distilled LoRA into ``pipe`` once (both experts for Wan 2.2 A14B), disabled.

    Wan 2.2 A14B: the high-noise file goes into ``transformer``, the low-noise one into
    ``transformer_2`` (``load_into_transformer_2``, diffusers' two-expert LoRA loading).
    """
    files: list[tuple[str, dict[str, Any]]] = [(source.weight_name, {})]
    if source.weight_name_2 is not None and getattr(pipe, "transformer_2", None) is not None:
        files.append((source.weight_name_2, {"load_into_transformer_2": True}))
    for weight_name, extra in files:
        where, name = resolve(preset, source, models_dir, weight_name)
        adapter = source.adapter_name if not extra else f"{source.adapter_name}_2"
        try:
            pipe.load_lora_weights(
                where, weight_name=name, adapter_name=adapter, cache_dir=models_dir, **extra
            )
        except ReelbotError:
            raise
        except FileNotFoundError as exc:
            raise _missing(preset, f"{where}/{name}") from exc
        except (RuntimeError, ValueError, KeyError, OSError) as exc:
            _forget(pipe, adapter)  # leave no half-loaded adapter on the warm engine
            error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
            log.error(
                "draft LoRA of preset %s at %s does not fit the model: %s",
                preset.name,
                f"{where}/{name}",
                error,
            )
            raise ReelbotError("generator.lora_mismatch", preset=preset.name, mode="draft") from exc


def _missing(preset: PresetSpec, path: str) -> ReelbotError:
    """The person is told draft is unavailable; the file's place is for the operator's log only
    (a server path means nothing in a chat, and says more about the server than it should)."""
    log.error("draft LoRA of preset %s is missing: %s", preset.name, path)
    return ReelbotError("generator.lora_missing", preset=preset.name, mode="draft")


def _forget(pipe: Any, adapter: str) -> None:
    try:
        pipe.delete_adapters(adapter)
    except Exception:  # nothing was injected: nothing to remove
        log.debug("no adapter %s to remove after a failed load", adapter)
