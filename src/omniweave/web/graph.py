"""A journey drawn as a graph: a pure layout of its steps (rows by distance from the trigger)
with each step's numbers, rendered as SVG by the page (no JavaScript needed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omniweave.journeys.model import parse_journey, successors

NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 200, 58, 36, 44, 16


@dataclass
class Node:
    id: str
    kind: str
    label: str
    numbers: str
    x: int = 0
    y: int = 0


@dataclass
class Layout:
    nodes: list[Node] = field(default_factory=list)
    edges: list[tuple[int, int, int, int, str]] = field(default_factory=list)
    width: int = 0
    height: int = 0


def human(duration: Any) -> str:
    """``6h``, ``1d 2h``, ``30m`` from a timedelta (as the definition language writes them)."""
    seconds = int(duration.total_seconds()) if hasattr(duration, "total_seconds") else None
    if seconds is None:
        return str(duration)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return " ".join(parts) or "0s"


def _label(step: Any) -> str:
    kind = step.kind
    if step.send is not None:
        return f"send {step.send.template}"
    if step.wait is not None:
        wait = step.wait
        if wait.event is not None:
            return f"wait for {wait.event.name} ({human(wait.timeout)})"
        return f"wait {human(wait.duration)}" if wait.duration else f"wait until {wait.until}"
    if step.split is not None:
        return "split " + "/".join(f"{v.weight}" for v in step.split.variants)
    if step.branch is not None:
        return f"branch ({len(step.branch.when)} rules)"
    return kind


def _numbers(counts: dict[str, int] | None) -> str:
    if not counts:
        return "no runs yet"
    return " · ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))


def layout(definition: dict[str, Any], numbers: dict[str, dict[str, int]]) -> Layout:
    """Rows by the shortest distance from the first step; a trigger node on top."""
    journey = parse_journey(definition)
    steps = list(journey.steps)
    index = {s.id: i for i, s in enumerate(steps)}
    depth = {0: 1} if steps else {}
    queue = [0] if steps else []
    while queue:
        i = queue.pop(0)
        for target in successors(steps, i):
            j = index[target]
            if j not in depth:
                depth[j] = depth[i] + 1
                queue.append(j)
    for i in range(len(steps)):  # unreachable steps still show, at the bottom
        depth.setdefault(i, max(depth.values(), default=0) + 1)
    trigger = journey.trigger
    what = trigger.kind
    if trigger.event is not None:
        what = trigger.event.name
    elif trigger.segment is not None:
        what = f"segment {trigger.segment.name}"
    rows: dict[int, list[Node]] = {0: [Node("trigger", "trigger", f"when {what}", "")]}
    nodes_by_step: dict[int, Node] = {}
    for i, step in enumerate(steps):
        node = Node(step.id, step.kind, _label(step), _numbers(numbers.get(step.id)))
        rows.setdefault(depth[i], []).append(node)
        nodes_by_step[i] = node
    widest = max(len(r) for r in rows.values())
    width = PAD * 2 + widest * NODE_W + (widest - 1) * GAP_X
    out = Layout(width=width, height=PAD * 2 + len(rows) * (NODE_H + GAP_Y) - GAP_Y)
    for r, row in sorted(rows.items()):
        span = len(row) * NODE_W + (len(row) - 1) * GAP_X
        left = (width - span) // 2
        for k, node in enumerate(row):
            node.x = left + k * (NODE_W + GAP_X)
            node.y = PAD + r * (NODE_H + GAP_Y)
            out.nodes.append(node)
    top = rows[0][0]
    if steps:
        first = nodes_by_step[0]
        out.edges.append(_edge(top, first, ""))
    for i, step in enumerate(steps):
        for target in successors(steps, i):
            label = "on event" if target == step.on_event else ""
            out.edges.append(_edge(nodes_by_step[i], nodes_by_step[index[target]], label))
    return out


def _edge(a: Node, b: Node, label: str) -> tuple[int, int, int, int, str]:
    return (a.x + NODE_W // 2, a.y + NODE_H, b.x + NODE_W // 2, b.y, label)
