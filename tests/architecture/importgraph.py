"""Read reelbot's import graph from the source files, the way a reviewer would.

Every ``import`` / ``from … import`` counts — at module level and inside functions (deferred
imports are still dependencies; they only move the cost) — except those under
``if TYPE_CHECKING:``, which never run. Relative imports are resolved against the module's
package. Each module belongs to one *part* (see :func:`part_of`), and an edge between parts
is what the rules in ``test_import_rules.py`` judge.

Run it directly for the table of edges between parts::

    .venv/bin/python tests/architecture/importgraph.py [ROOT]
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: Top-level folders and the package each one installs as (pyproject's package-dir).
FOLDERS: dict[str, str] = {
    "core": "reelbot",
    "bots": "reelbot.bots",
    "generator": "reelbot.generator",
    "queue": "reelbot.queue",
    "storage": "reelbot.storage",
}

#: reelbot's parts, longest prefix first wins. ``reelbot`` alone is the root package.
PARTS: tuple[tuple[str, str], ...] = (
    ("reelbot.domain", "domain"),
    ("reelbot.ports", "ports"),
    ("reelbot.app", "app"),
    ("reelbot.ops", "ops"),
    ("reelbot.cli", "cli"),
    ("reelbot.bots", "bots"),
    ("reelbot.generator", "generator"),
    ("reelbot.queue", "queue"),
    ("reelbot.storage", "storage"),
    ("reelbot", "root"),
)


@dataclass(frozen=True)
class Edge:
    """``importer`` imports ``imported`` (both reelbot modules) at ``path:line``."""

    importer: str
    imported: str
    path: Path
    line: int

    @property
    def parts(self) -> tuple[str, str]:
        return part_of(self.importer), part_of(self.imported)


def part_of(module: str) -> str:
    for prefix, name in PARTS:
        if module == prefix or module.startswith(prefix + "."):
            return name
    raise ValueError(f"{module} is not a reelbot module")


def module_files(root: Path) -> dict[str, Path]:
    """Module name → file, for every .py under the package folders."""
    modules: dict[str, Path] = {}
    for folder, package in FOLDERS.items():
        for path in sorted((root / folder).rglob("*.py")):
            rel = path.relative_to(root / folder).with_suffix("")
            names = [*package.split("."), *rel.parts]
            if names[-1] == "__init__":
                names.pop()
            modules[".".join(names)] = path
    return modules


def package_names() -> set[str]:
    """The installed packages themselves, namespace folders included (``reelbot.queue`` has no
    ``__init__.py``): ``from reelbot.queue import scripts`` names a package, not the root."""
    return set(FOLDERS.values())


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported_names(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[str, int]]:
    """Every imported dotted name (for ``from a import b``: both ``a`` and ``a.b``)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                stack.extend(child.orelse)  # the else branch runs
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, child.lineno
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    package = module.split(".") if is_package else module.split(".")[:-1]
                    package = package[: len(package) - (child.level - 1)]
                    base = ".".join([*package, *([child.module] if child.module else [])])
                yield base, child.lineno
                for alias in child.names:
                    yield f"{base}.{alias.name}", child.lineno
            stack.append(child)


def edges(root: Path) -> list[Edge]:
    """Every import of one reelbot module by another, resolved to the longest known module."""
    modules = module_files(root)
    packages = package_names()
    found: set[Edge] = set()
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for name, line in _imported_names(tree, module, path.name == "__init__.py"):
            if not (name == "reelbot" or name.startswith("reelbot.")):
                continue
            target = name
            while target and target not in modules and target not in packages:
                target = target.rpartition(".")[0]
            if target and target != module and target in modules:
                found.add(Edge(module, target, path, line))
    return sorted(found, key=lambda e: (e.importer, e.imported, e.line))


def part_table(all_edges: list[Edge]) -> Counter[tuple[str, str]]:
    """Edges between different parts, counted per (importer part, imported part)."""
    return Counter(edge.parts for edge in all_edges if edge.parts[0] != edge.parts[1])


def main(argv: list[str]) -> None:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[2]
    for (src, dst), count in sorted(part_table(edges(root)).items()):
        print(f"{src:>10} -> {dst:<10} {count:4d}")


if __name__ == "__main__":
    main(sys.argv)
