"""Choosing a list price: the most specific list that prices the sku, and why."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from omniweave.commerce.catalog_model import (
    Price,
    PriceList,
    Product,
    ancestors,
    applicable_lists,
    choose_price,
)

LISTS = [
    PriceList("base", "RUB"),
    PriceList("app", "RUB", channel="app"),
    PriceList("msk", "RUB", store="pos-001"),
    PriceList("spb", "RUB", store="pos-002"),
]


def test_only_the_matching_lists_apply_most_specific_first():
    found = applicable_lists(LISTS, "pos-001", "app")
    assert [x.price_list_id for x in found] == ["msk", "app", "base"]
    assert [x.price_list_id for x in applicable_lists(LISTS, None, None)] == ["base"]


@given(
    st.sets(st.sampled_from(["base", "app", "msk", "spb"])),
    st.sampled_from([None, "pos-001", "pos-002"]),
    st.sampled_from([None, "app", "site"]),
)
def test_the_first_applicable_list_with_a_price_wins(priced, store, channel):
    prices = {(x, "p"): Price(Decimal(i + 1)) for i, x in enumerate(sorted(priced))}
    lists = applicable_lists(LISTS, store, channel)
    choice = choose_price(Product("p", "P"), lists, prices, store, channel)
    expected = next((x for x in lists if x.price_list_id in priced), None)
    if expected is None:
        assert choice is None
    else:
        assert choice.price_list == expected
        assert expected.price_list_id in choice.reason


def test_a_variant_takes_its_parents_price_in_the_same_list_first():
    prices = {("msk", "parent"): Price(Decimal(5)), ("base", "child"): Price(Decimal(9))}
    lists = applicable_lists(LISTS, "pos-001", None)
    choice = choose_price(Product("child", "C", "parent"), lists, prices, "pos-001", None)
    assert choice.price.amount == Decimal(5) and choice.from_parent
    assert "parent product parent's price" in choice.reason


def test_ancestors_stop_at_a_cycle():
    assert ancestors("c", {"c": "b", "b": "a", "a": None}) == ("c", "b", "a")
    assert ancestors("x", {"x": "y", "y": "x"}) == ("x", "y")
    assert ancestors(None, {}) == ()
