"""Trait definitions: the shipped ones load; a wrong one is refused naming its node."""

from __future__ import annotations

import pytest

from omniweave.core.errors import InvalidInput
from omniweave.profiles.traits_model import load_catalog, parse_catalog

SHIPPED = {
    "order_count",
    "revenue",
    "average_check",
    "days_since_last_purchase",
    "last_order_channel",
    "favourite_product",
    "favourite_category",
    "favourite_store",
    "preferred_channel",
    "engagement",
    "rfm",
}


def trait(**overrides):
    return {"name": "t", "aggregation": "count", "source": {"orders": True}, **overrides}


def fields_of(document) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        parse_catalog(document)
    return {e.field: e.message for e in caught.value.errors}


def test_the_shipped_definitions_load():
    catalog = load_catalog()
    assert set(catalog.names) == SHIPPED
    assert len({d.version for d in catalog.definitions}) == len(SHIPPED)
    assert "Order Refunded" in catalog.event_names()


def test_a_wrong_window_is_named_by_its_path():
    document = {"traits": [trait(name="a"), trait(name="b"), trait(name="c", window={"days": 0})]}
    errors = fields_of(document)
    assert list(errors) == ["traits[2].window.days"]


@pytest.mark.parametrize(
    ("broken", "field"),
    [
        (trait(aggregation="median"), "traits[0].aggregation"),
        (trait(aggregation="sum"), "traits[0].value"),
        (trait(source={}), "traits[0].source"),
        (trait(source={"events": "Email Opened"}), "traits[0].source.events"),
        (trait(value="properties..x", aggregation="last"), "traits[0].value"),
        (trait(weight="quantity"), "traits[0].weight"),
        (trait(name="Bad Name"), "traits[0].name"),
        (trait(colour="red"), "traits[0].colour"),
        (trait(aggregation="rfm"), "traits[0].rfm"),
        (
            trait(aggregation="rfm", rfm={"segments": [{"name": "x", "r": [1, 6], "f": [1, 5]}]}),
            "traits[0].rfm.segments[0].r[1]",
        ),
    ],
)
def test_each_wrong_node_is_named(broken, field):
    assert field in fields_of({"traits": [broken]})


def test_names_are_unique():
    errors = fields_of({"traits": [trait(name="a"), trait(name="a")]})
    assert "traits[1].name" in errors


def test_window_all_time_is_spelt_all():
    catalog = parse_catalog({"traits": [trait(window="all")]})
    assert catalog.definitions[0].window.days is None


def test_an_unreadable_file_is_refused(tmp_path):
    path = tmp_path / "traits.yaml"
    path.write_text("traits: [\n")
    with pytest.raises(InvalidInput) as caught:
        load_catalog(path)
    assert caught.value.errors[0].field == str(path)
