"""Money as Decimal in a currency's minor units, and a cart discount split over lines exactly."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

# ISO 4217 minor units where they are not 2.
_EXPONENTS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "KWD": 3, "BHD": 3, "OMR": 3}


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-_EXPONENTS.get(currency, 2))


def rounded(amount: Decimal, currency: str) -> Decimal:
    """Half up to the currency's minor unit (the till's rounding)."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def floor_to(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(quantum(currency), rounding=ROUND_DOWN)


def split(total: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """``total`` over the weights in proportion, in minor units, summing to ``total`` exactly
    (largest remainder; ties go to the earlier weight, so the split is deterministic). No
    share exceeds its weight when ``total`` does not exceed their sum."""
    step = quantum(currency)
    whole = sum(weights, Decimal(0))
    if not weights or whole <= 0 or total <= 0:
        return [Decimal(0).quantize(step)] * len(weights)
    units = int((total / step).to_integral_value(rounding=ROUND_DOWN))
    raw = [units * w / whole for w in weights]
    shares = [int(r.to_integral_value(rounding=ROUND_DOWN)) for r in raw]
    caps = [int((w / step).to_integral_value(rounding=ROUND_DOWN)) for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(raw[i] - shares[i]), i))
    left = units - sum(shares)
    while left > 0:
        moved = False
        for i in order:
            if left and shares[i] < caps[i]:
                shares[i] += 1
                left -= 1
                moved = True
        if not moved:
            break
    return [(Decimal(s) * step).quantize(step) for s in shares]
