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
