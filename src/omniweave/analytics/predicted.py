"""Predicted value per customer from the workspace's paid orders: BG/NBD + Gamma-Gamma fitted on
everyone, then each customer's expected orders, probability of being alive and value."""

from __future__ import annotations

from datetime import date
from typing import Any

from omniweave.analytics.clv import Customer, fit_bgnbd, fit_gamma_gamma, lifetime_value

MIN_REPEATERS = 10


def predict(rows: list[dict[str, Any]], today: date, horizon_days: int) -> dict[str, Any]:
    """The fitted models and every customer's prediction over ``horizon_days``."""
    customers = {
        r["person"]: Customer(
            int(r["x"]),
            (r["last_day"] - r["first_day"]).days / 7,
            (today - r["first_day"]).days / 7,
            float(r["m"] or 0.0),
        )
        for r in rows
    }
    repeaters = sum(1 for c in customers.values() if c.x > 0 and c.m > 0)
    if repeaters < MIN_REPEATERS:
        return {
            "model": None,
            "customers": [],
            "reason": f"{repeaters} customers with a repeat order; the fit needs {MIN_REPEATERS}",
        }
    bg = fit_bgnbd(list(customers.values()))
    gg = fit_gamma_gamma(list(customers.values()))
    mean = sum(float(r["mean_order"]) for r in rows) / len(rows)
    weeks = horizon_days / 7
    found = []
    for person, c in customers.items():
        found.append(
            {
                "profileId": person,
                "repeatOrders": c.x,
                "weeksToLastOrder": c.t_x,
                "weeksSinceFirstOrder": c.T,
                "meanRepeatValue": c.m,
                "pAlive": bg.p_alive(c),
                "expectedOrders": bg.expected_orders(c, weeks),
                "expectedOrderValue": gg.expected_value(c, mean),
                "predictedValue": lifetime_value(bg, gg, c, mean, weeks),
            }
        )
    found.sort(key=lambda p: (-p["predictedValue"], p["profileId"]))
    return {
        "model": {
            "bgnbd": {
                "r": bg.r,
                "alpha": bg.alpha,
                "a": bg.a,
                "b": bg.b,
                "logLikelihood": bg.log_likelihood,
            },
            "gammaGamma": {"p": gg.p, "q": gg.q, "gamma": gg.v, "logLikelihood": gg.log_likelihood},
            "customers": len(customers),
            "repeaters": repeaters,
            "rule": "BG/NBD (Fader, Hardie, Lee 2005) x Gamma-Gamma (Fader, Hardie 2013), "
            "fitted by maximum likelihood; weeks from each customer's first order day",
        },
        "customers": found,
    }
