"""BG/NBD and Gamma-Gamma against the published CDNOW results.

``data/cdnow_summary.csv`` is ``cdnow_customers_summary_with_transactions.csv`` from the
Lifetimes 0.11.3 source distribution (MIT licence; the CDNOW sample of Fader and Hardie: 2,357
customers, 39 weeks; x, t_x, T in weeks, zbar the mean repeat spend)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from omniweave.analytics.clv import (
    BgNbd,
    Customer,
    fit_bgnbd,
    fit_gamma_gamma,
    lifetime_value,
)

DATA = Path(__file__).parent / "data" / "cdnow_summary.csv"


@pytest.fixture(scope="module")
def customers() -> list[Customer]:
    with DATA.open(newline="") as f:
        return [
            Customer(int(r["x"]), float(r["t_x"]), float(r["T"]), float(r["zbar"]))
            for r in csv.DictReader(f)
        ]


@pytest.fixture(scope="module")
def bg(customers) -> BgNbd:
    return fit_bgnbd(customers)


def test_bgnbd_finds_the_parameters_of_fader_hardie_lee_2005(customers, bg):
    # FHL (2005), section 5: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4.
    assert len(customers) == 2357
    assert (bg.r, bg.alpha, bg.a, bg.b) == pytest.approx((0.243, 4.414, 0.793, 2.426), abs=1e-3)
    assert bg.log_likelihood == pytest.approx(-9582.4, abs=0.05)


def test_bgnbd_conditional_expectation_of_the_papers_example(bg):
    # FHL (2005), section 5: a customer with x = 2, t_x = 30.43, T = 38.86 is expected to make
    # 1.226 purchases in the next 39 weeks.
    assert bg.expected_orders(Customer(2, 30.43, 38.86), 39) == pytest.approx(1.226, abs=1e-3)
    assert bg.p_alive(Customer(0, 0, 38.86)) == 1.0
    assert bg.p_alive(Customer(2, 30.43, 38.86)) > bg.p_alive(Customer(2, 5.0, 38.86))


def test_gamma_gamma_finds_the_parameters_of_fader_hardie_2013(customers, bg):
    # Fader and Hardie (2013), "The Gamma-Gamma model of monetary value": p = 6.25,
    # q = 3.74, gamma = 15.44 over the 946 customers with repeat purchases.
    gg = fit_gamma_gamma(customers)
    assert (gg.p, gg.q, gg.v) == pytest.approx((6.25, 3.74, 15.44), abs=0.01)
    # E(M | x, m) = p (gamma + x m) / (p x + q - 1): by hand with the fitted parameters.
    one = Customer(2, 30.43, 38.86, 35.654)
    spend = gg.expected_value(one, population_mean=35.0)
    assert spend == pytest.approx(gg.p * (gg.v + 2 * 35.654) / (gg.p * 2 + gg.q - 1))
    assert spend == pytest.approx(35.57, abs=0.01)
    value = lifetime_value(bg, gg, one, 35.0, weeks=39)
    assert value == pytest.approx(bg.expected_orders(one, 39) * spend)
    assert lifetime_value(bg, gg, one, 35.0, weeks=39, weekly_discount=0.01) < value
