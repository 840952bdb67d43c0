"""GPU benchmark: reelbot's own engine per speed mode beside diffusers' plain call, same weights.

    python bench/gpu_bench.py                     # Wan 2.1 T2V 1.3B full size, 480×832×81, on CUDA
    python bench/gpu_bench.py --cpu-smoke         # the tiny preset on a CPU (what runs in CI-less boxes)

What runs is the worker's code, not a copy: a bench preset (the shipped spec under another name)
gets an engine loader that builds the full-size pipeline with random weights *on the device*
(transformer bf16, Wan VAE fp32, a one-layer random UMT5 at d_model 4096 so prompt embeddings
have the real [1, 512, 4096] shape), places and tunes it with ``generator.speed.tuning.tune``
(attention backend, TF32, compile, tiling, memory plan) and returns ``HubWanEngine`` — the class
the worker loads. Each mode then renders through ``generator.runner.render_counted`` (the
worker's mode switching, LoRA adapter, cache hook, pass counting and RenderReport). Draft loads
a random LoRA of the real shape through ``pipe.load_lora_weights`` from the models folder.

Beside it, ``plain``: a second pipeline from the same seed (identical weights), no tuning,
called the way diffusers' Wan docs do (``pipe(prompt, …, guidance_scale=5)``).

Per mode: median s/clip over ``--rounds`` (after one warm-up), transformer passes (counted),
passes skipped, peak GPU memory, MFU (full passes × FLOPs of one pass, counted once with
``torch.utils.flop_counter``, / s/clip / ``--peak-tflops``; s/clip includes text encoding and
the VAE decode, so this is a lower bound), and the frames' relative L2 difference to
``quality``. Prints a table (and ``--json``); nothing passes or fails.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from reelbot.domain.presets import PRESETS, get_preset
from reelbot.domain.settings import EngineSettings
from reelbot.domain.types import SpeedMode
from reelbot.generator.cache import EngineCache
from reelbot.generator.hub_presets import HubWanEngine
from reelbot.generator.presets import LoadContext, RenderJob, register_preset
from reelbot.generator.runner import render_counted
from reelbot.generator.speed.counter import counting, transformers_of
from reelbot.generator.speed.lora import random_lora_layers, save_lora_layers
from reelbot.generator.speed.tuning import tune
from reelbot.generator.tiny import (
    TINY_MAX_SEQUENCE_LENGTH,
    TINY_VOCAB,
    build_tiny_pipelines,
    build_tiny_tokenizer,
    frames_to_uint8,
)

WAN21_1_3B = dict(
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
)
PROMPT = "a red fox running through snow, slow motion, golden light"


def build_full_wan(device: str, seed: int) -> Any:
    """WanPipeline at Wan 2.1 1.3B size with random weights made on ``device`` (no hub)."""
    from diffusers import (
        AutoencoderKLWan,
        FlowMatchEulerDiscreteScheduler,
        WanPipeline,
        WanTransformer3DModel,
    )
    from transformers import UMT5Config, UMT5EncoderModel

    torch.manual_seed(seed)
    with torch.device(device):
        transformer = WanTransformer3DModel(**WAN21_1_3B).to(torch.bfloat16).eval()
        text = (
            UMT5EncoderModel(
                UMT5Config(
                    vocab_size=len(TINY_VOCAB),
                    d_model=4096,
                    d_kv=64,
                    d_ff=1024,
                    num_layers=1,
                    num_heads=8,
                    pad_token_id=0,
                    eos_token_id=1,
                    decoder_start_token_id=0,
                )
            )
            .to(torch.bfloat16)
            .eval()
        )
        vae = AutoencoderKLWan().eval()  # the Wan 2.1 VAE config, fp32 like the loader
    pipe = WanPipeline(
        build_tiny_tokenizer(), text, vae, FlowMatchEulerDiscreteScheduler(shift=3.0), transformer
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe


def register_bench_preset(base: str, device: str, seed: int) -> str:
    """The shipped spec under a bench name, with a loader that builds random weights and tunes
    them exactly like the worker's Wan loader (``tune`` → ``HubWanEngine``)."""
    name = f"bench-{base}"
    if name in PRESETS:
        return name
    spec = dataclasses.replace(get_preset(base), name=name, group="bench", model_id=None)

    def load(ctx: LoadContext) -> HubWanEngine:
        pipe = build_full_wan(ctx.device, seed)
        pipe.reelbot_tuning = tune([pipe], spec, ctx)
        return HubWanEngine(pipe, None, ctx.device)

    register_preset(spec)(load)
    return name


