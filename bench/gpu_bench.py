"""GPU benchmark: reelbot's own engine per speed mode beside diffusers' plain call, same weights.

    python bench/gpu_bench.py --json bench-gpu.json   # Wan 2.1 T2V 1.3B, full size, production settings
    python bench/gpu_bench.py --cpu-smoke             # the tiny preset on a CPU (what runs in CI-less boxes)
    python bench/gpu_bench.py --preset wan-2.2-t2v-a14b --steps 10 --seconds 1 --no-compile --batch ""
    python bench/gpu_bench.py --full-on-cpu --steps 2  # rehearsal of the GPU run's code path on a CPU
    python bench/gpu_bench.py --preset wan-2.2-ti2v-5b --no-compile --batch ""  # the 24 GB card's preset
    python bench/gpu_bench.py --flops-only            # FLOPs per clip per preset and mode (meta device)

Production settings: the clip a worker renders for a plain request (the preset's default aspect
9:16, seconds, fps and steps, sized by the worker's own ``plan_render`` → ``render_job``; Wan 2.1
1.3B: 480×832, 49 frames, 30 steps) and the worker's default engine settings. ``--seconds`` /
``--aspect`` / ``--size`` change the clip; ``--no-compile`` drops the compiled rows.

What runs is the worker's code, not a copy: a bench preset (the shipped spec under another name)
gets an engine loader that builds the full-size pipeline with random weights *on the device*
(transformer bf16, Wan VAE fp32, a one-layer random UMT5 at d_model 4096 so prompt embeddings
have the real [1, 512, 4096] shape), places and tunes it with ``generator.speed.tuning.tune``
(attention backend, TF32, compile, tiling, memory plan) and returns ``HubWanEngine`` — the class
the worker loads. Each mode then renders through ``generator.runner.render_counted`` (the
worker's mode switching, LoRA adapter, cache hook, pass counting and RenderReport). Draft loads
a random LoRA of the real shape through ``pipe.load_lora_weights`` from the models folder —
before the first row, left disabled, as the worker's warm-up does, so quality and balanced run
beside it as in production.

Beside it, ``plain``: a second pipeline from the same seed (identical weights), no tuning,
called the way diffusers' Wan docs do (``pipe(prompt, …, guidance_scale=5)``) — the same-run
baseline every ``× plain`` figure divides by. On CUDA ``quality+compile`` and ``draft+compile``
rows render on a second engine loaded with ``engine.compile`` on (regional compile of the repeated
blocks, ``tuning.compile_blocks``; each mode's compile happens in its warm-up call, not in the
timed rounds), so backend + compile is measured too, and draft at its fastest.

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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from reelbot.domain.presets import PRESETS, get_preset, plan_render
from reelbot.domain.settings import EngineSettings, Limits
from reelbot.domain.types import Aspect, GenerationRequest, Origin, Platform, SpeedMode
from reelbot.generator.cache import EngineCache
from reelbot.generator.hub_presets import HubWanEngine, image_entry
from reelbot.generator.presets import LoadContext, RenderJob, register_preset, render_job
from reelbot.generator.runner import render_counted
from reelbot.generator.speed.counter import counting, transformers_of
from reelbot.generator.speed.lora import random_lora_layers, save_lora_layers
from reelbot.generator.speed.modes import control_for
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
WAN_14B = {**WAN21_1_3B, "num_attention_heads": 40, "ffn_dim": 13824, "num_layers": 40}  # 5120 wide
#: Wan 2.2 TI2V 5B: 3072 wide, 48 latent channels (its VAE's z_dim).
WAN22_TI2V_5B = {**WAN21_1_3B, "num_attention_heads": 24, "ffn_dim": 14336, "in_channels": 48,
                 "out_channels": 48}  # fmt: skip
#: The Wan 2.2 VAE (TI2V's: ×16 spatial, 48 channels), from the checkpoint's vae/config.json but
#: for the latent statistics (only a scale on random latents; their defaults are 16 long).
WAN22_VAE = dict(base_dim=160, decoder_base_dim=256, z_dim=48, in_channels=12, out_channels=12,
                 patch_size=2, scale_factor_spatial=16, scale_factor_temporal=4, is_residual=True,
                 latents_mean=[0.0] * 48, latents_std=[1.0] * 48)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class FullSize:
    """A preset's architecture at full size: transformer config, experts (Wan 2.2 A14B: two),
    boundary ratio (the checkpoint's; high-noise expert first), VAE config ({}: Wan 2.1's) and
    ``expand_timesteps`` (TI2V: per-token timesteps, a text and a first-frame entry point)."""

    transformer: dict[str, Any]
    experts: int = 1
    boundary: float | None = None
    vae: dict[str, Any] = dataclasses.field(default_factory=dict)
    expand: bool = False


#: The presets built at full size. Others are refused, never faked with the wrong model under
#: their name.
FULL_SIZE: dict[str, FullSize] = {
    "wan-2.1-t2v-1.3b": FullSize(WAN21_1_3B),
    "wan-2.2-ti2v-5b": FullSize(WAN22_TI2V_5B, vae=WAN22_VAE, expand=True),
    "wan-2.2-t2v-a14b": FullSize(WAN_14B, experts=2, boundary=0.875),
}
PROMPT = "a red fox running through snow, slow motion, golden light"


def random_transformer(config: dict[str, Any]) -> Any:
    """A random Wan transformer made directly in bf16 (a 14B expert never exists in fp32), its
    ``_keep_in_fp32_modules`` (norms, time embedder, rope) back in fp32 as ``from_pretrained``
    with ``torch_dtype=bfloat16`` — the worker's loader — leaves them."""
    from diffusers import WanTransformer3DModel

    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)
    try:
        model = WanTransformer3DModel(**config).eval()
    finally:
        torch.set_default_dtype(default)
    keep = getattr(model, "_keep_in_fp32_modules", None) or []
    for name, param in model.named_parameters():  # by parameter: scale_shift_table is one
        if any(part in keep for part in name.split(".")):
            param.data = param.data.float()
    return model


