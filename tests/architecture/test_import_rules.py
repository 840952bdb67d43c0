"""The map's arrows, enforced: each part imports only the parts docs/architecture.md allows.

Deferred imports (inside functions) count like module-level ones; ``TYPE_CHECKING`` imports
do not (they never run). A new edge that breaks a rule fails here with its file and line.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.architecture.importgraph import Edge, edges, part_of

ROOT = Path(__file__).resolve().parents[2]

#: part → the parts it may import (besides itself). ``cli`` is the composition root.
ALLOWED: dict[str, frozenset[str]] = {
    "root": frozenset(),
    "domain": frozenset(),
    "ports": frozenset({"domain"}),
    "queue": frozenset(),
    "storage": frozenset({"domain"}),
    "ops": frozenset({"domain", "queue"}),
    "app": frozenset({"domain", "ports", "ops", "queue", "storage"}),
    "generator": frozenset({"domain", "ports", "queue", "storage"}),
    "bots": frozenset({"domain", "ports", "app", "ops"}),
    "cli": frozenset({"root", "domain", "ports", "app", "ops", "queue", "storage", "generator", "bots"}),
}

#: Single module-to-module exceptions, each with its reason. Keep this short.
EXCEPTIONS: dict[tuple[str, str], str] = {
    # The one Settings object assembles every section; the queue defines its own section
    # (the queue itself imports nothing of reelbot).
    ("reelbot.domain.settings", "reelbot.queue.settings"): "the queue's settings section",
}


def violations(all_edges: list[Edge]) -> list[Edge]:
    bad = []
    for edge in all_edges:
        src, dst = edge.parts
        if src == dst or dst in ALLOWED[src]:
            continue
        if (edge.importer, edge.imported) in EXCEPTIONS:
            continue
        bad.append(edge)
    return bad


def test_every_part_has_a_rule() -> None:
    parts = {part_of(edge.importer) for edge in edges(ROOT)}
    assert parts <= set(ALLOWED)


def test_imports_follow_the_map() -> None:
    bad = violations(edges(ROOT))
    listing = "\n".join(
        f"  {e.path.relative_to(ROOT)}:{e.line}: {e.importer} -> {e.imported} ({e.parts[0]} -> {e.parts[1]})"
        for e in bad
    )
    assert not bad, f"{len(bad)} imports break the map (docs/architecture.md):\n{listing}"


def test_the_reader_sees_deferred_imports_and_skips_type_checking(tmp_path: Path) -> None:
    """The checker itself: a function-level import counts, a TYPE_CHECKING one does not."""
    for folder in ("core", "bots", "generator", "queue", "storage"):
        (tmp_path / folder).mkdir()
    (tmp_path / "bots" / "x.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from reelbot.storage import a\n"
        "def f():\n    from reelbot.generator import g\n"
    )
    (tmp_path / "generator" / "g.py").write_text("")
    (tmp_path / "storage" / "a.py").write_text("")
    found = {(e.importer, e.imported) for e in edges(tmp_path)}
    assert found == {("reelbot.bots.x", "reelbot.generator.g")}
    assert [e.parts for e in violations(edges(tmp_path))] == [("bots", "generator")]


def test_the_queue_folder_never_shadows_the_stdlib_queue() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import queue; print(hasattr(queue, 'Queue'))"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "True"
