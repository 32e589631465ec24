"""Customer reports: retention cohorts, sales by channel and store, post-purchase satisfaction
(NPS and CSAT from ``Survey Answered`` tracks) and the RFM distribution. SQL builders for the
batch tables (see ``batch.py``) and the pure folds of their rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from omniweave.analytics.paths_sql import Dialect, order_people_sql

SURVEY = "Survey Answered"


def cohorts_sql(d: Dialect, end: datetime) -> str:
    """People per first-order month and months since (0 = the first month)."""
    return f"""
    WITH order_people AS ({order_people_sql()}),
    paid AS (SELECT DISTINCT person, date_trunc('month', placed_at) AS month FROM order_people
              WHERE payment_status = 'paid' AND placed_at < {d.timestamp(end)}),
    firsts AS (SELECT person, MIN(month) AS cohort FROM paid GROUP BY person)
    SELECT f.cohort AS cohort,
           (year(p.month) - year(f.cohort)) * 12 + month(p.month) - month(f.cohort) AS age,
           COUNT(DISTINCT p.person) AS people
      FROM paid p JOIN firsts f ON f.person = p.person
     GROUP BY f.cohort, (year(p.month) - year(f.cohort)) * 12 + month(p.month) - month(f.cohort)
     ORDER BY 1, 2
    """


def sales_sql(d: Dialect, start: datetime, end: datetime) -> str:
    """Paid orders and revenue per sales channel and store in the period."""
    return f"""
    SELECT channel, coalesce(store, '(online)') AS store, COUNT(*) AS orders,
           SUM(CAST(total AS DOUBLE)) AS revenue, COUNT(DISTINCT person) AS customers
      FROM ({order_people_sql()}) o
     WHERE payment_status = 'paid' AND placed_at >= {d.timestamp(start)}
       AND placed_at < {d.timestamp(end)}
     GROUP BY channel, coalesce(store, '(online)') ORDER BY revenue DESC, channel, store
    """


def survey_sql(d: Dialect, start: datetime, end: datetime) -> str:
    """Every survey answer of the period: its kind (nps or csat) and score."""
    kind = d.json_text("properties", "survey")
    score = d.json_text("properties", "score")
    return f"""
    SELECT lower(coalesce({kind}, 'nps')) AS kind, CAST({score} AS DOUBLE) AS score
      FROM events
     WHERE type = 'track' AND event = '{SURVEY}' AND {score} IS NOT NULL
       AND timestamp >= {d.timestamp(start)} AND timestamp < {d.timestamp(end)}
    """


def retention(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per cohort: its size and the share of it ordering again in each later month."""
    found: dict[Any, dict[int, int]] = {}
    for r in rows:
        found.setdefault(r["cohort"], {})[int(r["age"])] = int(r["people"])
    out = []
    for cohort, ages in sorted(found.items()):
        size = ages.get(0, 0)
        last = max(ages)
        shares = [ages.get(k, 0) / size if size else 0.0 for k in range(last + 1)]
        out.append({"cohort": cohort, "people": size, "retention": shares})
    return out


def satisfaction(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """NPS (scores 0-10: % 9-10 minus % 0-6) and CSAT (scores 1-5: % 4-5)."""
    rows = list(rows)
    nps = [float(r["score"]) for r in rows if r["kind"] == "nps" and 0 <= r["score"] <= 10]
    csat = [float(r["score"]) for r in rows if r["kind"] == "csat" and 1 <= r["score"] <= 5]
    result: dict[str, Any] = {
        "rule": "NPS: % scoring 9-10 minus % scoring 0-6 (0-10 scale); "
        "CSAT: % scoring 4-5 (1-5 scale); from Survey Answered tracks"
    }
    result["nps"] = {
        "answers": len(nps),
        "promoters": sum(s >= 9 for s in nps),
        "detractors": sum(s <= 6 for s in nps),
        "score": (100 * (sum(s >= 9 for s in nps) - sum(s <= 6 for s in nps)) / len(nps))
        if nps
        else None,
    }
    result["csat"] = {
        "answers": len(csat),
        "satisfied": sum(s >= 4 for s in csat),
        "score": 100 * sum(s >= 4 for s in csat) / len(csat) if csat else None,
    }
    return result


def rfm_distribution(values: Iterable[Mapping[str, Any] | None]) -> dict[str, Any]:
    """Customers per RFM segment and per (R, F) cell, from the computed ``rfm`` trait."""
    segments: dict[str, int] = {}
    grid: dict[str, int] = {}
    scored = 0
    for v in values:
        if not v or v.get("r") is None:
            continue
        scored += 1
        name = v.get("segment") or "(none)"
        segments[name] = segments.get(name, 0) + 1
        cell = f"{v['r']}{v['f']}"
        grid[cell] = grid.get(cell, 0) + 1
    return {
        "customers": scored,
        "bySegment": dict(sorted(segments.items())),
        "byRF": dict(sorted(grid.items())),
    }
