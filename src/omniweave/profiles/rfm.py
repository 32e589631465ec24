"""RFM: recency, frequency and monetary scores 1-5 against the workspace's quintiles, and the
segment a (recency, frequency) pair falls in.

Pure. The quintiles are a batch computation across every customer of a workspace (a rebuild
holds all their inputs, so a sort finds them: SQLite has no percentile function, and the
inputs are JSON the fold produced); a profile recomputed between rebuilds is scored against
the last cut points, so its scores stay comparable with everyone else's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from omniweave.core.time import iso, parse_timestamp
from omniweave.profiles.traits_model import RfmSpec

MEASURES = ("last_order_at", "frequency", "monetary")


def quintile_cutoffs(values: Sequence[float]) -> list[float]:
    """The top value of each of the first four fifths of ``values`` (sorted here). A value
    scores 1 plus the number of cut points it is above, so equal values score alike."""
    ordered = sorted(values)
    n = len(ordered)
    return [ordered[max(-(-n * k // 5) - 1, 0)] for k in range(1, 5)] if n else []


def cutoffs(inputs: Iterable[Mapping[str, Any]]) -> dict[str, list]:
    """Cut points of each measure over the customers' inputs (recency as ISO times)."""
    found = [i for i in inputs if i]
    points = {m: quintile_cutoffs([_measure(i, m) for i in found]) for m in MEASURES}
    points["last_order_at"] = [iso(datetime.fromtimestamp(p, UTC)) for p in points["last_order_at"]]
    return points


def score(inputs: Mapping[str, Any] | None, points: Mapping[str, list] | None, spec: RfmSpec):
    """The inputs with their scores and segment; scores are None until cut points exist."""
    if inputs is None:
        return None
    if not points or not points.get("frequency"):
        return {**inputs, "r": None, "f": None, "m": None, "score": None, "segment": None}
    r, f, m = (_score(_measure(inputs, k), [_point(k, p) for p in points[k]]) for k in MEASURES)
    return {**inputs, "r": r, "f": f, "m": m, "score": f"{r}{f}{m}", "segment": segment(r, f, spec)}


def segment(r: int, f: int, spec: RfmSpec) -> str | None:
    for candidate in spec.segments:
        if candidate.r[0] <= r <= candidate.r[1] and candidate.f[0] <= f <= candidate.f[1]:
            return candidate.name
    return None


def _score(value: float, points: Sequence[float]) -> int:
    return 1 + sum(value > p for p in points)


def _measure(inputs: Mapping[str, Any], name: str) -> float:
    return _point(name, inputs[name])


def _point(name: str, value: Any) -> float:
    return parse_timestamp(value).timestamp() if name == "last_order_at" else float(value)
