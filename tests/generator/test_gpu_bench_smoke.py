"""bench/gpu_bench.py --cpu-smoke runs the worker's engine path end to end (figures not checked)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
        "--models",
        str(tmp_path / "models"),
        "--json",
        str(out),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = {row["mode"]: row for row in json.loads(out.read_text())["rows"]}
    assert set(rows) == {"plain (diffusers)", "quality", "balanced", "draft"}
    assert rows["quality"]["passes"] == rows["plain (diffusers)"]["passes"] == 6
    assert rows["draft"]["passes"] == 4 and rows["quality"]["rel_diff_vs_quality"] == 0.0
    assert "draft" in result.stdout
