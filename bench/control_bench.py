"""Conditioning benchmark: what a first frame, first+last frames or a subject image cost.

    python bench/control_bench.py                      # full-size Wan 2.1 1.3B configs, 480×832×81, GPU
    python bench/control_bench.py --tiny --device cpu  # smoke test with the tests' tiny configs

The whole pipeline runs (VAE encode of the conditioning frames → denoising → VAE decode),
with random weights and random ``prompt_embeds`` [1, 512, 4096] (no UMT5-XXL, no hub):

* ``t2v``          — WanPipeline, in_channels 16: the baseline of the same run.
* ``first``        — WanImageToVideoPipeline (Wan 2.2 style: no CLIP image encoder,
                     in_channels 36 = noise 16 + mask 4 + condition 16) with ``image``.
* ``first+last``   — the same with ``last_image``.
* ``vace-subject`` — WanVACEPipeline (Wan 2.1 VACE 1.3B layout: VACE blocks on every other
                     layer) with one ``reference_images`` entry.
* ``vace-first+last`` — WanVACEPipeline with frames 0 and F−1 pinned by mask.

Per mode: s/step (median of the timed steps, from the step callback), the whole call's
seconds, peak GPU memory (``torch.cuda.max_memory_allocated``), the ratio to ``t2v``.
Prints a table; nothing passes or fails. Figures go to docs/control.md with the card name.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import statistics
import time
from collections.abc import Callable
from typing import Any

import torch
from PIL import Image

WAN_13B: dict[str, Any] = {
    "patch_size": (1, 2, 2),
    "num_attention_heads": 12,
    "attention_head_dim": 128,
    "out_channels": 16,
    "text_dim": 4096,
    "freq_dim": 256,
    "ffn_dim": 8960,
    "num_layers": 30,
    "cross_attn_norm": True,
    "qk_norm": "rms_norm_across_heads",
    "eps": 1e-6,
    "rope_max_seq_len": 1024,
}
TINY: dict[str, Any] = {
    "patch_size": (1, 2, 2),
    "num_attention_heads": 2,
    "attention_head_dim": 12,
    "out_channels": 16,
    "text_dim": 32,
    "freq_dim": 256,
    "ffn_dim": 32,
    "num_layers": 2,
    "cross_attn_norm": True,
    "qk_norm": "rms_norm_across_heads",
    "rope_max_seq_len": 32,
}


def build(args: argparse.Namespace) -> dict[str, Callable[[], Any]]:
    """Mode name → a function that runs one pipeline call (closures share the VAE)."""
    from diffusers import (
        AutoencoderKLWan,
        FlowMatchEulerDiscreteScheduler,
        WanImageToVideoPipeline,
        WanPipeline,
        WanTransformer3DModel,
        WanVACEPipeline,
        WanVACETransformer3DModel,
    )

    dtype = torch.bfloat16 if args.device == "cuda" else torch.float32
    base = TINY if args.tiny else WAN_13B
    text_dim = base["text_dim"]
    torch.manual_seed(0)
    vae_config: dict[str, Any] = (
        {"base_dim": 3, "z_dim": 16, "dim_mult": [1, 1, 1, 1], "num_res_blocks": 1}
        if args.tiny
        else {}  # the class defaults are Wan 2.1's real VAE
    )
    vae = AutoencoderKLWan(**vae_config).to(args.device, torch.float32).eval()  # Wan keeps its VAE in fp32
    scheduler = FlowMatchEulerDiscreteScheduler(shift=3.0)
    embeds = torch.randn(1, args.text_tokens, text_dim, dtype=dtype, device=args.device)
    negative = torch.randn_like(embeds)
    size = (args.width, args.height)
    first = Image.new("RGB", size, (200, 120, 60))
    last = Image.new("RGB", size, (40, 90, 210))

    def transformer(cls: Any, **extra: Any) -> Any:
        return cls(**base, **extra).to(args.device, dtype).eval()

    def pipeline(cls: Any, model: Any, **extra: Any) -> Any:
        parts = {"tokenizer": None, "text_encoder": None, "vae": vae, "scheduler": scheduler}
        pipe = cls(**parts, transformer=model, **extra)
        pipe.set_progress_bar_config(disable=True)
        return pipe

    vace_layers = [0, 1] if args.tiny else list(range(0, 30, 2))
    vace = {"in_channels": 16, "vace_layers": vace_layers, "vace_in_channels": 96}
    grey = Image.new("RGB", size, (128, 128, 128))
    keep, generate = Image.new("L", size, 0), Image.new("L", size, 255)
    video = [first] + [grey] * (args.frames - 2) + [last]
    mask = [keep] + [generate] * (args.frames - 2) + [keep]

    builders: dict[str, tuple[Callable[[], Any], dict[str, Any]]] = {
        "t2v": (lambda: pipeline(WanPipeline, transformer(WanTransformer3DModel, in_channels=16)), {}),
        "first": (
            lambda: pipeline(
                WanImageToVideoPipeline,
                transformer(WanTransformer3DModel, in_channels=36),
                image_encoder=None,
                image_processor=None,
            ),
            {"image": first},
        ),
        "first+last": (
            lambda: pipeline(
                WanImageToVideoPipeline,
                transformer(WanTransformer3DModel, in_channels=36),
                image_encoder=None,
                image_processor=None,
            ),
            {"image": first, "last_image": last},
        ),
        "vace-subject": (
            lambda: pipeline(
                WanVACEPipeline,
                transformer(WanVACETransformer3DModel, **vace),
            ),
            {"reference_images": [first]},
        ),
        "vace-first+last": (
            lambda: pipeline(
                WanVACEPipeline,
                transformer(WanVACETransformer3DModel, **vace),
            ),
            {"video": video, "mask": mask},
        ),
    }

    def runner(make: Callable[[], Any], inputs: dict[str, Any]) -> Callable[[], Any]:
        def run() -> Any:
            pipe = make()
            stamps: list[float] = []

            def on_step(_p: Any, _i: int, _t: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
                if args.device == "cuda":
                    torch.cuda.synchronize()
                stamps.append(time.perf_counter())
                return kwargs

            if args.device == "cuda":
                torch.cuda.reset_peak_memory_stats()
            started = time.perf_counter()
            with torch.no_grad():
                pipe(
                    prompt_embeds=embeds,
                    negative_prompt_embeds=negative,
                    height=args.height,
                    width=args.width,
                    num_frames=args.frames,
                    num_inference_steps=args.steps,
                    guidance_scale=5.0,
                    generator=torch.Generator("cpu").manual_seed(0),
                    output_type="np",
                    callback_on_step_end=on_step,
                    **inputs,
                )
            if args.device == "cuda":
                torch.cuda.synchronize()
            total = time.perf_counter() - started
            steps = [b - a for a, b in itertools.pairwise(stamps)][args.warmup :]
            peak = torch.cuda.max_memory_allocated() / 2**30 if args.device == "cuda" else float("nan")
            del pipe
            gc.collect()
            if args.device == "cuda":
                torch.cuda.empty_cache()
            return statistics.median(steps) if steps else float("nan"), total, peak

        return run

    return {name: runner(make, inputs) for name, (make, inputs) in builders.items() if name in args.modes}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tiny", action="store_true", help="the tests' tiny configs (smoke test)")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--width", type=int, default=None)
    parser.add_argument("--height", type=int, default=None)
    parser.add_argument("--frames", type=int, default=None)
    parser.add_argument("--steps", type=int, default=None, help="denoising steps per call")
    parser.add_argument("--warmup", type=int, default=1, help="step intervals left out of the median")
    parser.add_argument("--text-tokens", type=int, default=512)
    parser.add_argument(
        "--modes", nargs="+", default=["t2v", "first", "first+last", "vace-subject", "vace-first+last"]
    )
    args = parser.parse_args()
    args.width = args.width or (64 if args.tiny else 832)
    args.height = args.height or (64 if args.tiny else 480)
    args.frames = args.frames or (9 if args.tiny else 81)
    args.steps = args.steps or (3 if args.tiny else 8)
    if args.tiny:
        args.text_tokens = min(args.text_tokens, 16)

    from rich.console import Console
    from rich.table import Table

    device = torch.cuda.get_device_name() if args.device == "cuda" else "cpu"
    shape = f"{args.width}×{args.height}×{args.frames}"
    table = Table(title=f"conditioning cost, {shape}, {args.steps} steps, {device}")
    for column in ("mode", "s/step (median)", "call s", "peak GiB", "s/step vs t2v"):
        table.add_column(column, justify="right")
    baseline = None
    for name, run in build(args).items():
        try:
            per_step, total, peak = run()
        except Exception as exc:  # report and go on: one mode failing must not hide the rest
            table.add_row(name, f"failed: {type(exc).__name__}: {str(exc)[:80]}", "", "", "")
            continue
        if name == "t2v":
            baseline = per_step
        ratio = f"{per_step / baseline:.2f}×" if baseline else "-"
        table.add_row(name, f"{per_step:.3f}", f"{total:.1f}", f"{peak:.1f}", ratio)
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
