"""Event filters in Python, with the segment SQL compiler's semantics."""

from __future__ import annotations

import pytest

from omniweave.journeys.filters import EventFilter, TriggerCondition, matches, trigger_test

EVENT = {
    "event": "Product Added",
    "type": "track",
    "properties": {
        "category": "Pizza",
        "price": 150,
        "price_text": "150.5",
        "tags": ["Hot", "veggie"],
        "name": "Margherita Large",
        "gift": True,
        "coupon": None,
        "cart": {"total": 1200, "items": 3},
    },
    "traits": {},
    "context": {},
    "timestamp": "2025-01-01T12:00:00Z",
}


def where(**tests) -> EventFilter:
    return EventFilter(name="Product Added", where=tests)


def test_the_name_must_match_exactly():
    assert matches(EventFilter(name="Product Added"), EVENT)
    assert not matches(EventFilter(name="product added"), EVENT)
    assert not matches({"name": "Order Completed"}, EVENT)


@pytest.mark.parametrize(
    ("test", "expected"),
    [
        ("Pizza", True),
        ("pizza", False),  # eq on text is case-sensitive
        ({"op": "ne", "value": "pizza"}, True),
        ({"op": "ne", "value": "Pizza"}, False),
    ],
)
def test_eq_and_ne_on_text(test, expected):
    assert matches({"name": "Product Added", "where": {"category": test}}, EVENT) is expected


@pytest.mark.parametrize(
    ("key", "op", "value", "expected"),
    [
        ("price", "gt", 100, True),
        ("price", "gte", 150, True),
        ("price", "lt", 150, False),
        ("price", "lte", 150.0, True),
        ("price", "eq", 150, True),
        ("price", "ne", 150, False),
        ("price_text", "gt", 150, True),  # a numeric string counts as its number
        ("price_text", "eq", 150.5, True),
        ("category", "gt", 1, False),  # not a number: every numeric test fails
        ("category", "ne", 1, False),
        ("missing", "ne", 1, False),
        ("cart.total", "gt", 1000, True),  # a dotted key looks inside
        ("cart.items", "lt", 3, False),
        ("cart.nothing", "lt", 3, False),
    ],
)
def test_numeric_comparisons(key, op, value, expected):
    assert matches(where(**{key: {"op": op, "value": value}}), EVENT) is expected


@pytest.mark.parametrize(
    ("key", "op", "value", "expected"),
    [
        ("category", "in", ["Pizza", "Sushi"], True),
        ("category", "in", ["pizza"], False),
        ("price", "in", ["150", "200"], True),  # compared as text, as in SQL
        ("price", "in", [150], True),
        ("gift", "in", [True], True),
        ("missing", "in", ["x"], False),
        ("name", "contains", "large", True),  # substring, any case
        ("name", "contains", "small", False),
        ("tags", "contains", "hot", True),  # a list member
        ("tags", "contains", "ho", False),
        ("price", "contains", "15", True),
        ("coupon", "exists", None, False),  # null is not there
        ("cart", "exists", None, True),
        ("missing", "exists", None, False),
        ("gift", "eq", True, True),
        ("gift", "eq", "true", True),
        ("missing", "ne", "x", True),  # a missing value differs from every text
    ],
)
def test_in_contains_exists_and_booleans(key, op, value, expected):
    assert matches(where(**{key: {"op": op, "value": value}}), EVENT) is expected


def test_every_where_test_must_pass():
    assert matches(where(category="Pizza", price={"op": "gt", "value": 100}), EVENT)
    assert not matches(where(category="Pizza", price={"op": "gt", "value": 200}), EVENT)


def test_an_event_without_properties_fails_property_tests_only():
    bare = {"event": "Product Added"}
    assert matches(EventFilter(name="Product Added"), bare)
    assert not matches(where(category="Pizza"), bare)


def test_trigger_tests_read_from_the_event_root():
    condition = TriggerCondition.model_validate(
        {"trigger": {"path": "properties.cart.total", "op": "gt", "value": 1000}}
    )
    assert trigger_test(condition, EVENT)
    assert trigger_test(condition.trigger, EVENT)
    assert not trigger_test(condition, {"event": "X", "properties": {"cart": {"total": 5}}})
    name = TriggerCondition.model_validate({"trigger": {"path": "event", "value": "Product Added"}})
    assert trigger_test(name, EVENT)
    assert not trigger_test(name, {})
