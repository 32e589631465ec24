"""The campaign and journey report from the rows ``report_sql`` returns (pure): the funnel per
channel and per step, the holdout uplift and the A/B test of the variants."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from omniweave.analytics.stats import ab_test, uplift

HELD_OUT = "(held out)"


def funnel(facts: Iterable[Mapping[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    """Messages, sent, delivered, opened, clicked, converted, revenue, unsubscribed and cost,
    per value of ``key`` (channel or step). Held-out rows count under "(held out)"."""
    found: dict[str, dict[str, Any]] = {}
    for f in facts:
        name = HELD_OUT if f["status"] == "held_out" else (f[key] or "(none)")
        row = found.setdefault(
            name,
            dict.fromkeys(
                ("messages", "sent", "delivered", "opened", "clicked", "converted", "unsubscribed"),
                0,
            )
            | {"revenue": 0.0, "cost": 0.0},
        )
        row["messages"] += 1
        for stage in ("sent", "delivered", "opened", "clicked"):
            row[stage] += f[f"{stage}_at"] is not None
        if f["orders"] and f["status"] != "held_out":
            row["converted"] += 1
            row["revenue"] += float(f["revenue"])
        row["unsubscribed"] += bool(f["revokes"])
        row["cost"] += float(f["cost"] or 0)
    for row in found.values():
        row["conversionRate"] = row["converted"] / row["sent"] if row["sent"] else None
    return dict(sorted(found.items()))


def people_numbers(
    people: Iterable[Mapping[str, Any]], planned: int | None = None
) -> dict[str, Any]:
    """Holdout uplift over the people (or runs), and the variants' test when there are some."""
    rows = list(people)
    treated = [p for p in rows if not p["held_out"]]
    control = [p for p in rows if p["held_out"]]
    result: dict[str, Any] = {
        "people": len(rows),
        "holdout": uplift(_counts(treated), _counts(control)),
        "revenuePerPerson": {"treated": _mean_revenue(treated), "holdout": _mean_revenue(control)},
    }
    if control and treated:
        extra = (_mean_revenue(treated) - _mean_revenue(control)) * len(treated)
        result["incrementalRevenue"] = extra
    variants: dict[str, list[Mapping[str, Any]]] = {}
    for p in treated:
        if p["variant"] is not None:
            variants.setdefault(p["variant"], []).append(p)
    if variants:
        result["abTest"] = ab_test({k: _counts(v) for k, v in variants.items()}, planned)
    return result


def _counts(people: list[Mapping[str, Any]]) -> tuple[int, int]:
    return sum(1 for p in people if p["orders"]), len(people)


def _mean_revenue(people: list[Mapping[str, Any]]) -> float:
    return sum(float(p["revenue"]) for p in people) / len(people) if people else 0.0
