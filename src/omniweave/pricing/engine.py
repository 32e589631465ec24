"""The price calculation: a pure function of the priced lines, the context, the promotions and
``now``. Every promotion gets a verdict with its reason, applied or not.

Lines are worked on in a canonical order (sku, price, quantity), never the order given, so the
same cart gives the same answer whichever channel sent it and however it listed the lines.
Promotions run by priority (higher first, then key); each works on the prices the earlier ones
left, and a discount never exceeds what is left of a line, so no total goes below zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from omniweave.pricing.effects import discounts_for
from omniweave.pricing.model import Promotion, When
from omniweave.pricing.money import floor_to, rounded

ZERO = Decimal(0)


@dataclass(frozen=True)
class Line:
    """A cart line priced from the price list: what the promotions work on."""

    sku: str
    quantity: Decimal
    unit_price: Decimal
    categories: tuple[str, ...] = ()  # the product's category, then its ancestors
    brand: str | None = None


@dataclass(frozen=True)
class Context:
    currency: str = "RUB"
    channel: str | None = None
    store: str | None = None
    timezone: str = "UTC"
    customer: str | None = None  # the profile id, when the customer is known
    segments: frozenset[str] = frozenset()
    tier: str | None = None
    coupons: frozenset[str] = frozenset()  # pools of which a valid code was presented
    points_balance: int = 0
    points_to_spend: int = 0


@dataclass(frozen=True)
class Program:
    """The loyalty programme's numbers: points per 100 of currency paid, by tier."""

    earn_percent: Decimal = ZERO
    tier_earn_percent: Mapping[str, Decimal] = field(default_factory=dict)
    max_spend_percent: Decimal = Decimal(100)  # of the total, payable with points


@dataclass(frozen=True)
class LineResult:
    index: int  # position in the request
    sku: str
    quantity: Decimal
    unit_price: Decimal
    list_total: Decimal
    discount: Decimal
    total: Decimal
    applied: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True)
class Verdict:
    key: str
    applied: bool
    reason: str
    rule: dict
    discount: Decimal = ZERO
    points: int = 0


@dataclass(frozen=True)
class Result:
    currency: str
    lines: tuple[LineResult, ...]
    list_total: Decimal
    discount: Decimal
    total: Decimal
    promotions: tuple[Verdict, ...]
    points_to_earn: int
    points_spendable: int
    points_to_spend: int
    payable: Decimal
    points_reason: str


def canonical_order(lines: Sequence[Line]) -> list[int]:
    return sorted(
        range(len(lines)),
        key=lambda i: (
            lines[i].sku,
            lines[i].unit_price,
            lines[i].quantity,
            lines[i].categories,
            lines[i].brand or "",
        ),
    )


def calculate(
    lines: Sequence[Line],
    context: Context,
    promotions: Sequence[Promotion],
    now: datetime,
    program: Program = Program(),
) -> Result:
    """Line prices, every promotion's verdict, points to earn and spendable."""
    cur = context.currency
    order = canonical_order(lines)
    work = [lines[i] for i in order]
    list_totals = [rounded(ln.quantity * ln.unit_price, cur) for ln in work]
    amounts = list(list_totals)
    applied: list[list[tuple[str, Decimal]]] = [[] for _ in work]
    verdicts: list[Verdict] = []
    groups: dict[str, str] = {}
    exclusive: str | None = None
    point_rules: list[tuple[Promotion, list[int]]] = []
    for promo in sorted((p for p in promotions if p.active), key=lambda p: (-p.priority, p.key)):
        rule = rule_of(promo)

        def refuse(reason: str, promo: Promotion = promo, rule: dict = rule) -> None:
            verdicts.append(Verdict(promo.key, False, reason, rule))

        why_not = eligibility(promo.when, context, now)
        if why_not:
            refuse(why_not)
            continue
        if exclusive is not None:
            refuse(f"exclusive promotion {exclusive!r} applied first")
            continue
        if promo.group and promo.group in groups:
            refuse(f"stacking group {promo.group!r} already used by {groups[promo.group]!r}")
            continue
        taken = [v.key for v in verdicts if v.applied]
        if promo.exclusive and taken:
            refuse(f"exclusive, but {', '.join(taken)} applied first")
            continue
        so_far = sum(amounts, ZERO)
        if promo.when.min_total is not None and so_far < promo.when.min_total:
            refuse(f"cart total {so_far} is below the threshold {promo.when.min_total}")
            continue
        targeted = [i for i, ln in enumerate(work) if matches(promo, ln)]
        if not targeted:
            refuse("no line in the cart matches the target")
            continue
        if promo.effect.type == "points":
            point_rules.append((promo, targeted))
            reason = "bonus points on the targeted lines"
            verdicts.append(Verdict(promo.key, True, reason, rule))
        else:
            cut, reason = discounts_for(promo.effect, work, amounts, targeted, cur)
            total_cut = sum(cut.values(), ZERO)
            if total_cut <= 0:
                refuse(reason)
                continue
            for i, amount in cut.items():
                amounts[i] -= amount
                applied[i].append((promo.key, amount))
            verdicts.append(Verdict(promo.key, True, reason, rule, total_cut))
        if promo.group:
            groups[promo.group] = promo.key
        if promo.exclusive:
            exclusive = promo.key
    return _finish(
        work, order, list_totals, amounts, applied, verdicts, point_rules, context, program
    )


