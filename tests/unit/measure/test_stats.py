"""The report statistics against published worked examples."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omniweave.analytics.stats import (
    ab_test,
    newcombe_difference,
    two_proportion_test,
    uplift,
    wilson,
)


def test_wilson_matches_newcombe_1998_table_i():
    # Newcombe (1998), Stat Med 17:857, Table I: 81/263 -> 0.2553 to 0.3662.
    got = wilson(81, 263)
    assert (got.low, got.high) == pytest.approx((0.2553, 0.3662), abs=1e-4)


def test_newcombe_difference_matches_newcombe_1998_table_ii():
    # Newcombe (1998), Stat Med 17:873, Table II, example (a): 56/70 - 48/80,
    # method 10 -> 0.0524 to 0.3339.
    got = newcombe_difference(56, 70, 48, 80)
    assert got.estimate == pytest.approx(0.2)
    assert (got.low, got.high) == pytest.approx((0.0524, 0.3339), abs=1e-4)


def test_two_proportion_z_by_hand():
    got = two_proportion_test(60, 100, 40, 100)
    assert got["z"] == pytest.approx(2.8284, abs=1e-4)
    assert got["p_value"] == pytest.approx(0.004678, abs=1e-5)
    assert two_proportion_test(0, 0, 1, 2) == {"z": None, "p_value": None}


@given(
    st.integers(0, 200).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(0, 200).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
)
def test_intervals_contain_their_estimate(a, b):
    for interval in (wilson(*a), newcombe_difference(*a, *b)):
        assert interval.low - 1e-12 <= interval.estimate <= interval.high + 1e-12


def test_uplift_and_the_peeking_caveat():
    u = uplift((120, 1000), (40, 500))
    assert u["uplift"]["estimate"] == pytest.approx(0.04)
    assert u["significant"] is True
    early = ab_test({"a": (10, 100), "b": (20, 100)}, planned=1000)
    assert "peeking" in early["caveat"]
    assert early["variants"][1]["against"] == "a"
    done = ab_test({"a": (100, 1000), "b": (150, 1000)}, planned=1000)
    assert done["caveat"] is None and done["variants"][1]["significant"] is True
    assert "peeking" in ab_test({"a": (1, 10), "b": (2, 10)})["caveat"]
