"""The price calculation's properties, hammered with hypothesis, and its reasons."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omniweave.core.errors import InvalidInput
from omniweave.pricing.engine import Context, Line, Program, calculate
from omniweave.pricing.model import parse

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SKUS = ["a", "b", "c", "d", "gift"]

lines_st = st.lists(
    st.builds(
        Line,
        sku=st.sampled_from(SKUS),
        quantity=st.one_of(st.integers(1, 7).map(Decimal), st.decimals("0.001", "5", places=3)),
        unit_price=st.decimals("0", "5000", places=2),
        categories=st.sampled_from([(), ("shoes",), ("boots", "shoes"), ("bags",)]),
        brand=st.sampled_from([None, "acme"]),
    ),
    min_size=0,
    max_size=8,
)

effects_st = st.one_of(
    st.builds(lambda p: {"type": "percent", "percent": str(p)}, st.integers(1, 100)),
    st.builds(
        lambda a, per: {"type": "fixed", "amount": str(a), "per": per},
        st.integers(1, 3000),
        st.sampled_from(["unit", "line", "cart"]),
    ),
    st.builds(
        lambda b, p: {"type": "n_for_m", "buy": b, "pay": min(p, b - 1)},
        st.integers(2, 5),
        st.integers(1, 4),
    ),
    st.just({"type": "gift", "sku": "gift", "quantity": 1}),
    st.builds(
        lambda price: {"type": "bundle", "skus": ["a", "b"], "price": str(price)},
        st.integers(0, 3000),
    ),
    st.just({"type": "points", "percent": "5"}),
)

promo_st = st.builds(
    lambda n, effect, prio, group, excl, target, threshold: parse(
        {
            "key": f"p{n}",
            "priority": prio,
            "group": group,
            "exclusive": excl,
            "effect": effect,
            "target": target,
            "when": {"min_total": threshold} if threshold else {},
        }
    ),
    st.integers(0, 10_000),
    effects_st,
    st.integers(-3, 3),
    st.sampled_from([None, "g1", "g2"]),
    st.booleans(),
    st.sampled_from([{}, {"skus": ["a"]}, {"categories": ["shoes"]}, {"brands": ["acme"]}]),
    st.sampled_from([None, 100, 2000]),
)
promos_st = st.lists(promo_st, max_size=6, unique_by=lambda p: p.key)
CTX = Context(customer="p_1", points_balance=500)


@settings(max_examples=300, deadline=None)
@given(lines_st, promos_st)
def test_totals_are_bounded_and_add_up(lines, promos):
    result = calculate(lines, CTX, promos, NOW)
    assert Decimal(0) <= result.total <= result.list_total
    assert sum((ln.total for ln in result.lines), Decimal(0)) == result.total
    for ln in result.lines:
        assert Decimal(0) <= ln.total <= ln.list_total
        assert ln.list_total - ln.discount == ln.total
        assert sum((a for _, a in ln.applied), Decimal(0)) == ln.discount


@settings(max_examples=200, deadline=None)
@given(lines_st, promos_st, st.randoms(use_true_random=False))
def test_the_order_of_lines_does_not_change_the_answer(lines, promos, rnd):
    shuffled = list(lines)
    rnd.shuffle(shuffled)
    first, second = calculate(lines, CTX, promos, NOW), calculate(shuffled, CTX, promos, NOW)
    assert first.total == second.total
    assert first.promotions == second.promotions
    assert first.points_to_earn == second.points_to_earn


@settings(max_examples=200, deadline=None)
@given(lines_st, promos_st, promo_st)
def test_one_more_promotion_never_raises_the_price_alone(lines, promos, extra):
    # A promotion on its own only lowers prices; added to others, its own cut is never negative.
    alone = calculate(lines, CTX, [extra], NOW)
    assert alone.total <= calculate(lines, CTX, [], NOW).total
    with_it = calculate(lines, CTX, [*promos, extra], NOW)
    assert all(v.discount >= 0 for v in with_it.promotions)


@settings(max_examples=200, deadline=None)
@given(lines_st, promos_st)
def test_exclusivity_and_groups_are_respected(lines, promos):
    result = calculate(lines, CTX, promos, NOW)
    applied = [v.key for v in result.promotions if v.applied]
    by_key = {p.key: p for p in promos}
    if any(by_key[k].exclusive for k in applied):
        assert len(applied) == 1
    groups = [by_key[k].group for k in applied if by_key[k].group]
    assert len(groups) == len(set(groups))
    assert {v.key for v in result.promotions} == {p.key for p in promos}


def _line(sku, qty, price, **kw):
    return Line(sku, Decimal(qty), Decimal(price), **kw)


def test_three_for_two_frees_the_cheapest_unit():
    promo = parse({"key": "3for2", "effect": {"type": "n_for_m", "buy": 3, "pay": 2}})
    result = calculate([_line("a", 2, "100"), _line("b", 1, "40")], CTX, [promo], NOW)
    assert result.total == Decimal("200.00")
    assert result.lines[1].discount == Decimal("40.00")


def test_a_cart_discount_is_split_so_lines_add_up_exactly():
    promo = parse({"key": "c", "effect": {"type": "fixed", "amount": "10"}})
    lines = [_line(s, 1, "3.33") for s in "abc"]
    result = calculate(lines, CTX, [promo], NOW)
    assert [ln.discount for ln in result.lines] == [Decimal("3.33")] * 3
    promo = parse({"key": "c", "effect": {"type": "fixed", "amount": "1"}})
    result = calculate(lines, CTX, [promo], NOW)
    assert sorted(ln.discount for ln in result.lines) == [Decimal("0.33")] * 2 + [Decimal("0.34")]


def test_every_promotion_says_why_it_did_not_apply():
    promos = [
        parse(
            {
                "key": "site",
                "when": {"channels": ["site"]},
                "effect": {"type": "percent", "percent": 5},
            }
        ),
        parse(
            {
                "key": "vip",
                "when": {"segments": ["vip"]},
                "effect": {"type": "percent", "percent": 5},
            }
        ),
        parse(
            {
                "key": "later",
                "when": {"starts": "2026-12-01T00:00:00", "timezone": "Europe/Moscow"},
                "effect": {"type": "percent", "percent": 5},
            }
        ),
        parse(
            {"key": "big", "when": {"min_total": 1000}, "effect": {"type": "fixed", "amount": 5}}
        ),
        parse(
            {
                "key": "coupon",
                "when": {"coupon": "welcome"},
                "effect": {"type": "percent", "percent": 5},
            }
        ),
        parse({"key": "gift", "effect": {"type": "gift", "sku": "g"}}),
    ]
    ctx = Context(channel="pos", customer="p_1")
    result = calculate([_line("a", 1, "100")], ctx, promos, NOW)
    reasons = {v.key: v.reason for v in result.promotions}
    assert not any(v.applied for v in result.promotions)
    assert "channel 'pos' is not one of ['site']" in reasons["site"]
    assert "none of the segments ['vip']" in reasons["vip"]
    assert reasons["later"].startswith("starts 2026-12-01T00:00:00+03:00")
    assert "below the threshold 1000" in reasons["big"]
    assert "coupon of pool 'welcome'" in reasons["coupon"]
    assert "not in the cart" in reasons["gift"]


def test_the_window_is_read_in_the_promotion_time_zone():
    promo = parse(
        {
            "key": "night",
            "when": {"starts": "2026-11-25T14:00:00", "timezone": "Asia/Tokyo"},
            "effect": {"type": "percent", "percent": 50},
        }
    )
    # 12:00 UTC is 21:00 in Tokyo: the promotion has started there.
    assert calculate([_line("a", 1, "10")], CTX, [promo], NOW).total == Decimal("5.00")


def test_a_bundle_prices_complete_sets():
    promo = parse(
        {"key": "combo", "effect": {"type": "bundle", "skus": ["a", "b"], "price": "150"}}
    )
    result = calculate([_line("a", 2, "100"), _line("b", 1, "80")], CTX, [promo], NOW)
    assert result.total == Decimal("250.00")  # one set at 150, one a at 100


def test_points_follow_the_tier_and_the_spend_limit():
    program = Program(Decimal(5), {"gold": Decimal(10)}, max_spend_percent=Decimal(50))
    ctx = Context(customer="p", tier="gold", points_balance=1000, points_to_spend=40)
    result = calculate([_line("a", 1, "100")], ctx, [], NOW, program)
    assert (result.points_spendable, result.points_to_spend, result.payable) == (
        50,
        40,
        Decimal("60.00"),
    )
    assert result.points_to_earn == 6
    too_many = calculate(
        [_line("a", 1, "100")],
        Context(customer="p", points_balance=1000, points_to_spend=60),
        [],
        NOW,
        program,
    )
    assert too_many.points_to_spend == 0 and "only 50 spendable" in too_many.points_reason


def test_a_wrong_definition_names_the_field():
    with pytest.raises(InvalidInput) as caught:
        parse({"key": "x", "effect": {"type": "n_for_m", "buy": 2, "pay": 3}})
    assert "effect" in caught.value.summary
