"""RFM quintiles and segments (pure)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from omniweave.profiles import rfm
from omniweave.profiles.traits_model import load_catalog

SPEC = next(d.rfm for d in load_catalog().definitions if d.aggregation == "rfm")


def test_quintiles_of_a_hundred_values():
    assert rfm.quintile_cutoffs(list(range(100, 0, -1))) == [20, 40, 60, 80]


def test_equal_values_score_alike():
    # most customers order once: they all score 1, however many there are
    points = rfm.quintile_cutoffs([1] * 70 + [2] * 20 + [5] * 10)
    assert points == [1, 1, 1, 2]
    assert [1 + sum(v > p for p in points) for v in (1, 2, 5)] == [1, 4, 5]


@given(st.lists(st.integers(0, 50), min_size=1, max_size=200))
def test_scores_are_one_to_five_and_grow_with_the_value(values):
    points = rfm.quintile_cutoffs(values)
    scores = {v: 1 + sum(v > p for p in points) for v in values}
    assert all(1 <= s <= 5 for s in scores.values())
    ordered = sorted(scores)
    assert all(scores[a] <= scores[b] for a, b in zip(ordered, ordered[1:], strict=False))
    assert scores[min(values)] == 1


def test_every_score_pair_has_a_segment():
    assert all(rfm.segment(r, f, SPEC) for r in range(1, 6) for f in range(1, 6))
    assert rfm.segment(5, 5, SPEC) == "champions"
    assert rfm.segment(1, 4, SPEC) == "at_risk"
    assert rfm.segment(5, 1, SPEC) == "new_customers"


def test_scoring_against_cutoffs():
    customers = [
        {"last_order_at": f"2026-10-{day:02d}T00:00:00Z", "frequency": day, "monetary": day * 100}
        for day in range(1, 11)
    ]
    points = rfm.cutoffs(customers)
    assert points["frequency"] == [2, 4, 6, 8]
    assert points["last_order_at"][0] == "2026-10-02T00:00:00Z"
    best = rfm.score(customers[-1], points, SPEC)
    assert (best["r"], best["f"], best["m"], best["segment"]) == (5, 5, 5, "champions")
    worst = rfm.score(customers[0], points, SPEC)
    assert worst["score"] == "111" and worst["segment"] == "hibernating"
    assert rfm.score(customers[0], None, SPEC)["segment"] is None
    assert rfm.score(None, points, SPEC) is None