def flops_per_pass(pipe: Any, job: RenderJob) -> float:
    """FLOPs of one transformer forward at the clip's latent shape (counted, eager)."""
    from torch.utils.flop_counter import FlopCounterMode

    t = pipe.transformer
    frames, h, w = (job.num_frames - 1) // 4 + 1, job.height // 8, job.width // 8
    dev, dtype = next(t.parameters()).device, next(t.parameters()).dtype
    latents = torch.randn(1, t.config.in_channels, frames, h, w, device=dev, dtype=dtype)
    text = torch.randn(1, 512, t.config.text_dim, device=dev, dtype=dtype)
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        t(
            hidden_states=latents,
            timestep=torch.tensor([500.0], device=dev),
            encoder_hidden_states=text,
            return_dict=False,
        )
    return float(counter.get_total_flops())


def timed(fn: Any, rounds: int, device: str) -> tuple[float, Any]:
    """Median seconds of ``fn()`` after one warm-up; its last result."""
    result = fn()
    times = []
    for _ in range(rounds):
        if device == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        result = fn()
        if device == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def rel_l2(a: np.ndarray, b: np.ndarray) -> float:
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    return float(np.linalg.norm(a64 - b64) / max(np.linalg.norm(b64), 1e-12))


def make_context(args: argparse.Namespace, device: str, models: Path) -> LoadContext:
    """The worker's load context: its engine settings, the card size for the memory plan."""
    card = None if device == "cpu" else torch.cuda.get_device_properties(0).total_memory / 1e9
    dtype = "float32" if device == "cpu" else "bfloat16"
    engine = EngineSettings(compile=args.compile and device == "cuda")
    return LoadContext(device=device, dtype=dtype, cache_dir=str(models), engine=engine, card_gb=card)


def bench_job(spec: Any, speed: SpeedMode, size: tuple[int, int, int], steps: int, seed: int) -> RenderJob:
    """One clip's job in ``speed`` (a distilled mode keeps its own step count)."""
    mode = spec.modes[speed]
    width, height, frames = size
    return RenderJob(
        prompt=PROMPT,
        negative_prompt="",
        width=width,
        height=height,
        num_frames=frames,
        fps=16,
        steps=mode.steps if mode.fixed_steps else steps,
        guidance=mode.guidance,
        seed=seed,
        speed=speed,
    )


def plain_row(pipe: Any, job: RenderJob, args: argparse.Namespace, device: str) -> dict[str, Any]:
    """diffusers' plain call on the same weights, passes counted by the same hooks."""
    seq = TINY_MAX_SEQUENCE_LENGTH if args.cpu_smoke else 512  # what each engine passes

    def call() -> np.ndarray:
        out = pipe(
            prompt=PROMPT,
            height=job.height,
            width=job.width,
            num_frames=job.num_frames,
            num_inference_steps=job.steps,
            guidance_scale=job.guidance,
            output_type="np",
            generator=torch.Generator("cpu").manual_seed(args.seed),
            max_sequence_length=seq,
        )
        return frames_to_uint8(out.frames[0])

    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    s, _ = timed(call, args.rounds, device)
    with counting(transformers_of([pipe])) as count:
        frames = call()
    peak = torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else None
    return {
        "mode": "plain (diffusers)",
        "s_clip": s,
        "passes": count.passes,
        "skipped": count.skipped,
        "peak_mb": peak,
        "frames": frames,
        "attention": "native",
    }


