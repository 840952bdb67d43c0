"""Transformer passes, counted on the real modules (never computed from the step count).

A forward hook on each transformer counts calls. A caching hook (diffusers' First-Block Cache,
MagCache) still calls the transformer but answers the remaining blocks from its cache; that is
seen by a second hook *inside* the last block (its feed-forward), which runs only when the
block's own forward really runs. ``skipped = calls − tail runs``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass
class PassCount:
    passes: int = 0
    tail_runs: int = 0

    @property
    def skipped(self) -> int:
        return max(0, self.passes - self.tail_runs)


def transformers_of(pipes: Iterable[Any]) -> list[Any]:
    """Every distinct transformer the pipelines hold (Wan 2.2 A14B: ``transformer_2`` too)."""
    found: dict[int, Any] = {}
    for pipe in pipes:
        for name in ("transformer", "transformer_2"):
            module = getattr(pipe, name, None)
            if module is not None:
                found.setdefault(id(module), module)
    return list(found.values())


def probe_block(transformer: Any) -> Any:
    """The transformer's last block, where the tail probe sits (None: no block list). A compiled
    engine leaves it eager (``tuning.compile_blocks``): Dynamo does not guard on module hooks,
    so a hook inside a compiled block is never called and every pass would read as skipped."""
    blocks = getattr(transformer, "blocks", None) or getattr(transformer, "transformer_blocks", None)
    return blocks[-1] if blocks else None


def tail_probe(transformer: Any) -> Any:
    """The module inside the last block that runs only when that block really runs."""
    last = probe_block(transformer)
    if last is None:
        return None
    for name in ("ffn", "ff", "attn1"):
        probe = getattr(last, name, None)
        if probe is not None:
            return probe
    children = list(last.children())
    return children[-1] if children else None


@contextmanager
def counting(transformers: Iterable[Any]) -> Iterator[PassCount]:
    """Count passes while the block runs; the hooks are removed afterwards."""
    count = PassCount()
    handles = []

    def on_pass(_module: Any, _args: Any, _out: Any) -> None:
        count.passes += 1

    def on_tail(_module: Any, _args: Any, _out: Any) -> None:
        count.tail_runs += 1

    for transformer in transformers:
        handles.append(transformer.register_forward_hook(on_pass))
        probe = tail_probe(transformer)
        if probe is not None:
            handles.append(probe.register_forward_hook(on_tail))
    try:
        yield count
    finally:
        for handle in handles:
            handle.remove()
