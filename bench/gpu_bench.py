"""GPU benchmark: full-size Wan transformers with random weights, diffusers' default vs reelbot's path.

    python bench/gpu_bench.py                                   # Wan 2.1 T2V 1.3B, 480×832×81, H100/H200
    python bench/gpu_bench.py --model wan22-ti2v-5b             # Wan 2.2 TI2V 5B, 704×1280×121
    python bench/gpu_bench.py --model tiny --device cpu --modes default fbcache --steps 4   # smoke test

What runs: the denoising loop only — the transformer called twice a step (cond + uncond,
CFG) under diffusers' ``FlowMatchEulerDiscreteScheduler``, on random latents and random
``prompt_embeds`` of shape [1, 512, 4096] (no multi-GB UMT5 text encoder, no hub). That is
where >90 % of a clip's GPU time goes; the VAE decode is not timed here.

Modes (each on a fresh copy of the same random weights, same inputs, same seed):

* ``fp32``     — no ``torch_dtype``: what ``from_pretrained`` gives by default.
* ``default``  — bf16 eager with diffusers' default attention (native SDPA): the call in
  diffusers' Wan docs. The baseline for speed-ups and output differences.
* ``reelbot``  — bf16, an explicit SDPA backend (cuDNN, else PyTorch flash), TF32 allowed,
  ``compile_repeated_blocks(fullgraph=True)`` (regional torch.compile of the 30 blocks).
* ``fbcache``  — bf16 + First-Block Cache (``FirstBlockCacheConfig(threshold)``): steps whose
  first-block residual barely changed reuse the cached tail. Output differs; reported.
* ``reelbot+fbcache`` — both.

Per mode: s/step, s/clip (× --clip-steps), peak memory, dense-equivalent TFLOP/s of the
transformer (FLOPs counted once by ``torch.utils.flop_counter`` in eager mode) and MFU
against ``--peak-tflops`` (≈ 800 for bf16 dense matmul on H100/H200 as measured here), and
the final latents' relative L2 difference vs ``default``. A mode that fails prints its
error and the rest go on. Prints a table; nothing passes or fails.

The GPU machine has torch but not diffusers: install the diffusers (and ftfy) wheels you
carry there first (bench/README.md).
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import logging
import time
import traceback
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from rich.console import Console
from rich.table import Table

console = Console(width=160)
log = logging.getLogger("gpu_bench")


@dataclass(frozen=True)
class ModelSpec:
    """A transformer config and the latent shape of one clip (after the VAE)."""

    name: str
    config: dict[str, Any]
    latent: tuple[int, int, int, int, int]  # B, C, F, H, W
    text_tokens: int
    text_dim: int
    flow_shift: float
    clip: str


SPECS: dict[str, ModelSpec] = {
    # 480×832×81 frames → VAE 8× spatial, 4× temporal: 21 × 60 × 104 latents.
    "wan21-t2v-1.3b": ModelSpec(
        "Wan 2.1 T2V 1.3B",
        dict(
            patch_size=(1, 2, 2),
            num_attention_heads=12,
            attention_head_dim=128,
            in_channels=16,
            out_channels=16,
            text_dim=4096,
            freq_dim=256,
            ffn_dim=8960,
            num_layers=30,
            cross_attn_norm=True,
            qk_norm="rms_norm_across_heads",
            eps=1e-6,
            rope_max_seq_len=1024,
        ),
        (1, 16, 21, 60, 104),
        512,
        4096,
        3.0,
        "480×832, 81 frames",
    ),
    # 704×1280×121 frames → Wan 2.2 VAE 16× spatial, 4× temporal: 31 × 44 × 80 latents.
    "wan22-ti2v-5b": ModelSpec(
        "Wan 2.2 TI2V 5B",
        dict(
            patch_size=(1, 2, 2),
            num_attention_heads=24,
            attention_head_dim=128,
            in_channels=48,
            out_channels=48,
            text_dim=4096,
            freq_dim=256,
            ffn_dim=14336,
            num_layers=30,
            cross_attn_norm=True,
            qk_norm="rms_norm_across_heads",
            eps=1e-6,
            rope_max_seq_len=1024,
        ),
        (1, 48, 31, 44, 80),
        512,
        4096,
        5.0,
        "704×1280, 121 frames",
    ),
    # The tests' tiny Wan (docs: PLATFORMS.md) — a CPU smoke test of this script.
    "tiny": ModelSpec(
        "tiny Wan (smoke test)",
        dict(
            patch_size=(1, 2, 2),
            num_attention_heads=2,
            attention_head_dim=12,
            in_channels=16,
            out_channels=16,
            text_dim=32,
            freq_dim=256,
            ffn_dim=32,
            num_layers=2,
            cross_attn_norm=True,
            qk_norm="rms_norm_across_heads",
            eps=1e-6,
            rope_max_seq_len=32,
        ),
        (1, 16, 5, 16, 16),
        16,
        32,
        3.0,
        "128×128, 17 frames",
    ),
}

MODES = ("fp32", "default", "reelbot", "fbcache", "reelbot+fbcache")


@dataclass
class Result:
    mode: str
    ok: bool
    s_per_step: float = 0.0
    s_per_clip: float = 0.0
    warmup_s: float = 0.0
    peak_mem_gib: float = 0.0
    tflops: float = 0.0
    mfu: float = 0.0
    rel_l2_vs_default: float | None = None
    attention: str = ""
    error: str = ""


def build(spec: ModelSpec, seed: int) -> torch.nn.Module:
    """The transformer with deterministic random weights, fp32 on CPU (copied per mode)."""
    from diffusers import WanTransformer3DModel

    torch.manual_seed(seed)
    model: Any = WanTransformer3DModel(**spec.config)
    model.eval().requires_grad_(False)
    return model


def inputs(spec: ModelSpec, device: str, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    gen = torch.Generator("cpu").manual_seed(seed)
    latents = torch.randn(spec.latent, generator=gen)
    cond = torch.randn((1, spec.text_tokens, spec.text_dim), generator=gen)
    uncond = torch.randn((1, spec.text_tokens, spec.text_dim), generator=gen)
    return latents.to(device), cond.to(device), uncond.to(device)


def to_dtype(model: Any, device: str, dtype: torch.dtype) -> Any:
    """Cast like ``from_pretrained(torch_dtype=...)`` does: ``_keep_in_fp32_modules`` stay fp32."""
    model = model.to(device=device, dtype=dtype)
    keep = getattr(model, "_keep_in_fp32_modules", None) or []
    if dtype != torch.float32:
        for name, module in model.named_modules():
            if any(part in keep for part in name.split(".")):
                module.to(torch.float32)
    return model


def pick_attention_backend(model: Any, device: str) -> str:
    """cuDNN attention is fastest on Hopper for long sequences; fall back to flash, then native."""
    if device != "cuda":
        return "native"
    for backend in ("_native_cudnn", "_native_flash", "native"):
        try:
            model.set_attention_backend(backend)
            return backend
        except Exception as exc:  # backend unavailable in this build
            log.info("attention backend %s unavailable: %s", backend, exc)
    return "native"


def prepare(base: torch.nn.Module, mode: str, device: str, fbc_threshold: float) -> tuple[Any, str]:
    model: Any = copy.deepcopy(base)
    dtype = torch.float32 if mode == "fp32" else torch.bfloat16
    model = to_dtype(model, device, dtype)
    attention = "native (SDPA)"
    if "reelbot" in mode:
        if device == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True
        attention = pick_attention_backend(model, device)
    if "fbcache" in mode:
        from diffusers.hooks import FirstBlockCacheConfig

        model.enable_cache(FirstBlockCacheConfig(threshold=fbc_threshold))
    if "reelbot" in mode:
        model.compile_repeated_blocks(fullgraph=True)
    return model, attention


def denoise(
    model: Any,
    spec: ModelSpec,
    latents: torch.Tensor,
    cond: torch.Tensor,
    uncond: torch.Tensor,
    steps: int,
    guidance: float,
) -> torch.Tensor:
    """Wan's loop: two transformer calls per step, CFG, flow-matching Euler."""
    from diffusers import FlowMatchEulerDiscreteScheduler

    scheduler: Any = FlowMatchEulerDiscreteScheduler(shift=spec.flow_shift)
    scheduler.set_timesteps(steps, device=latents.device)
    dtype = model.proj_out.weight.dtype  # the compute dtype (some norms stay fp32)
    x = latents.to(dtype)
    cond, uncond = cond.to(dtype), uncond.to(dtype)
    has_cache = hasattr(model, "cache_context")
    for i, t in enumerate(scheduler.timesteps):
        timestep = t.expand(x.shape[0])
        kwargs = {"step_index": i, "sigma": float(scheduler.sigmas[i]), "num_inference_steps": steps}
        with model.cache_context("cond", **kwargs) if has_cache else nullcontext():
            noise_c = model(
                hidden_states=x, timestep=timestep, encoder_hidden_states=cond, return_dict=False
            )
        with model.cache_context("uncond", **kwargs) if has_cache else nullcontext():
            noise_u = model(
                hidden_states=x, timestep=timestep, encoder_hidden_states=uncond, return_dict=False
            )
        noise_c, noise_u = noise_c[0], noise_u[0]
        noise = noise_u + guidance * (noise_c - noise_u)
        x = scheduler.step(noise, t, x, return_dict=False)[0]
    return x.float()


