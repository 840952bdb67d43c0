"""The remix tree as a server-side SVG layout: posters at nodes, the remix kind on edges.

Layout (a tidy tree, good enough for the few dozen clips a family has): leaves take the next
free column left to right in creation order; a parent sits above the middle of its children;
the row is the clip's depth. Computed here in plain Python so the page needs no script.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

NODE_W = 90
NODE_H = 160
GAP_X = 30
GAP_Y = 70
PAD = 20


@dataclass(frozen=True)
class Placed:
    node: Any  # reelbot.app.gallery.TreeNode
    x: float
    y: float


@dataclass(frozen=True)
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float
    kind: str | None
    label_x: float
    label_y: float


def layout(nodes: list[Any]) -> tuple[list[Placed], list[Edge], int, int]:
    """Positions of every node and edge, and the drawing's width and height."""
    by_id = {node.id: node for node in nodes}
    children: dict[uuid.UUID | None, list[Any]] = {}
    for node in nodes:
        parent = node.parent_id if node.parent_id in by_id else None
        children.setdefault(parent, []).append(node)
    column: dict[uuid.UUID, float] = {}
    next_free = [0.0]

    def place(node: Any, seen: set[uuid.UUID]) -> float:
        seen.add(node.id)
        kids = [kid for kid in children.get(node.id, []) if kid.id not in seen]
        if not kids:
            column[node.id] = next_free[0]
            next_free[0] += 1
        else:
            spots = [place(kid, seen) for kid in kids]
            column[node.id] = (spots[0] + spots[-1]) / 2
        return column[node.id]

    seen: set[uuid.UUID] = set()
    for root in children.get(None, []):
        place(root, seen)
    for node in nodes:  # anything a broken chain left unplaced still gets drawn
        if node.id not in column:
            place(node, seen)
    depth0 = min((node.depth for node in nodes), default=0)
    placed = [
        Placed(node, PAD + column[node.id] * (NODE_W + GAP_X), PAD + (node.depth - depth0) * (NODE_H + GAP_Y))
        for node in nodes
    ]
    where = {p.node.id: p for p in placed}
    edges = []
    for p in placed:
        parent = where.get(p.node.parent_id) if p.node.parent_id else None
        if parent is None:
            continue
        x1, y1 = parent.x + NODE_W / 2, parent.y + NODE_H
        x2, y2 = p.x + NODE_W / 2, p.y
        kind = p.node.kind.value if p.node.kind else None
        edges.append(Edge(x1, y1, x2, y2, kind, x2, y2 - 10))  # label by the child: never overlaps
    width = int(PAD * 2 + max(next_free[0], 1) * (NODE_W + GAP_X) - GAP_X)
    rows = max((node.depth - depth0 for node in nodes), default=0) + 1
    height = int(PAD * 2 + rows * (NODE_H + GAP_Y) - GAP_Y)
    return placed, edges, width, height
