"""The GPU engine tuned where it is cheap and safe, each switch in ``settings.engine``.

* attention backend — ``auto`` times every backend the device can run (flash-3, sage, cuDNN,
  native SDPA; diffusers refuses a kernel whose package is missing, and a probe call at the
  transformer's own head shape refuses one that cannot run here) and keeps the fastest: cuDNN
  is not faster than SDPA's flash kernel at every shape, so the order alone cannot decide;
* TF32 matmuls — the float32 VAE decodes on tensor cores;
* regional compile of the transformer's repeated blocks (:func:`compile_blocks`), warmed up at
  load in every mode the preset offers, so the first user never pays a compile;
* VAE tiling — above 480p (``auto``), where decoding whole frames costs the most memory;
* placement — the memory plan: whole on the GPU, model CPU offload, or group offload (streams).

On a CPU every switch is off. One log line says what was chosen.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from reelbot.domain.presets import MemoryPlan, PresetSpec, memory_plan
from reelbot.domain.settings import EngineSettings
from reelbot.generator.presets import LoadContext
from reelbot.generator.speed.counter import probe_block, transformers_of

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


#: The probe's query length: long enough that kernel choice, not launch overhead, decides.
PROBE_TOKENS = 4096
PROBE_CALLS = 5


def probe_attention_s(transformer: Any, backend: str, device: str) -> float | None:
    """Seconds one self-attention call takes through diffusers' dispatcher with ``backend`` at
    ``transformer``'s head count and width (bf16 on CUDA), or None when it cannot run there."""
    import torch
    from diffusers.models.attention_dispatch import AttentionBackendName, dispatch_attention_fn

    config = getattr(transformer, "config", {})
    heads = int(getattr(config, "num_attention_heads", 16))
    width = int(getattr(config, "attention_head_dim", 128))
    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    query = torch.randn(1, PROBE_TOKENS, heads, width, device=device, dtype=dtype)

    def sync() -> None:
        if device.startswith("cuda"):
            torch.cuda.synchronize()

    try:
        name = AttentionBackendName(backend)
        with torch.no_grad():
            dispatch_attention_fn(query, query, query, backend=name)  # first call: autotune, load
            sync()
            started = time.perf_counter()
            for _ in range(PROBE_CALLS):
                dispatch_attention_fn(query, query, query, backend=name)
            sync()
    except Exception as exc:  # no kernel for this device, dtype or shape
        log.debug("attention backend %s cannot run on %s: %s", backend, device, exc)
        return None
    return (time.perf_counter() - started) / PROBE_CALLS


def _settable(transformers: list[Any], name: str) -> bool:
    try:
        for transformer in transformers:
            transformer.set_attention_backend(name)
    except Exception as exc:  # missing kernel package / unsupported backend name
        log.debug("attention backend %s unavailable: %s", name, exc)
        return False
    return True


def choose_attention_backend(transformers: list[Any], wanted: str, device: str) -> str:
    """Set and return the attention backend: ``wanted`` when it runs here, else native;
    ``auto``: the fastest of :data:`AUTO_BACKENDS` and native that runs here (one log line
    gives each one's probe time, so an operator sees why)."""
    from diffusers.models.attention_dispatch import _AttentionBackendRegistry

    candidates = (*AUTO_BACKENDS, "native") if wanted == "auto" else (wanted,)
    timings: dict[str, float | None] = {}
    process_wide, _fn = _AttentionBackendRegistry.get_active_backend()
    try:
        for name in candidates:
            ok = _settable(transformers, name)
            timings[name] = probe_attention_s(transformers[0], name, device) if ok and transformers else None
        runnable = {name: s for name, s in timings.items() if s is not None}
        chosen = min(runnable, key=lambda name: runnable[name]) if runnable else "native"
        for transformer in transformers:
            transformer.set_attention_backend(chosen)
    finally:
        # set_attention_backend also makes its backend diffusers' process-wide default; put that
        # back, so a model loaded later in this worker (another preset: LTX's masked attention,
        # which flash kernels refuse) keeps the default and only these transformers carry the choice.
        _AttentionBackendRegistry.set_active_backend(process_wide)
    log.info(
        "attention probe (%d tokens): %s → %s",
        PROBE_TOKENS,
        ", ".join(f"{n} {'-' if s is None else f'{s * 1e3:.2f} ms'}" for n, s in timings.items()),
        chosen,
    )
    return chosen


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


def compile_blocks(transformer: Any, **options: Any) -> int:
    """Regional compile, as ``compile_repeated_blocks`` does it (each repeated block compiled on
    its own, one graph shared by all), of every repeated block but the pass counter's probe
    block, with graph breaks allowed; ``options`` go to ``torch.compile``. Returns the count.

    Not ``compile_repeated_blocks(fullgraph=True)``, for two reasons seen on the tiny Wan model:
    a caching hook's per-step decision is a ``torch.compiler.disable`` graph break, so
    ``fullgraph=True`` raises on the first balanced render; and Dynamo does not guard on module
    hooks, so the counter's hook inside a compiled last block is never called and every pass
    reads as skipped. Without a cache hook a block still compiles to one graph; the probe block
    (one of Wan's 30 to 40) runs eager.
    """
    kinds = set(getattr(transformer, "_repeated_blocks", None) or ())
    keep = probe_block(transformer)
    blocks = [m for m in transformer.modules() if m.__class__.__name__ in kinds and m is not keep]
    for block in blocks:
        block.compile(fullgraph=False, **options)
    return len(blocks)


def wants_vae_tiling(spec: PresetSpec, settings: EngineSettings) -> bool:
    """``on`` / ``off`` as set; ``auto`` tiles above 480p (the short side of the preset's size),
    where decoding whole frames at once costs the VAE the most memory."""
    return settings.vae_tiling == "on" or (settings.vae_tiling == "auto" and spec.base_size[1] > 480)


def tune(
    pipes: Iterable[Any],
    spec: PresetSpec,
    ctx: LoadContext,
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
    backend = choose_attention_backend(transformers, settings.attention_backend, ctx.device)
    if settings.tf32:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    tiling = wants_vae_tiling(spec, settings)
    if tiling:
        for pipe in pipes:
            pipe.vae.enable_tiling()
    compiled = settings.compile and plan == "whole"  # offload hooks and compile do not mix well
    if compiled:
        for transformer in transformers:
            compile_blocks(transformer)  # traced by the worker's warm-up renders (worker.warmup)
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
