"""The top-level folder queue/ must never shadow the standard library's queue module."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()


def test_import_queue_in_test_process_is_stdlib() -> None:
    import queue

    assert hasattr(queue, "Queue")
    assert Path(queue.__file__).resolve().parent == STDLIB


def test_import_queue_from_repository_root_is_stdlib() -> None:
    """`python -c` puts the current directory first on sys.path: the worst case."""
    code = "import queue, concurrent.futures, asyncio; print(queue.__file__); print(queue.Queue)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert Path(out[0]).resolve().parent == STDLIB
    assert "queue.Queue" in out[1]


def test_reelbot_queue_is_the_repository_folder() -> None:
    import reelbot.queue.keys

    assert Path(reelbot.queue.keys.__file__).resolve() == (REPO_ROOT / "queue" / "keys.py").resolve()
