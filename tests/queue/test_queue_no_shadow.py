"""The top-level folder queue/ must never hide the standard library's queue module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_queue_from_repository_root_is_stdlib() -> None:
    code = "import queue, sys; q = queue.Queue(); q.put(1); print(queue.__file__)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    path = Path(out.stdout.strip())
    assert path.parent == Path(subprocess.__file__).parent  # the stdlib folder
    assert ROOT not in path.parents


def test_reelbot_queue_still_importable() -> None:
    code = "import reelbot.queue.streams as s; print(s.JobQueue.__name__)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "JobQueue"
