"""What each effect takes off which line: pure, given the lines' current amounts.

Every function returns ``({line: discount}, reason)``; a discount never exceeds the line's
current amount, so the price can only go down and never below zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from omniweave.pricing.money import rounded, split

ZERO = Decimal(0)
Cut = dict[int, Decimal]


def discounts_for(
    effect: Any, lines: Sequence[Any], amounts: list[Decimal], targeted: list[int], cur: str
) -> tuple[Cut, str]:
    kind = effect.type
    if kind == "percent":
        cut = {
            i: min(amounts[i], rounded(amounts[i] * effect.percent / 100, cur)) for i in targeted
        }
        return cut, f"{effect.percent}% off {len(targeted)} line(s)"
    if kind == "fixed":
        return _fixed(effect, lines, amounts, targeted, cur)
    if kind == "n_for_m":
        return _n_for_m(effect, lines, amounts, targeted, cur)
    if kind == "gift":
        return _gift(effect, lines, amounts, cur)
    return _bundle(effect, lines, amounts, cur)


def _fixed(effect, lines, amounts, targeted, cur) -> tuple[Cut, str]:
    if effect.per == "unit":
        cut = {
            i: min(amounts[i], rounded(effect.amount * lines[i].quantity, cur)) for i in targeted
        }
        return cut, f"{effect.amount} off each unit of {len(targeted)} line(s)"
    if effect.per == "line":
        cut = {i: min(amounts[i], rounded(effect.amount, cur)) for i in targeted}
        return cut, f"{effect.amount} off each of {len(targeted)} line(s)"
    weights = [amounts[i] for i in targeted]
    whole = min(rounded(effect.amount, cur), sum(weights, ZERO))
    shares = split(whole, weights, cur)
    return dict(zip(targeted, shares, strict=True)), (
        f"{whole} off the cart, split over {len(targeted)} line(s) by amount"
    )


def _unit_price(amount: Decimal, quantity: Decimal) -> Decimal:
    return amount / quantity if quantity else ZERO


def _whole_units(quantity: Decimal) -> int:
    return int(quantity) if quantity == quantity.to_integral_value() else 0


def _n_for_m(effect, lines, amounts, targeted, cur) -> tuple[Cut, str]:
    units = sum(_whole_units(lines[i].quantity) for i in targeted)
    free = (units // effect.buy) * (effect.buy - effect.pay)
    if free == 0:
        return {}, f"{units} whole unit(s) targeted, {effect.buy} needed for {effect.pay}"
    cheapest = sorted(
        (i for i in targeted if _whole_units(lines[i].quantity)),
        key=lambda i: (_unit_price(amounts[i], lines[i].quantity), i),
    )
    cut: Cut = {}
    left = free
    for i in cheapest:
        take = min(left, _whole_units(lines[i].quantity))
        if take:
            price = _unit_price(amounts[i], lines[i].quantity)
            cut[i] = min(amounts[i], rounded(price * take, cur))
            left -= take
        if not left:
            break
    return cut, f"{effect.buy} for {effect.pay}: {free} cheapest unit(s) of {units} free"


def _gift(effect, lines, amounts, cur) -> tuple[Cut, str]:
    gifts = [i for i, ln in enumerate(lines) if ln.sku == effect.sku]
    if not gifts:
        return {}, f"the gift {effect.sku!r} is not in the cart: add it to receive it free"
    cut: Cut = {}
    left = Decimal(effect.quantity)
    for i in gifts:
        take = min(left, lines[i].quantity)
        cut[i] = min(amounts[i], rounded(_unit_price(amounts[i], lines[i].quantity) * take, cur))
        left -= take
        if left <= 0:
            break
    return cut, f"gift: {effect.quantity} x {effect.sku!r} free"


def _bundle(effect, lines, amounts, cur) -> tuple[Cut, str]:
    by_sku: dict[str, list[int]] = {}
    for i, ln in enumerate(lines):
        if ln.sku in effect.skus:
            by_sku.setdefault(ln.sku, []).append(i)
    missing = [s for s in effect.skus if s not in by_sku]
    if missing:
        return {}, f"bundle incomplete: {', '.join(missing)} not in the cart"
    counts = {s: sum(_whole_units(lines[i].quantity) for i in ix) for s, ix in by_sku.items()}
    sets = min(counts[s] for s in effect.skus)
    if sets == 0:
        return {}, "bundle incomplete: no whole unit of every sku"
    unit = {
        s: sum((amounts[i] for i in ix), ZERO) / sum((lines[i].quantity for i in ix), ZERO)
        for s, ix in by_sku.items()
    }
    set_price = sum((unit[s] for s in effect.skus), ZERO)
    saving = rounded((set_price - effect.price) * sets, cur)
    if saving <= 0:
        return (
            {},
            f"the bundle price {effect.price} is not below the items' {rounded(set_price, cur)}",
        )
    involved = [i for s in effect.skus for i in by_sku[s]]
    involved = sorted(set(involved))
    shares = split(saving, [amounts[i] for i in involved], cur)
    return dict(zip(involved, shares, strict=True)), (
        f"bundle {' + '.join(effect.skus)} at {effect.price}: {sets} set(s)"
    )
