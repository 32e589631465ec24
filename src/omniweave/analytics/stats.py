"""The statistics the reports state: Wilson intervals for a rate, Newcombe's interval for the
difference of two rates (the holdout uplift), and the two-proportion z-test (A/B tests).
Pure; the normal distribution comes from ``math.erfc``, no sampling."""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float]:
        return {"estimate": self.estimate, "low": self.low, "high": self.high}


def wilson(successes: int, n: int, z: float = Z95) -> Interval:
    """The Wilson score interval of a proportion (0..1 when n is 0)."""
    if n == 0:
        return Interval(0.0, 0.0, 1.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


def newcombe_difference(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> Interval:
    """p1 - p2 with Newcombe's hybrid score interval (method 10, from two Wilson intervals)."""
    a, b = wilson(x1, n1, z), wilson(x2, n2, z)
    d = a.estimate - b.estimate
    low = d - math.sqrt((a.estimate - a.low) ** 2 + (b.high - b.estimate) ** 2)
    high = d + math.sqrt((a.high - a.estimate) ** 2 + (b.estimate - b.low) ** 2)
    return Interval(d, max(-1.0, low), min(1.0, high))


def two_proportion_test(x1: int, n1: int, x2: int, n2: int) -> dict[str, float | None]:
    """The pooled two-proportion z-test: z and the two-sided p-value (None when undefined)."""
    if n1 == 0 or n2 == 0:
        return {"z": None, "p_value": None}
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return {"z": None, "p_value": None}
    z = (x1 / n1 - x2 / n2) / se
    return {"z": z, "p_value": math.erfc(abs(z) / math.sqrt(2))}


def uplift(treated: tuple[int, int], control: tuple[int, int]) -> dict[str, object]:
    """Conversion of the treated against the holdout, with the interval of the difference."""
    (xt, nt), (xc, nc) = treated, control
    diff = newcombe_difference(xt, nt, xc, nc)
    return {
        "treated": {"people": nt, "converted": xt, "rate": wilson(xt, nt).as_dict()},
        "holdout": {"people": nc, "converted": xc, "rate": wilson(xc, nc).as_dict()},
        "uplift": diff.as_dict(),
        "significant": nc > 0 and (diff.low > 0 or diff.high < 0),
        "method": "difference of conversion rates, Newcombe hybrid score 95% interval",
        **two_proportion_test(xt, nt, xc, nc),
    }


def ab_test(
    groups: dict[str, tuple[int, int]], planned: int | None = None, alpha: float = 0.05
) -> dict[str, object]:
    """Each variant against the first (by name) with its p-value; and whether the result may be
    read yet: looking before the planned size per group and stopping on a small p inflates the
    false positives (peeking)."""
    names = sorted(groups)
    if not names:
        return {"variants": [], "caveat": None}
    base = names[0]
    xb, nb = groups[base]
    rows = []
    for name in names:
        x, n = groups[name]
        row: dict[str, object] = {
            "variant": name,
            "people": n,
            "converted": x,
            "rate": wilson(x, n).as_dict(),
        }
        if name != base:
            test = two_proportion_test(x, n, xb, nb)
            row |= {
                "against": base,
                **test,
                "difference": newcombe_difference(x, n, xb, nb).as_dict(),
                "significant": test["p_value"] is not None and test["p_value"] < alpha,
            }
        rows.append(row)
    smallest = min(n for _, n in groups.values())
    if planned is None:
        caveat = (
            "no planned size given: the p-values hold for one look at a size fixed in "
            "advance; looking repeatedly and stopping at a small p-value (peeking) "
            "makes false winners more likely"
        )
    elif smallest < planned:
        caveat = (
            f"peeking: the smallest group has {smallest} of the {planned} people planned; "
            "a p-value read now is not valid at the stated level"
        )
    else:
        caveat = None
    return {
        "variants": rows,
        "alpha": alpha,
        "planned": planned,
        "caveat": caveat,
        "test": "pooled two-proportion z-test, two-sided",
    }
