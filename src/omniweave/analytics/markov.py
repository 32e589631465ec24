"""Markov-chain attribution, computed exactly from the absorbing chain (no simulation).

The states are the windows of ``order`` consecutive touches (a path shorter than the order is
one state), repeats of the same state in a row fold into one, and every path runs
(start) -> states -> (conversion) for its conversions and -> (null) for the rest, weighted by
its count: ChannelAttribution's chain. Removing a channel sends every state that holds it to
(null); its removal effect is the conversion probability lost. ChannelAttribution estimates
P(convert and visit c) by simulating; that is the same number as P(conv) - P(conv without c),
which here comes from one sparse linear solve per channel: x = (I - Q)^-1 r.

Revenue follows the same chain: a conversion from state s is worth the mean revenue per
conversion of the paths that end in s (what ChannelAttribution draws from).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from omniweave.analytics.model import Path, channels_in_order

if TYPE_CHECKING:
    import numpy as np

State = tuple[int, ...]


def states_of(touches: Sequence[int], order: int) -> list[State]:
    """The order-``order`` states a path walks through, consecutive repeats folded."""
    if len(touches) <= order:
        windows = [tuple(touches)]
    else:
        windows = [tuple(touches[i : i + order]) for i in range(len(touches) - order + 1)]
    walk: list[State] = []
    for w in windows:
        if not walk or walk[-1] != w:
            walk.append(w)
    return walk


class Chain:
    """The transient part of the absorbing chain: Q, the step to (conversion), its revenue."""

    def __init__(self, paths: Sequence[Path], order: int) -> None:
        import numpy as np  # numpy and scipy load on first use: servers start faster
        from scipy import sparse

        self.channels = channels_in_order(paths)
        index = {c: i for i, c in enumerate(self.channels)}
        ids: dict[State, int] = {(): 0}  # () is (start)
        edges: dict[tuple[int, int], float] = defaultdict(float)
        to_conv: dict[int, float] = defaultdict(float)
        out: dict[int, float] = defaultdict(float)
        value_sum: dict[int, float] = defaultdict(float)
        for p in paths:
            weight = p.conversions + p.nulls
            if weight <= 0:
                continue
            walk = [0] + [
                ids.setdefault(s, len(ids))
                for s in states_of([index[c] for c in p.channels], order)
            ]
            for a, b in zip(walk, walk[1:], strict=False):
                edges[a, b] += weight
                out[a] += weight
            last = walk[-1]
            out[last] += weight
            if p.conversions > 0:
                to_conv[last] += p.conversions
                value_sum[last] += p.value
        self.states = list(ids)
        n = len(ids)
        totals = np.array([out.get(i, 0.0) for i in range(n)])
        safe = np.where(totals > 0, totals, 1.0)
        if edges:
            rows, cols = zip(*edges, strict=True)
            data = np.fromiter(edges.values(), float, len(edges)) / safe[list(rows)]
            q = sparse.csr_matrix((data, (rows, cols)), shape=(n, n))
        else:
            q = sparse.csr_matrix((n, n))
        self.a = (sparse.identity(n, format="csr") - q).tocsc()
        conv = np.array([to_conv.get(i, 0.0) for i in range(n)])
        mean_value = np.array(
            [value_sum.get(i, 0.0) / conv[i] if conv[i] else 0.0 for i in range(n)]
        )
        self.r = np.column_stack([conv / safe, conv / safe * mean_value])
        self.holds = np.zeros((len(self.channels), n), dtype=bool)
        for state, i in ids.items():
            for c in set(state):
                self.holds[c, i] = True

    def reach(self, keep: np.ndarray | None = None) -> tuple[float, float]:
        """P(conversion) and expected revenue from (start), only through the ``keep`` states."""
        import numpy as np
        from scipy.sparse.linalg import splu

        if keep is None:
            a, r = self.a, self.r
        else:
            kept = np.flatnonzero(keep)
            a, r = self.a[kept][:, kept], self.r[kept]
        x = splu(a.tocsc()).solve(r)
        return float(x[0, 0]), float(x[0, 1])


def markov(
    paths: Sequence[Path], order: int = 1
) -> tuple[dict[str, float], dict[str, float], dict[str, object]]:
    """Conversions and revenue per channel in proportion to their exact removal effects."""
    chain = Chain(paths, order)
    p_conv, v_conv = chain.reach()
    lost_conv, lost_value = {}, {}
    for c, name in enumerate(chain.channels):
        p, v = chain.reach(~chain.holds[c])
        lost_conv[name], lost_value[name] = max(p_conv - p, 0.0), max(v_conv - v, 0.0)
    total_conv = sum(p.conversions for p in paths)
    total_value = sum(p.value for p in paths)
    sum_conv, sum_value = sum(lost_conv.values()), sum(lost_value.values())
    conv = {c: (total_conv * x / sum_conv if sum_conv else 0.0) for c, x in lost_conv.items()}
    value = {c: (total_value * x / sum_value if sum_value else 0.0) for c, x in lost_value.items()}
    explain: dict[str, object] = {
        "rule": "credit in proportion to the removal effect, from the exact absorbing chain",
        "order": order,
        "states": len(chain.states) - 1,
        "p_conversion": p_conv,
        "removal_effects": {c: (x / p_conv if p_conv else 0.0) for c, x in lost_conv.items()},
        "removal_effects_value": {
            c: (x / v_conv if v_conv else 0.0) for c, x in lost_value.items()
        },
    }
    return conv, value, explain