def _finish(work, order, list_totals, amounts, applied, verdicts, point_rules, context, program):
    cur = context.currency
    results = tuple(
        sorted(
            (
                LineResult(
                    order[i],
                    ln.sku,
                    ln.quantity,
                    ln.unit_price,
                    list_totals[i],
                    list_totals[i] - amounts[i],
                    amounts[i],
                    tuple(applied[i]),
                )
                for i, ln in enumerate(work)
            ),
            key=lambda r: r.index,
        )
    )
    total = sum(amounts, ZERO)
    list_total = sum(list_totals, ZERO)
    bonus: dict[str, int] = {}
    for promo, targeted in point_rules:
        base = sum((amounts[i] for i in targeted), ZERO)
        earned = int(base * (promo.effect.percent or 0) / 100) + (promo.effect.fixed or 0)
        bonus[promo.key] = earned
    verdicts = [
        Verdict(v.key, v.applied, v.reason, v.rule, v.discount, bonus.get(v.key, 0))
        for v in verdicts
    ]
    spendable = min(
        context.points_balance, int(floor_to(total * program.max_spend_percent / 100, cur))
    )
    spendable = max(spendable, 0) if context.customer else 0
    spend, points_reason = context.points_to_spend, ""
    if spend > spendable:
        points_reason = f"asked to spend {spend} points, only {spendable} spendable"
        spend = 0
    payable = total - spend
    rate = program.tier_earn_percent.get(context.tier or "", program.earn_percent)
    earn = 0
    if context.customer:
        earn = int((payable * rate / 100).to_integral_value(rounding=ROUND_DOWN)) + sum(
            bonus.values()
        )
    elif not points_reason:
        points_reason = "no known customer: no points to earn or spend"
    return Result(
        cur,
        results,
        list_total,
        list_total - total,
        total,
        tuple(verdicts),
        earn,
        spendable,
        spend,
        payable,
        points_reason,
    )


@lru_cache(maxsize=8192)
def rule_of(promo: Promotion) -> dict:
    """The rule as the answer shows it (computed once per definition: promotions are frozen).
    Callers must not change the dict."""
    return promo.model_dump(
        mode="json", exclude_none=True, exclude_defaults=True, exclude={"name", "description"}
    )


def matches(promo: Promotion, line: Line) -> bool:
    target = promo.target
    if target.everything():
        return True
    return (
        line.sku in target.skus
        or any(c in target.categories for c in line.categories)
        or (line.brand is not None and line.brand in target.brands)
    )


def eligibility(when: When, context: Context, now: datetime) -> str | None:
    """Why the promotion does not apply to this context now (None: it may)."""
    if when.channels is not None and context.channel not in when.channels:
        return f"channel {context.channel!r} is not one of {list(when.channels)}"
    if when.stores is not None and context.store not in when.stores:
        return f"store {context.store!r} is not one of {list(when.stores)}"
    if when.tiers is not None and context.tier not in when.tiers:
        return f"customer tier {context.tier!r} is not one of {list(when.tiers)}"
    if when.segments is not None and not context.segments.intersection(when.segments):
        who = "an unknown customer" if context.customer is None else "the customer"
        return f"{who} is in none of the segments {list(when.segments)}"
    if when.coupon is not None and when.coupon not in context.coupons:
        return f"needs a valid coupon of pool {when.coupon!r}"
    if when.starts is None and when.ends is None:
        return None
    zone = ZoneInfo(when.timezone or context.timezone)
    local = now.astimezone(zone)
    if when.starts is not None and local < _aware(when.starts, zone):
        return f"starts {_aware(when.starts, zone).isoformat()}, it is {local.isoformat()}"
    if when.ends is not None and local >= _aware(when.ends, zone):
        return f"ended {_aware(when.ends, zone).isoformat()}, it is {local.isoformat()}"
    return None


def _aware(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment
