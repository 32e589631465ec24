"""Shapley-value attribution (Zhao et al. 2018, "Shapley value methods for attribution modeling
in online advertising"), exact over the channels present.

The worth of a coalition S of channels is the conversions (or revenue) of the paths whose set
of channels lies inside S. Up to ``MAX_EXACT`` channels the value is computed from all 2^n
coalitions (a subset-sum transform, then the Shapley weights, vectorised); beyond that the
closed form that the same worth function reduces to (each path's worth split equally over its
distinct channels, Zhao et al. eq. 8) gives the identical numbers in linear time.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import factorial
from typing import TYPE_CHECKING

from omniweave.analytics.model import Path, channels_in_order

if TYPE_CHECKING:
    import numpy as np

MAX_EXACT = 16


def coalition_worth(paths: Sequence[Path], channels: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """v(S) for every coalition S (bit i = channel i), for conversions and revenue."""
    import numpy as np  # loads on first use: servers start faster

    n = len(channels)
    bit = {c: 1 << i for i, c in enumerate(channels)}
    masks = np.array([sum(bit[c] for c in set(p.channels)) for p in paths], dtype=np.int64)
    worth = np.zeros((2, 1 << n))
    np.add.at(worth[0], masks, [p.conversions for p in paths])
    np.add.at(worth[1], masks, [p.value for p in paths])
    for i in range(n):  # subset sums: v(S) = sum over T inside S of the paths with set T
        view = worth.reshape(2, -1, 2, 1 << i)
        view[:, :, 1, :] += view[:, :, 0, :]
    return worth[0], worth[1]


def shapley_from_worth(worth: np.ndarray, n: int) -> np.ndarray:
    """phi_j = sum over S without j of |S|!(n-|S|-1)!/n! (v(S+j) - v(S))."""
    import numpy as np

    coalitions = np.arange(1 << n)
    size = np.array([bin(s).count("1") for s in range(1 << n)])
    weight = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)])
    phi = np.zeros(n)
    for j in range(n):
        without = coalitions[(coalitions >> j) & 1 == 0]
        phi[j] = np.dot(weight[size[without]], worth[without | (1 << j)] - worth[without])
    return phi


def shapley_closed_form(paths: Sequence[Path]) -> tuple[dict[str, float], dict[str, float]]:
    """Each path's conversions and revenue split equally over its distinct channels."""
    conv: dict[str, float] = {}
    value: dict[str, float] = {}
    for p in paths:
        distinct = set(p.channels)
        for c in distinct:
            conv[c] = conv.get(c, 0.0) + p.conversions / len(distinct)
            value[c] = value.get(c, 0.0) + p.value / len(distinct)
    return conv, value


def shapley(paths: Sequence[Path]) -> tuple[dict[str, float], dict[str, float], dict[str, object]]:
    """Conversions and revenue per channel by the Shapley value of the path coalition game."""
    channels = channels_in_order(paths)
    n = len(channels)
    if 0 < n <= MAX_EXACT:
        worth_conv, worth_value = coalition_worth(paths, channels)
        conv = dict(zip(channels, shapley_from_worth(worth_conv, n).tolist(), strict=True))
        value = dict(zip(channels, shapley_from_worth(worth_value, n).tolist(), strict=True))
        method = f"all {1 << n} coalitions"
    else:
        conv, value = shapley_closed_form(paths)
        method = "closed form (equal split over each path's distinct channels)"
    explain: dict[str, object] = {
        "rule": "Shapley value; a coalition is worth the conversions of the paths inside it",
        "method": method,
        "channels": n,
    }
    return conv, value, explain
