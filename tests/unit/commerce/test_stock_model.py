"""Stock's pure rules: holds, levels below what is held, and which changes are announced."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from omniweave.commerce.announce import worth_telling
from omniweave.commerce.catalog_store import PriceChange
from omniweave.commerce.stock_model import (
    Level,
    StockChange,
    refuse_hold,
    refuse_level,
    whole_units,
)

units = st.integers(0, 50)


@given(on_hand=units, reserved=units, wanted=st.integers(1, 60))
def test_a_hold_is_refused_exactly_when_too_few_are_available(on_hand, reserved, wanted):
    reserved = min(reserved, on_hand)
    why = refuse_hold("a", wanted, Level(on_hand, reserved), "pos-1")
    assert (why is None) == (on_hand - reserved >= wanted)
    if why:
        assert f"{wanted} wanted, {on_hand - reserved} available at pos-1" in why


def test_a_hold_where_no_stock_is_kept_says_so():
    assert refuse_hold("a", 1, None, "pos-1") == "a: no stock is kept at pos-1"


@given(reserved=units, on_hand=units)
def test_a_count_below_what_is_held_is_refused(reserved, on_hand):
    why = refuse_level("a", Level(max(on_hand, reserved), reserved), on_hand)
    assert (why is None) == (on_hand >= reserved)


def test_whole_units_only():
    assert whole_units(Decimal("2.000")) == 2 and whole_units(Decimal("0.5")) is None


def test_only_out_to_in_and_lower_prices_are_told():
    stock = [
        StockChange("s", "a", 0, 3, 2),  # back in stock
        StockChange("s", "b", None, 3, 1),  # a first level: nobody waited here
        StockChange("s", "c", 1, 3, 4),  # more of what was there
        StockChange("s", "d", 3, 0, 5),  # sold out
    ]
    prices = [
        PriceChange("base", "a", Decimal(10), Decimal(8), 2),
        PriceChange("base", "b", Decimal(8), Decimal(10), 3),
        PriceChange("base", "c", None, Decimal(5), 1),
    ]
    told = worth_telling(stock, prices)
    assert [(t.kind, t.sku, t.change_id) for t in told] == [
        ("back_in_stock", "a", "back_in_stock:s:a:2"),
        ("price_dropped", "a", "price_dropped:base:a:2"),
    ]
