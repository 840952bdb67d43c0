"""The GPU engine tuned where it is cheap and safe, each switch in ``settings.engine``.

* attention backend — ``auto`` tries flash-3, sage, cuDNN in that order (diffusers checks each
  kernel's requirements and refuses what the device lacks), else native SDPA;
* TF32 matmuls — the float32 VAE decodes on tensor cores;
* ``compile_repeated_blocks`` — regional compile of the transformer's repeated block, warmed up
  at load so the first user never pays the compile;
* VAE tiling — above 480p (``auto``), where decoding whole frames costs the most memory;
* placement — the memory plan: whole on the GPU, model CPU offload, or group offload (streams).

On a CPU every switch is off. One log line says what was chosen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from reelbot.domain.presets import MemoryPlan, PresetSpec, memory_plan
from reelbot.domain.settings import EngineSettings
from reelbot.generator.presets import LoadContext
from reelbot.generator.speed.counter import transformers_of

log = logging.getLogger(__name__)

AUTO_BACKENDS = ("_flash_3", "sage", "_native_cudnn")


@dataclass(frozen=True)
class Tuning:
    """What one engine runs with (also reported per clip: ``attention_backend``, ``memory_plan``)."""

    attention_backend: str = "native"
    tf32: bool = False
    compiled: bool = False
    vae_tiling: bool = False
    memory_plan: MemoryPlan = "whole"


def _set_backend(transformers: list[Any], wanted: str) -> str:
    candidates = AUTO_BACKENDS if wanted == "auto" else (wanted,)
    for name in candidates:
        try:
            for transformer in transformers:
                transformer.set_attention_backend(name)
            return name
        except Exception as exc:  # missing kernel / unsupported device: try the next one
            log.debug("attention backend %s unavailable: %s", name, exc)
    for transformer in transformers:
        transformer.set_attention_backend("native")
    return "native"


def _place(pipes: list[Any], plan: MemoryPlan, device: str) -> None:
    import torch

    first = pipes[0]
    if plan == "model_offload":
        first.enable_model_cpu_offload(device=device)
    elif plan == "group_offload":
        first.enable_group_offload(
            onload_device=torch.device(device), offload_type="leaf_level", use_stream=True
        )
    else:
        for pipe in pipes:
            pipe.to(device)


def choose_plan(spec: PresetSpec, ctx: LoadContext, settings: EngineSettings) -> MemoryPlan:
    if settings.offload == "none":
        return "whole"
    if settings.offload in ("model", "group"):
        return "model_offload" if settings.offload == "model" else "group_offload"
    return memory_plan(spec, ctx.card_gb)


def tune(
    pipes: Iterable[Any],
    spec: PresetSpec,
    ctx: LoadContext,
    *,
    warm_up: Callable[[], object] | None = None,
) -> Tuning:
    """Place ``pipes`` on the device and apply the engine switches; log and return the choice."""
    pipes = [p for p in pipes if p is not None]
    settings = ctx.engine or EngineSettings()
    if not ctx.device.startswith("cuda"):
        for pipe in pipes:
            pipe.to(ctx.device)
        tuning = Tuning()
        log.info(
            "engine %s on %s: attention native, tf32 off, compile off, vae tiling off, whole",
            spec.name,
            ctx.device,
        )
        return tuning
    import torch

    plan = choose_plan(spec, ctx, settings)
    _place(pipes, plan, ctx.device)
    transformers = transformers_of(pipes)
    backend = _set_backend(transformers, settings.attention_backend)
    if settings.tf32:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    tiling = settings.vae_tiling == "on" or (settings.vae_tiling == "auto" and spec.base_size[1] > 480)
    if tiling:
        for pipe in pipes:
            pipe.vae.enable_tiling()
    compiled = settings.compile and plan == "whole"  # offload hooks and compile do not mix well
    if compiled:
        for transformer in transformers:
            transformer.compile_repeated_blocks(fullgraph=True)
        if warm_up is not None:
            warm_up()
    tuning = Tuning(backend, settings.tf32, compiled, tiling, plan)
    log.info(
        "engine %s on %s: attention %s, tf32 %s, compile %s, vae tiling %s, %s",
        spec.name,
        ctx.device,
        backend,
        "on" if tuning.tf32 else "off",
        "on" if compiled else "off",
        "on" if tiling else "off",
        plan,
    )
    return tuning
