"""Small rooms: no module over 400 lines, no function over 60 (issue 13's limits).

Why a test: sizes creep back one feature at a time, and a reviewer notices only when a file
is already twice the limit. When a room must grow past the limit, split it along a real
seam instead of raising the number. Alembic migrations are history, not rooms, and are not
measured.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("core", "bots", "generator", "queue", "storage")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _sources() -> list[Path]:
    files: list[Path] = []
    for folder in FOLDERS:
        files += [p for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts]
    return sorted(files)


def module_sizes() -> dict[str, int]:
    return {str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in _sources()}


def function_sizes(sources: list[Path] | None = None) -> dict[str, int]:
    """``path::name`` → lines of the longest function of that name there (nested ones too)."""
    sizes: dict[str, int] = {}
    for path in _sources() if sources is None else sources:
        rel = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno is not None
                key = f"{rel}::{node.name}"
                sizes[key] = max(sizes.get(key, 0), node.end_lineno - node.lineno + 1)
    return sizes


def over(sizes: dict[str, int], limit: int) -> list[str]:
    return [f"{name}: {n} lines (limit {limit})" for name, n in sorted(sizes.items()) if n > limit]


def test_the_measurement_sees_the_code() -> None:
    assert len(module_sizes()) > 100, "the source folders were not found"
    assert "core/app/tasks.py::cancel_task" in function_sizes()


def test_a_long_function_is_caught(tmp_path: Path) -> None:
    source = tmp_path / "long.py"
    body = "\n".join(f"    x{i} = {i}" for i in range(60))
    source.write_text(f"async def outer():\n    def inner():\n        pass\n{body}\n")
    assert over(function_sizes([source]), MAX_FUNCTION_LINES) == ["long.py::outer: 63 lines (limit 60)"]


def test_no_module_over_the_limit() -> None:
    assert over(module_sizes(), MAX_MODULE_LINES) == []


def test_no_function_over_the_limit() -> None:
    assert over(function_sizes(), MAX_FUNCTION_LINES) == []
