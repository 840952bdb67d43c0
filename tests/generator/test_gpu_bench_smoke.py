"""bench/gpu_bench.py --cpu-smoke runs the worker's engine path end to end (figures not checked);
its table keeps every finished row when a GPU lease ends the run early."""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from reelbot.app.safety.costs import latent_tokens
from reelbot.domain.presets import get_preset
from reelbot.domain.presets.spec import H100_BF16_EFFECTIVE
from reelbot.domain.types import SpeedMode

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def test_cpu_smoke_prints_every_mode_beside_the_plain_call(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    cmd = [
        sys.executable,
        str(ROOT / "bench" / "gpu_bench.py"),
        "--cpu-smoke",
        "--rounds",
        "1",
        "--steps",
        "3",
        "--batch",
        "2",
        "--models",
        str(tmp_path / "models"),
        "--json",
        str(out),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = {row["mode"]: row for row in json.loads(out.read_text())["rows"]}
    assert set(rows) == {"plain (diffusers)", "quality", "balanced", "draft", "draft ×2 batch"}
    assert rows["quality"]["passes"] == rows["plain (diffusers)"]["passes"] == 6
    assert rows["draft"]["passes"] == 4 and rows["quality"]["rel_diff_vs_quality"] == 0.0
    assert rows["draft ×2 batch"]["passes"] == 4  # one batched call: the passes of one draft clip
    assert all(r["rounds"] == len(r["times_s"]) == 1 for r in rows.values())  # --rounds 1
    assert "draft" in result.stdout


def load_bench() -> Any:
    spec = importlib.util.spec_from_file_location("gpu_bench", ROOT / "bench" / "gpu_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses resolve their annotations through it
    spec.loader.exec_module(module)
    return module


def row(mode: str, s_clip: float, passes: int) -> dict[str, Any]:
    frames = np.full((2, 4, 4, 3), passes, dtype=np.uint8)
    return {"mode": mode, "s_clip": s_clip, "rounds": 1, "passes": passes, "skipped": 0, "peak_mb": None,
            "frames": frames, "attention": "native"}  # fmt: skip


def test_every_row_is_in_the_json_as_soon_as_it_is_measured(tmp_path: Path) -> None:
    bench = load_bench()
    args = argparse.Namespace(json=tmp_path / "b.json", peak_tflops=1.0, budget_s=100.0)
    table = bench.Table(args, per_pass=1e12, card="CPU", started=time.perf_counter())
    table.add(row("plain (diffusers)", 4.0, 8))
    first = json.loads(args.json.read_text())["rows"]
    assert [r["mode"] for r in first] == ["plain (diffusers)"] and first[0]["rel_diff_vs_quality"] is None
    table.add(row("quality", 2.0, 8))
    rows = {r["mode"]: r for r in json.loads(args.json.read_text())["rows"]}
    assert rows["quality"]["speedup_vs_plain"] == 2.0 and rows["quality"]["mfu"] == 4.0
    assert rows["plain (diffusers)"]["rel_diff_vs_quality"] == 0.0  # filled in once quality exists
    assert table.within_budget("draft ×2 batch", 10.0)
    assert not table.within_budget("quality+compile", 1e6)
    table.optional("draft ×4 batch", lambda: 1 / 0)
    notes = json.loads(args.json.read_text())["notes"]
    assert notes[0].startswith("quality+compile: skipped") and "100-s budget" in notes[0]
    assert notes[1].startswith("draft ×4 batch failed: ZeroDivisionError")


def test_a_row_gets_its_rounds_unless_its_warm_up_was_expensive() -> None:
    bench = load_bench()
    calls: list[int] = []
    cheap = argparse.Namespace(rounds=3, cheap_s=1e9)
    timing, last = bench.timed(lambda: calls.append(1) or len(calls), cheap, "cpu")
    assert (len(calls), timing.fields()["rounds"], last) == (4, 3, 4)  # warm-up + 3, median of 3
    costly = argparse.Namespace(rounds=3, cheap_s=-1.0)
    timing, _ = bench.timed(lambda: calls.append(1), costly, "cpu")
    assert len(timing.times_s) == 1 and timing.fields(per=2)["s_clip"] == timing.times_s[0] / 2


@pytest.mark.parametrize("preset", ["wan-2.1-t2v-1.3b", "wan-2.2-ti2v-5b", "wan-2.2-t2v-a14b"])
def test_full_size_pipelines_are_the_checkpoints_the_memory_plan_counts(preset: str) -> None:
    """Built on the meta device (shapes, no memory): every expert has the published parameter
    count the memory plan is computed from (bf16 transformer, fp32 VAE), and the VAE's latent
    channels and compression fit the transformer and the preset's size multiple."""
    bench = load_bench()
    pipe = bench.build_full_wan("meta", 0, preset)
    needs = get_preset(preset).memory
    experts = [t for t in (pipe.transformer, pipe.transformer_2) if t is not None]
    transformer_gb = sum(p.numel() for t in experts for p in t.parameters()) * 2 / 1e9
    vae_gb = sum(p.numel() for p in pipe.vae.parameters()) * 4 / 1e9
    assert abs(transformer_gb - needs.transformer_gb) < 0.05 and abs(vae_gb - needs.vae_gb) < 0.05
    assert pipe.vae.config.z_dim == pipe.transformer.config.in_channels
    patch = pipe.transformer.config.patch_size[1]
    assert get_preset(preset).size_multiple % (pipe.vae_scale_factor_spatial * patch) == 0
    assert pipe.config.expand_timesteps == (preset == "wan-2.2-ti2v-5b")


@pytest.mark.parametrize("preset", ["wan-2.1-t2v-1.3b", "wan-2.2-ti2v-5b", "wan-2.2-t2v-a14b"])
def test_the_cost_estimate_counts_the_flops_the_real_architecture_runs(preset: str) -> None:
    """The estimate before queueing prices a pass as ``2·P·T + 4·L·D·T²`` FLOPs
    (``transformer_profile``); torch's FLOP counter, run on the full-size transformer (meta
    device) at the planned clip, must agree within 10 %, TI2V's ×16 VAE included."""
    bench = load_bench()
    spec = get_preset(preset)
    job = bench.bench_job(spec, SpeedMode.QUALITY, argparse.Namespace(aspect="9:16", seconds=None,
                          steps=None, seed=0, size=None))  # fmt: skip
    counted = bench.flops_per_pass(bench.build_full_wan("meta", 0, preset), job)
    tokens = latent_tokens(spec, width=job.width, height=job.height, num_frames=job.num_frames)
    one_pass_s = spec.cost.seconds(tokens=tokens, steps=1, pixel_frames=0) - spec.cost.overhead_s
    assert abs(one_pass_s * H100_BF16_EFFECTIVE / counted - 1) < 0.10
