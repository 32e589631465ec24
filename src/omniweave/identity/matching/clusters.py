"""Groups of records that the accepted pairs join, directly or through each other."""

from __future__ import annotations

from collections.abc import Hashable, Iterable


def connected_components(edges: Iterable[tuple[Hashable, Hashable]]) -> list[list[Hashable]]:
    """Union-find over the edges; each group sorted, groups ordered by their first member."""
    parent: dict[Hashable, Hashable] = {}

    def root(node: Hashable) -> Hashable:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]  # path halving keeps the trees flat
            node = parent[node]
        return node

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[rb] = ra
    groups: dict[Hashable, list[Hashable]] = {}
    for node in parent:
        groups.setdefault(root(node), []).append(node)
    return _ordered([_ordered(g) for g in groups.values()])


def _ordered(items: list) -> list:
    """Sorted by value where the values compare (ids of one type), else by their repr."""
    try:
        return sorted(items)
    except TypeError:
        return sorted(items, key=repr)
