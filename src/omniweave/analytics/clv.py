"""Predicted customer value: BG/NBD (Fader, Hardie and Lee 2005, "Counting your customers the
easy way") for how many orders a customer will place and whether they are still alive, and
Gamma-Gamma (Fader and Hardie 2013) for what an order of theirs is worth; fitted by maximum
likelihood with scipy (``lifetimes``, which did this, is unmaintained).

A customer is (x, t_x, T, m): repeat orders, the age of the last one and their own age, both
counted from their first order in weeks, and the mean value of the repeat orders.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# Parameters are searched on their logarithms within these bounds (e^-12 to e^12): where
# spending barely varies between customers, Gamma-Gamma's likelihood keeps growing with p and q
# (the limit is a spend without heterogeneity); the bound keeps the numbers finite.
BOUNDS = (-12.0, 12.0)


@dataclass(frozen=True)
class Customer:
    x: int
    t_x: float
    T: float  # noqa: N815 (the papers' name)
    m: float = 0.0


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float

    def p_alive(self, c: Customer) -> float:
        if c.x == 0:
            return 1.0
        odds = (
            self.a
            / (self.b + c.x - 1)
            * ((self.alpha + c.T) / (self.alpha + c.t_x)) ** (self.r + c.x)
        )
        return 1.0 / (1.0 + odds)

    def expected_orders(self, c: Customer, t: float) -> float:
        """E[X(t) | x, t_x, T]: the orders expected in the next ``t`` weeks (FHL 2005, eq. 10)."""
        from scipy.special import hyp2f1

        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        z = t / (alpha + c.T + t)
        head = (a + b + c.x - 1) / (a - 1)
        tail = 1 - ((alpha + c.T) / (alpha + c.T + t)) ** (r + c.x) * hyp2f1(
            r + c.x, b + c.x, a + b + c.x - 1, z
        )
        return head * tail * self.p_alive(c) if c.x else head * tail


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    v: float
    log_likelihood: float

    def expected_value(self, c: Customer, population_mean: float) -> float:
        """E[M | x, m]: the expected value of one order (the population's mean without repeats)."""
        if c.x == 0:
            return population_mean
        return (self.p * (self.v + c.x * c.m)) / (self.p * c.x + self.q - 1)


def _columns(customers: Sequence[Customer]):
    import numpy as np

    return tuple(
        np.array([getattr(c, k) for c in customers], dtype=float) for k in ["x", "t_x", "T", "m"]
    )


def bgnbd_log_likelihood(params: Sequence[float], customers: Sequence[Customer] | tuple) -> float:
    """The BG/NBD log-likelihood (FHL 2005, eq. 6) of customers (or their ``_columns``)."""
    import numpy as np
    from scipy.special import betaln, gammaln

    r, alpha, a, b = params
    x, t_x, big_t, _ = customers if isinstance(customers, tuple) else _columns(customers)
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    first = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + big_t)
    repeat = x > 0
    second = np.full_like(x, -np.inf)
    xr = x[repeat]
    second[repeat] = (
        betaln(a + 1, b + xr - 1) - betaln(a, b) - (r + xr) * np.log(alpha + t_x[repeat])
    )
    return float(np.sum(common + np.logaddexp(first, second)))


def fit_bgnbd(customers: Sequence[Customer]) -> BgNbd:
    """The maximum-likelihood BG/NBD parameters (optimised on their logarithms)."""
    import numpy as np
    from scipy.optimize import minimize

    columns = _columns(customers)

    def loss(theta):
        return -bgnbd_log_likelihood(np.exp(theta), columns)

    found = minimize(
        loss,
        np.zeros(4),
        method="L-BFGS-B",
        bounds=[BOUNDS] * 4,
        options={"ftol": 1e-13, "gtol": 1e-9, "maxiter": 5_000},
    )
    r, alpha, a, b = np.exp(found.x)
    return BgNbd(float(r), float(alpha), float(a), float(b), -float(found.fun))


def gamma_gamma_log_likelihood(
    params: Sequence[float], customers: Sequence[Customer] | tuple
) -> float:
    """The Gamma-Gamma log-likelihood (Fader and Hardie 2013) of customers with repeats."""
    import numpy as np
    from scipy.special import gammaln

    p, q, v = params
    x, _, _, m = customers if isinstance(customers, tuple) else _columns(customers)
    return float(np.sum(
        gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(v)
        + (p * x - 1) * np.log(m) + p * x * np.log(x) - (p * x + q) * np.log(v + m * x)
    ))  # fmt: skip


def fit_gamma_gamma(customers: Sequence[Customer]) -> GammaGamma:
    """The maximum-likelihood Gamma-Gamma parameters over the customers with repeat orders."""
    import numpy as np
    from scipy.optimize import minimize

    repeaters = _columns([c for c in customers if c.x > 0 and c.m > 0])

    def loss(theta):
        return -gamma_gamma_log_likelihood(np.exp(theta), repeaters)

    found = minimize(
        loss,
        np.zeros(3),
        method="L-BFGS-B",
        bounds=[BOUNDS] * 3,
        options={"ftol": 1e-13, "gtol": 1e-9, "maxiter": 5_000},
    )
    p, q, v = np.exp(found.x)
    return GammaGamma(float(p), float(q), float(v), -float(found.fun))


def lifetime_value(
    bg: BgNbd,
    gg: GammaGamma,
    c: Customer,
    population_mean: float,
    weeks: float,
    weekly_discount: float = 0.0,
) -> float:
    """Expected revenue over the next ``weeks``, discounted week by week (0: not at all)."""
    value = gg.expected_value(c, population_mean)
    if weekly_discount == 0:
        return bg.expected_orders(c, weeks) * value
    total, before = 0.0, 0.0
    for week in range(1, math.ceil(weeks) + 1):
        now = bg.expected_orders(c, min(week, weeks))
        total += (now - before) * value / (1 + weekly_discount) ** week
        before = now
    return total
