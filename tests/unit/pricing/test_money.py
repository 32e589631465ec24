"""A cart discount split over lines: exact, bounded, deterministic."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from omniweave.pricing.money import rounded, split

weights_st = st.lists(st.decimals("0", "10000", places=2), min_size=1, max_size=12)


@given(weights_st, st.decimals("0", "20000", places=2), st.sampled_from(["RUB", "JPY", "KWD"]))
def test_a_split_sums_exactly_and_never_exceeds_a_weight(weights, total, currency):
    weights = [rounded(w, currency) for w in weights]
    total = min(rounded(total, currency), sum(weights, Decimal(0)))
    shares = split(total, weights, currency)
    assert len(shares) == len(weights)
    assert all(Decimal(0) <= s <= w for s, w in zip(shares, weights, strict=True))
    if sum(weights, Decimal(0)) > 0:
        assert sum(shares, Decimal(0)) == total


def test_minor_units_follow_the_currency():
    assert rounded(Decimal("10.005"), "RUB") == Decimal("10.01")
    assert rounded(Decimal("10.5"), "JPY") == Decimal("11")
    assert split(Decimal("1"), [Decimal("1")] * 3, "RUB") == [
        Decimal("0.34"),
        Decimal("0.33"),
        Decimal("0.33"),
    ]