def mode_row(
    cache: EngineCache, spec: Any, job: RenderJob, args: argparse.Namespace, device: str
) -> dict[str, Any]:
    """One speed mode through the worker's own call (``render_counted``)."""
    s, (frames, report) = timed(
        lambda: render_counted(cache, spec, job, lambda a, b: True), args.rounds, device
    )
    return {
        "mode": job.speed.value,
        "s_clip": s,
        "passes": report.passes,
        "skipped": report.passes_skipped,
        "peak_mb": report.peak_gpu_memory_mb,
        "frames": frames,
        "attention": report.attention_backend,
    }


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    device = "cpu" if args.cpu_smoke else "cuda"
    models = Path(args.models or tempfile.mkdtemp(prefix="reelbot-bench-"))
    name = "tiny" if args.cpu_smoke else register_bench_preset(args.preset, device, args.seed)
    spec = get_preset(name)
    size = (64, 64, 5) if args.cpu_smoke else (832, 480, 81)
    cache = EngineCache(make_context(args, device, models))
    engine: Any = cache.get(name)
    if not args.cpu_smoke:  # the draft LoRA: random, real shape, loaded by load_lora_weights
        lora = spec.modes[SpeedMode.DRAFT].lora
        assert lora is not None
        layers = random_lora_layers(engine.t2v.transformer)
        save_lora_layers(models / "loras" / name / lora.weight_name, layers)
    plain_pipe = build_tiny_pipelines()[0] if args.cpu_smoke else build_full_wan(device, args.seed)
    if device == "cuda":
        plain_pipe.to(device)
    steps = args.steps or spec.modes[SpeedMode.QUALITY].steps
    q_job = bench_job(spec, SpeedMode.QUALITY, size, steps, args.seed)
    rows = [plain_row(plain_pipe, q_job, args, device)]
    rows += [
        mode_row(cache, spec, bench_job(spec, sp, size, steps, args.seed), args, device) for sp in spec.modes
    ]
    per_pass = flops_per_pass(engine.t2v, q_job)
    reference = next(r["frames"] for r in rows if r["mode"] == "quality")
    for row in rows:
        full = row["passes"] - row["skipped"]
        row["mfu"] = full * per_pass / row["s_clip"] / (args.peak_tflops * 1e12)
        row["rel_diff_vs_quality"] = rel_l2(row.pop("frames"), reference)
        row["speedup_vs_plain"] = rows[0]["s_clip"] / row["s_clip"]
    return rows


def show(rows: list[dict[str, Any]], title: str) -> None:
    print(title)
    print(
        f"{'mode':<18} {'s/clip':>8} {'× plain':>8} {'passes':>7} {'skipped':>8} {'peak MB':>9} {'MFU':>7} "
        f"{'rel. diff vs quality':>21} attention"
    )
    for r in rows:
        peak = "-" if r["peak_mb"] is None else f"{r['peak_mb']:.0f}"
        print(
            f"{r['mode']:<18} {r['s_clip']:>8.2f} {r['speedup_vs_plain']:>8.2f} {r['passes']:>7} "
            f"{r['skipped']:>8} {peak:>9} {r['mfu']:>7.2%} {r['rel_diff_vs_quality']:>21.4f} {r['attention']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu-smoke", action="store_true", help="tiny preset on the CPU (no GPU needed)")
    parser.add_argument("--preset", default="wan-2.1-t2v-1.3b", help="shipped spec to benchmark at full size")
    parser.add_argument(
        "--steps", type=int, default=None, help="quality/balanced steps (default: the spec's)"
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="timed rounds per mode (median), after a warm-up"
    )
    parser.add_argument("--compile", action="store_true", help="compile_repeated_blocks with warm-up (CUDA)")
    parser.add_argument(
        "--peak-tflops", type=float, default=790.0, help="bf16 dense peak for MFU (H100/H200)"
    )
    parser.add_argument("--models", type=str, default=None, help="models folder (default: a temp dir)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    if not args.cpu_smoke and not torch.cuda.is_available():
        raise SystemExit("no CUDA device: run with --cpu-smoke for the tiny CPU version")
    rows = run(args)
    card = "CPU" if args.cpu_smoke else torch.cuda.get_device_name()
    show(rows, f"{card}: preset {'tiny' if args.cpu_smoke else args.preset}, rounds {args.rounds} (median)")
    if args.json:
        args.json.write_text(json.dumps({"card": card, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