def count_flops(base: torch.nn.Module, spec: ModelSpec, device: str) -> float:
    """FLOPs of one transformer forward (eager bf16; matmuls and SDPA counted)."""
    from torch.utils.flop_counter import FlopCounterMode

    model: Any = to_dtype(copy.deepcopy(base), device, torch.bfloat16 if device == "cuda" else torch.float32)
    latents, cond, _ = inputs(spec, device, 0)
    dtype = model.proj_out.weight.dtype
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        model(
            hidden_states=latents.to(dtype),
            timestep=torch.tensor([500.0], device=device),
            encoder_hidden_states=cond.to(dtype),
            return_dict=False,
        )
    del model
    return float(counter.get_total_flops())


def sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def run_mode(
    base: torch.nn.Module,
    spec: ModelSpec,
    mode: str,
    args: argparse.Namespace,
    flops_per_forward: float,
    reference: torch.Tensor | None,
) -> tuple[Result, torch.Tensor | None]:
    device = args.device
    try:
        gc.collect()
        if device == "cuda":
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        model, attention = prepare(base, mode, device, args.fbc_threshold)
        latents, cond, uncond = inputs(spec, device, args.seed)
        with torch.no_grad():
            sync(device)
            start = time.perf_counter()
            denoise(model, spec, latents, cond, uncond, args.warmup, args.guidance)  # compiles here
            sync(device)
            warmup = time.perf_counter() - start
            start = time.perf_counter()
            out = denoise(model, spec, latents, cond, uncond, args.steps, args.guidance)
            sync(device)
            elapsed = time.perf_counter() - start
        per_step = elapsed / args.steps
        tflops = flops_per_forward * 2 / per_step / 1e12
        peak = torch.cuda.max_memory_allocated() / 2**30 if device == "cuda" else 0.0
        rel = None
        if reference is not None:
            rel = float(torch.linalg.vector_norm(out - reference) / torch.linalg.vector_norm(reference))
        result = Result(
            mode=mode,
            ok=True,
            s_per_step=per_step,
            s_per_clip=per_step * args.clip_steps,
            warmup_s=warmup,
            peak_mem_gib=peak,
            tflops=tflops,
            mfu=tflops / args.peak_tflops,
            rel_l2_vs_default=rel,
            attention=attention,
        )
        del model
        return result, out.cpu()
    except Exception as exc:
        console.print(f"[red]{mode} failed: {type(exc).__name__}: {exc}[/red]")
        log.debug("%s", traceback.format_exc())
        return Result(mode=mode, ok=False, error=f"{type(exc).__name__}: {str(exc)[:200]}"), None