def build_full_wan(device: str, seed: int, base: str = "wan-2.1-t2v-1.3b") -> Any:
    """WanPipeline at ``base``'s full size (:data:`FULL_SIZE`) with random weights made on
    ``device`` (no hub; ``"meta"`` for shapes only); Wan 2.2 A14B gets both experts and its
    boundary ratio, TI2V its VAE and expanded timesteps."""
    from diffusers import (
        AutoencoderKLWan,
        FlowMatchEulerDiscreteScheduler,
        WanPipeline,
    )
    from transformers import UMT5Config, UMT5EncoderModel

    size = FULL_SIZE[base]
    torch.manual_seed(seed)
    with torch.device(device):
        transformers = [random_transformer(size.transformer) for _ in range(size.experts)]
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
        vae = AutoencoderKLWan(**size.vae).eval()  # fp32, like the loader
    pipe = WanPipeline(
        build_tiny_tokenizer(),
        text,
        vae,
        FlowMatchEulerDiscreteScheduler(shift=3.0),
        transformers[0],
        transformer_2=transformers[1] if size.experts > 1 else None,
        boundary_ratio=size.boundary,
        expand_timesteps=size.expand,
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe


def register_bench_preset(base: str, device: str, seed: int) -> str:
    """The shipped spec under a bench name, with a loader that builds random weights and tunes
    them exactly like the worker's Wan loader (``tune`` → ``HubWanEngine``)."""
    name = f"bench-{base}"
    if name in PRESETS:
        return name
    # needs_gpu off only for the --full-on-cpu rehearsal (the cache refuses a GPU spec on a CPU)
    spec = dataclasses.replace(
        get_preset(base), name=name, group="bench", model_id=None, needs_gpu=device != "cpu"
    )

    def load(ctx: LoadContext) -> HubWanEngine:
        pipe = build_full_wan(ctx.device, seed, base)
        pipe.reelbot_tuning = tune([pipe], spec, ctx)
        # TI2V: the worker's engine has its first-frame entry on the same modules (rows are text)
        i2v = image_entry(pipe, expand=True) if FULL_SIZE[base].expand else None
        return HubWanEngine(pipe, i2v, ctx.device, preset=spec)

    register_preset(spec)(load)
    return name


def flops_per_pass(pipe: Any, job: RenderJob) -> float:
    """FLOPs of one transformer forward at the clip's latent shape (counted, eager)."""
    from torch.utils.flop_counter import FlopCounterMode

    t = pipe.transformer
    spatial, temporal = pipe.vae_scale_factor_spatial, pipe.vae_scale_factor_temporal  # TI2V: 16, 4
    frames, h, w = (job.num_frames - 1) // temporal + 1, job.height // spatial, job.width // spatial
    dev, dtype = t.proj_out.weight.device, t.proj_out.weight.dtype  # compute dtype (norms stay fp32)
    latents = torch.randn(1, t.config.in_channels, frames, h, w, device=dev, dtype=dtype)
    text = torch.randn(1, 512, t.config.text_dim, device=dev, dtype=dtype)
    _, patch_h, patch_w = t.config.patch_size
    tokens = frames * (h // patch_h) * (w // patch_w)
    # TI2V (expand_timesteps): one timestep per token, each with its own modulation, as it runs
    expanded = bool(getattr(pipe.config, "expand_timesteps", False))
    timestep = torch.full((1, tokens), 500.0, device=dev) if expanded else torch.tensor([500.0], device=dev)
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        t(
            hidden_states=latents,
            timestep=timestep,
            encoder_hidden_states=text,
            return_dict=False,
        )
    return float(counter.get_total_flops())


@dataclasses.dataclass
class Timing:
    """One row's calls: the warm-up (compiles, autotunes, loads a LoRA) and the timed rounds."""

    warm_up_s: float
    times_s: list[float]

    @property
    def median_s(self) -> float:
        return statistics.median(self.times_s)

    def fields(self, per: int = 1) -> dict[str, Any]:
        """The row's JSON: s/clip (the median, per clip of a batch of ``per``) and every call."""
        return {"s_clip": self.median_s / per, "rounds": len(self.times_s), "times_s": self.times_s,
                "warm_up_s": self.warm_up_s}  # fmt: skip


def timed(fn: Callable[[], Any], args: argparse.Namespace, device: str) -> tuple[Timing, Any]:
    """Calls ``fn`` once to warm up, then ``--rounds`` timed times (median reported) — or once
    when the warm-up took over ``--cheap-s``: the 8-minute budget holds three rounds of the
    seconds-long rows, not of the 25-s ones (their count is in the row). Returns the last result."""

    def call() -> tuple[float, Any]:
        if device == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        result = fn()
        if device == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - started, result

    warm_up_s, result = call()
    rounds = args.rounds if warm_up_s <= args.cheap_s else 1
    times = []
    for _ in range(rounds):
        seconds, result = call()
        times.append(seconds)
    return Timing(warm_up_s, times), result


def rel_l2(a: np.ndarray, b: np.ndarray) -> float | None:
    """‖a − b‖ / ‖b‖; None when the clips differ in shape (a batching row at the planned size)."""
    if a.shape != b.shape:
        return None
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    return float(np.linalg.norm(a64 - b64) / max(np.linalg.norm(b64), 1e-12))


def make_context(
    device: str, models: Path, *, compile: bool = False, card_gb: float | None = None
) -> LoadContext:
    """The worker's load context: its default engine settings (``compile`` for the compiled
    row), the card size for the memory plan (``card_gb``: a smaller card's plan on this one,
    as ``REELBOT_ENGINE__GPU_MEMORY_GB`` sets it for a worker, e.g. 24 for TI2V's model offload)."""
    card = card_gb or (None if device == "cpu" else torch.cuda.get_device_properties(0).total_memory / 1e9)
    dtype = "float32" if device == "cpu" else "bfloat16"
    engine = EngineSettings(compile=compile and device == "cuda")
    return LoadContext(device=device, dtype=dtype, cache_dir=str(models), engine=engine, card_gb=card)


def bench_job(spec: Any, speed: SpeedMode, args: argparse.Namespace) -> RenderJob:
    """One clip's job in ``speed``, planned by the worker's own code (``plan_render`` →
    ``render_job``): the preset's defaults unless ``--aspect`` / ``--seconds`` / ``--steps``;
    a distilled mode keeps its own step count. ``--size WxHxF`` overrides the plan's sizes."""
    request = GenerationRequest(
        prompt=PROMPT,
        origin=Origin(platform=Platform.CLI, user_id="bench"),
        aspect=Aspect(args.aspect),
        seconds=args.seconds,
        steps=args.steps,
        seed=args.seed,
        speed=speed,
    )
    plan = plan_render(request, spec, Limits(), seed=args.seed)
    job = render_job(request, plan)
    if args.size:
        width, height, frames = (int(part) for part in args.size.lower().split("x"))
        job = dataclasses.replace(job, width=width, height=height, num_frames=frames)
    return job


def plain_row(pipe: Any, job: RenderJob, args: argparse.Namespace, device: str) -> dict[str, Any]:
    """diffusers' plain call on the same weights, passes counted by the same hooks (on every
    timed call: no extra render just to count)."""
    seq = TINY_MAX_SEQUENCE_LENGTH if args.cpu_smoke else 512  # what each engine passes
    counts: list[Any] = []

    def call() -> np.ndarray:
        with counting(transformers_of([pipe])) as count:
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
        counts.append(count)
        return frames_to_uint8(out.frames[0])

    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    timing, frames = timed(call, args, device)
    peak = torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else None
    return {
        "mode": "plain (diffusers)",
        **timing.fields(),
        "passes": counts[-1].passes,
        "skipped": counts[-1].skipped,
        "peak_mb": peak,
        "frames": frames,
        "attention": "native",
        "memory_plan": "whole",
    }


def mode_row(
    cache: EngineCache, spec: Any, job: RenderJob, args: argparse.Namespace, device: str, label: str = ""
) -> dict[str, Any]:
    """One speed mode through the worker's own call (``render_counted``)."""
    timing, (frames, report) = timed(
        lambda: render_counted(cache, spec, job, lambda a, b: True), args, device
    )
    return {
        "mode": label or job.speed.value,
        **timing.fields(),
        "passes": report.passes,
        "skipped": report.passes_skipped,
        "peak_mb": report.peak_gpu_memory_mb,
        "frames": frames,
        "attention": report.attention_backend,
        "memory_plan": report.memory_plan,
    }


def compiled_rows(
    table: Table, spec: Any, args: argparse.Namespace, device: str, models: Path, draft_s: float | None
) -> None:
    """Quality, then draft (``draft_s``: its projected seconds; None: the preset has none), on a
    second engine loaded with ``engine.compile`` on (CUDA), what a worker with it serves: each
    row's warm-up call compiles that mode's graphs, so the timed rounds are a warm worker's."""
    cache = EngineCache(make_context(device, models, compile=True, card_gb=args.card_gb))

    def row(speed: SpeedMode) -> dict[str, Any]:
        control_for(cache.get(spec.name), spec, cache.context).preload()  # as the worker's warm-up
        label = f"{speed.value}+compile"
        return mode_row(cache, spec, bench_job(spec, speed, args), args, device, label=label)

    try:
        table.optional("quality+compile", lambda: row(SpeedMode.QUALITY))
        if draft_s is not None and table.within_budget("draft+compile", draft_s):
            table.optional("draft+compile", lambda: row(SpeedMode.DRAFT))
    finally:
        cache.clear()


def batch_row(
    cache: EngineCache, name: str, args: argparse.Namespace, device: str, size: int
) -> dict[str, Any]:
    """Throughput of the worker's batching (``generator.worker.batch.render_batch``, what a
    worker with ``engine.batch_size`` runs): ``size`` requests of ``--batch-mode`` with seeds
    seed…seed+size-1 in one pipeline call; s/clip is the call's median seconds / size. Planned
    sizes (not ``--size``)."""
    from reelbot.domain.settings import Settings
    from reelbot.generator.worker.batch import render_batch

    settings = Settings(_env_file=None, device=device, preset=name)  # type: ignore[call-arg]
    requests = [
        GenerationRequest(
            prompt=PROMPT,
            origin=Origin(platform=Platform.CLI, user_id="bench"),
            aspect=Aspect(args.aspect),
            seconds=args.seconds,
            steps=args.steps,
            seed=args.seed + i,
            speed=SpeedMode(args.batch_mode),
            preset=name,
        )
        for i in range(size)
    ]
    timing, results = timed(lambda: render_batch(requests, settings, cache, lambda a, b: True), args, device)
    report = results[0].rendered.report
    return {
        "mode": f"{args.batch_mode} ×{size} batch",
        **timing.fields(per=size),
        "passes": report.passes,
        "skipped": report.passes_skipped,
        "peak_mb": report.peak_gpu_memory_mb,
        "frames": results[0].rendered.frames,
        "attention": report.attention_backend,
        "memory_plan": report.memory_plan,
    }


class Table:
    """Rows as they are measured: each one printed and the JSON rewritten at once, so a run
    stopped at its time limit (one lease of a GPU machine) still leaves every finished row."""

    def __init__(self, args: argparse.Namespace, per_pass: float, card: str, started: float) -> None:
        self.args, self.per_pass, self.card, self.started = args, per_pass, card, started
        self.rows: list[dict[str, Any]] = []
        self.frames: dict[str, np.ndarray] = {}
        self.notes: list[str] = []

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def add(self, row: dict[str, Any]) -> None:
        self.frames[row["mode"]] = row.pop("frames")
        self.rows.append(row)
        self._derive()
        self.print_row(row)
        self.write()

    def note(self, text: str) -> None:
        print(text, flush=True)
        self.notes.append(text)
        self.write()

    def _derive(self) -> None:
        """× plain, MFU and the difference to quality, for every row they can be given now."""
        reference = self.frames.get("quality")
        for row in self.rows:
            full = row["passes"] - row["skipped"]
            row["mfu"] = full * self.per_pass / row["s_clip"] / (self.args.peak_tflops * 1e12)
            row["speedup_vs_plain"] = self.rows[0]["s_clip"] / row["s_clip"]
            row["rel_diff_vs_quality"] = (
                None if reference is None else rel_l2(self.frames[row["mode"]], reference)
            )

    def header(self) -> None:
        print(
            f"{'mode':<18} {'s/clip':>8} {'n':>2} {'× plain':>8} {'passes':>7} {'skipped':>8} {'peak MB':>9} "
            f"{'MFU':>7} {'rel. diff vs quality':>21} attention",
            flush=True,
        )

    def print_row(self, r: dict[str, Any]) -> None:
        peak = "-" if r["peak_mb"] is None else f"{r['peak_mb']:.0f}"
        diff = "-" if r["rel_diff_vs_quality"] is None else f"{r['rel_diff_vs_quality']:.4f}"
        plan = "" if r.get("memory_plan", "whole") == "whole" else f", {r['memory_plan']}"
        placed = f"{r['attention']}{plan}"  # the memory plan only where it is not the whole card
        print(
            f"{r['mode']:<18} {r['s_clip']:>8.2f} {r['rounds']:>2} {r['speedup_vs_plain']:>8.2f} "
            f"{r['passes']:>7} {r['skipped']:>8} {peak:>9} {r['mfu']:>7.2%} {diff:>21} {placed}",
            flush=True,
        )

    def write(self) -> None:
        if self.args.json:
            body = {"card": self.card, "total_s": self.elapsed(), "rows": self.rows, "notes": self.notes}
            self.args.json.write_text(json.dumps(body, indent=2))

    def within_budget(self, label: str, projected_s: float) -> bool:
        """An optional row runs only when it is projected to end inside ``--budget-s``."""
        budget = self.args.budget_s
        if budget is None or self.elapsed() + projected_s <= budget:
            return True
        self.note(
            f"{label}: skipped, ≈{projected_s:.0f} s (with what is planned after it) would end "
            f"past the {budget:.0f}-s budget"
        )
        return False

    def optional(self, label: str, make: Callable[[], dict[str, Any]]) -> None:
        """A row the table stands without (batching, the compiled engine): its failure — out of
        memory at a batch size, a compile error on a new stack — is a note; the run goes on."""
        try:
            row = make()
        except Exception as exc:
            self.note(f"{label} failed: {type(exc).__name__}: {str(exc)[:300]}")
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            return
        self.add(row)


#: What the quality+compile row's budget check allows for building a second engine and
#: compiling its repeated block, beside quality's own calls (a computed guess).
COMPILE_ALLOWANCE_S = 150.0


def run(args: argparse.Namespace, started: float) -> Table:
    device = "cpu" if args.cpu_smoke or args.full_on_cpu else "cuda"
    if device == "cpu" and not args.size:
        args.size = "64x64x5"  # a few seconds on two cores
    models = Path(args.models or tempfile.mkdtemp(prefix="reelbot-bench-"))
    name = "tiny" if args.cpu_smoke else register_bench_preset(args.preset, device, args.seed)
    spec = get_preset(name)
    cache = EngineCache(make_context(device, models, card_gb=args.card_gb))
    engine: Any = cache.get(name)
    draft = spec.modes.get(SpeedMode.DRAFT)
    if not args.cpu_smoke and draft is not None and draft.lora is not None:
        # The draft LoRA(s): random, real shape, loaded by load_lora_weights (A14B: one per expert).
        experts = [(draft.lora.weight_name, engine.t2v.transformer)]
        if draft.lora.weight_name_2 and engine.t2v.transformer_2 is not None:
            experts.append((draft.lora.weight_name_2, engine.t2v.transformer_2))
        for weight_name, transformer in experts:
            save_lora_layers(models / "loras" / name / weight_name, random_lora_layers(transformer))
    # As the worker's warm-up does: the draft adapter loaded (disabled) before any render, so
    # quality and balanced run with it beside them, as they do in production.
    control_for(engine, spec, cache.context).preload()
    q_job = bench_job(spec, SpeedMode.QUALITY, args)
    plain_pipe = (
        build_tiny_pipelines()[0] if args.cpu_smoke else build_full_wan(device, args.seed, args.preset)
    )
    if device == "cuda":
        plain_pipe.to(device)
    card = "CPU" if device == "cpu" else torch.cuda.get_device_name()
    # Counted on the untuned twin: native SDPA's kernels are in torch's FLOP table, a kernel
    # the engine may have chosen (flash-3, sage) is not — same architecture, same FLOPs.
    table = Table(args, flops_per_pass(plain_pipe, q_job), card, started)
    print(
        f"{card}: preset {'tiny' if args.cpu_smoke else args.preset}, rounds {args.rounds} (median); "
        f"clip {q_job.width}×{q_job.height}, {q_job.num_frames} frames, quality {q_job.steps} steps "
        f"at guidance {q_job.guidance}",
        flush=True,
    )
    table.header()
    table.add(plain_row(plain_pipe, q_job, args, device))
    del plain_pipe  # its memory back before the modes run
    for speed in spec.modes:
        table.add(mode_row(cache, spec, bench_job(spec, speed, args), args, device))
    clip_s = {row["mode"]: row["s_clip"] for row in table.rows}

    def row_s(call_s: float) -> float:
        """A row's projected seconds: its warm-up and its rounds, by :func:`timed`'s rule."""
        return call_s * (1 + (args.rounds if call_s <= args.cheap_s else 1))

    # The compiled row (a goal figure) is planned first: a batch row runs only if it leaves room.
    compiling = device == "cuda" and not args.no_compile
    compile_s = COMPILE_ALLOWANCE_S + row_s(clip_s["quality"]) if compiling else 0.0
    for size in args.batch:
        label = f"{args.batch_mode} ×{size} batch"
        if table.within_budget(label, row_s(clip_s[args.batch_mode] * size) + compile_s):
            table.optional(label, lambda n=size: batch_row(cache, name, args, device, n))  # type: ignore[misc]
    del engine
    cache.clear()
    if compiling and table.within_budget("quality+compile", compile_s):
        draft_s = row_s(clip_s["draft"]) if "draft" in clip_s else None
        compiled_rows(table, spec, args, device, models, draft_s)
    return table


def flops_rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Computed, not measured (no GPU needed): every full-size preset built on the meta device,
    one transformer pass counted with ``torch.utils.flop_counter`` at each mode's planned clip,
    times the passes that mode runs (balanced: before its cache skips any). ``floor_s`` is the
    transformer's time at ``--peak-tflops`` (100 % MFU; text encoding and the VAE decode come on
    top), the bound every measured s/clip is read against."""
    rows: list[dict[str, Any]] = []
    for base in FULL_SIZE:
        pipe, spec = build_full_wan("meta", args.seed, base), get_preset(base)
        per_pass: dict[tuple[int, int, int], float] = {}
        for speed, mode in spec.modes.items():
            job = bench_job(spec, speed, args)
            size = (job.width, job.height, job.num_frames)
            if size not in per_pass:
                per_pass[size] = flops_per_pass(pipe, job)
            mitigations = (False, True) if mode.motion_steps else (False,)
            for mitigate in mitigations:
                passes = mode.passes(job.steps, job.guidance, mitigate=mitigate)
                flops = passes * per_pass[size]
                rows.append({"preset": base, "mode": speed.value + ("+motion" if mitigate else ""),
                             "size": "×".join(map(str, size)), "steps": job.steps, "passes": passes,
                             "tflop_pass": per_pass[size] / 1e12, "pflop_clip": flops / 1e15,
                             "floor_s": flops / (args.peak_tflops * 1e12)})  # fmt: skip
    return rows


def print_flops(rows: list[dict[str, Any]], peak_tflops: float) -> None:
    floor = f"transformer FLOPs at {peak_tflops:.0f} TFLOP/s"
    print(f"computed on the meta device, not measured; floor = {floor}")
    print(f"{'preset':<18} {'mode':<13} {'clip W×H×F':>13} {'steps':>5} {'passes':>6} {'TFLOP/pass':>10} "
          f"{'PFLOP/clip':>10} {'floor s':>8}")  # fmt: skip
    for r in rows:
        print(f"{r['preset']:<18} {r['mode']:<13} {r['size']:>13} {r['steps']:>5} {r['passes']:>6} "
              f"{r['tflop_pass']:>10.1f} {r['pflop_clip']:>10.2f} {r['floor_s']:>8.2f}")  # fmt: skip


def main() -> None:
    started = time.perf_counter()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu-smoke", action="store_true", help="tiny preset on the CPU (no GPU needed)")
    parser.add_argument(
        "--full-on-cpu",
        action="store_true",
        help="rehearsal: the full-size --preset on the CPU at a tiny --size (its code path; no figures)",
    )
    parser.add_argument(
        "--preset",
        default="wan-2.1-t2v-1.3b",
        choices=sorted(FULL_SIZE),
        help="shipped spec to benchmark at full size (A14B: two 14B experts, ≈57 GB each engine)",
    )
    parser.add_argument(
        "--steps", type=int, default=None, help="quality/balanced steps (default: the spec's)"
    )
    parser.add_argument("--seconds", type=float, default=None, help="clip length (default: the spec's)")
    parser.add_argument("--aspect", default=Aspect.PORTRAIT.value, choices=[a.value for a in Aspect])
    parser.add_argument("--size", default=None, help="WxHxF instead of the planned size (e.g. 832x480x81)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="timed rounds per row (median), after a warm-up call"
    )
    parser.add_argument(
        "--cheap-s",
        type=float,
        default=10.0,
        help="a row whose warm-up call took longer gets one timed round (the budget's rule)",
    )
    parser.add_argument(
        "--no-compile", action="store_true", help="skip the quality+compile and draft+compile rows (CUDA)"
    )
    parser.add_argument(
        "--batch",
        default=None,
        help="batch sizes for the batching rows, e.g. 2,4 (default: 2,4 on CUDA, none with --cpu-smoke)",
    )
    parser.add_argument("--batch-mode", default=SpeedMode.DRAFT.value, choices=[m.value for m in SpeedMode])
    parser.add_argument(
        "--peak-tflops", type=float, default=790.0, help="bf16 dense peak for MFU (H100/H200)"
    )
    parser.add_argument(
        "--budget-s",
        type=float,
        default=None,
        help="skip an optional row (batching, the compiled rows) projected to end past this many seconds",
    )
    parser.add_argument(
        "--card-gb",
        type=float,
        default=None,
        help="plan memory for a card of this size (e.g. 24: TI2V under model offload); default: this card",
    )
    parser.add_argument("--models", type=str, default=None, help="models folder (default: a temp dir)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--flops-only",
        action="store_true",
        help="no render: each full-size preset's FLOPs per clip per mode, counted on the meta device",
    )
    args = parser.parse_args()
    if args.flops_only:
        rows = flops_rows(args)
        print_flops(rows, args.peak_tflops)
        if args.json:
            args.json.write_text(json.dumps({"computed": True, "rows": rows}, indent=2))
        return
    default_batch = "" if args.cpu_smoke or args.full_on_cpu else "2,4"
    args.batch = [int(b) for b in (args.batch if args.batch is not None else default_batch).split(",") if b]
    if not (args.cpu_smoke or args.full_on_cpu) and not torch.cuda.is_available():
        raise SystemExit("no CUDA device: run with --cpu-smoke for the tiny CPU version")
    table = run(args, started)
    print(f"\nwhole run: {table.elapsed():.0f} s; every row, with the difference to quality:")
    table.header()
    for row in table.rows:
        table.print_row(row)
    for note in table.notes:
        print(note)
    table.write()


if __name__ == "__main__":
    main()