def show(spec: ModelSpec, args: argparse.Namespace, results: list[Result], flops: float) -> None:
    card = torch.cuda.get_device_name() if args.device == "cuda" else "CPU"
    console.print(
        f"{spec.name} transformer, {spec.clip}, latents {list(spec.latent)}, "
        f"{flops / 1e9:,.1f} GFLOP per forward, "
        f"{args.steps} timed steps after {args.warmup} warm-up, CFG (2 forwards/step); device: {card}; "
        f"torch {torch.__version__}",
        highlight=False,
    )
    baseline = next((r for r in results if r.mode == "default" and r.ok), None)
    table = Table(title="Denoising loop, random weights")
    for column in (
        "mode",
        "attention",
        "s/step",
        f"s/clip ({args.clip_steps} steps)",
        "speed-up",
        "warm-up s",
        "peak GiB",
        "TFLOP/s",
        "MFU",
        "rel L2 vs default",
    ):
        table.add_column(column, justify="right")
    for r in results:
        if not r.ok:
            table.add_row(r.mode, "", "failed", r.error[:60], "", "", "", "", "", "")
            continue
        speedup = f"{baseline.s_per_step / r.s_per_step:.2f}×" if baseline else ""
        rel = "" if r.rel_l2_vs_default is None else f"{r.rel_l2_vs_default:.2e}"
        table.add_row(
            r.mode,
            r.attention,
            f"{r.s_per_step:.3f}",
            f"{r.s_per_clip:.1f}",
            speedup,
            f"{r.warmup_s:.1f}",
            f"{r.peak_mem_gib:.1f}",
            f"{r.tflops:.0f}",
            f"{r.mfu:.1%}",
            rel,
        )
    console.print(table)
    console.print(
        "TFLOP/s and MFU are dense-equivalent: cached steps skip work, so they overstate for fbcache."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(SPECS), default="wan21-t2v-1.3b")
    parser.add_argument(
        "--modes", nargs="+", choices=MODES, default=["default", "reelbot", "fbcache", "reelbot+fbcache"]
    )
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--steps", type=int, default=10, help="timed denoising steps per mode")
    parser.add_argument(
        "--warmup", type=int, default=2, help="untimed steps first (torch.compile runs here)"
    )
    parser.add_argument("--clip-steps", type=int, default=50, help="steps of a real clip, for s/clip")
    parser.add_argument("--guidance", type=float, default=5.0)
    parser.add_argument("--fbc-threshold", type=float, default=0.05)
    parser.add_argument("--peak-tflops", type=float, default=800.0, help="bf16 dense peak used for MFU")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    spec = SPECS[args.model]
    base = build(spec, args.seed)
    flops = count_flops(base, spec, args.device)
    modes = list(args.modes)
    if "default" in modes:  # the reference runs first
        modes.remove("default")
        modes.insert(0, "default")
    results: list[Result] = []
    reference: torch.Tensor | None = None
    for mode in modes:
        result, out = run_mode(base, spec, mode, args, flops, reference)
        if mode == "default" and out is not None:
            reference = out
        results.append(result)
        console.log(f"{mode}: {f'{result.s_per_step:.3f} s/step' if result.ok else 'failed'}")
    show(spec, args, results, flops)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        device = torch.cuda.get_device_name() if args.device == "cuda" else "cpu"
        payload = {
            "model": spec.name,
            "device": device,
            "flops_per_forward": flops,
            "results": [asdict(r) for r in results],
        }
        args.json.write_text(json.dumps(payload, indent=2))


if __name__ == "__main__":
    main()
