"""YML and CSV feeds to a catalog: the tree, variants, prices, stock, and skipped offers
named with the reason."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from omniweave.commerce.feeds import FeedOptions, parse_csv, parse_yml
from omniweave.core.errors import InvalidInput

DATA = Path(__file__).parents[2] / "integration" / "commerce" / "data"


def test_yml_offers_categories_variants_prices_and_stock():
    parsed = parse_yml((DATA / "pizzeria.yml").read_bytes(), FeedOptions(location="pos-001"))
    catalog = parsed.catalog
    assert {(c.id, c.parentId) for c in catalog.categories} == {
        ("1", None),
        ("2", "1"),
        ("3", None),
    }
    products = {p.sku: p for p in catalog.products}
    assert products["pepperoni-30"].parentSku == "group:pepperoni"
    assert products["pepperoni-30"].attributes == {"Диаметр": "30 см"}
    assert products["cola-05"].name == "Напиток Кола 0,5 л" and products["cola-05"].brand == "Кола"
    assert catalog.priceLists[0].currency == "RUB"  # RUR is the old code
    prices = {p.sku: (p.amount, p.compareAt) for p in catalog.prices["base"]}
    assert prices["pepperoni-30"] == (Decimal("599.00"), Decimal("699.00"))
    stock = {s.sku: s.onHand for s in catalog.stock["pos-001"]}
    assert stock == {"pepperoni-30": 12, "pepperoni-35": 0, "cola-05": 40}
    assert [(e.field, e.message) for e in parsed.skipped] == [
        ("offers[3] (id 'broken')", "price: 'дорого' is not a number")
    ]


def test_without_a_location_a_feed_sets_no_stock():
    parsed = parse_yml((DATA / "pizzeria.yml").read_bytes())
    assert parsed.catalog.stock == {}


def test_csv_paths_become_a_tree_and_bad_lines_are_named():
    parsed = parse_csv((DATA / "pizzeria.csv").read_bytes(), FeedOptions(location="pos-001"))
    catalog = parsed.catalog
    assert ("Напитки/Морсы", "Напитки") in {(c.id, c.parentId) for c in catalog.categories}
    products = {p.sku: p for p in catalog.products}
    assert products["mors-05"].attributes == {"volume": "0,5 л"}
    assert products["tiramisu"].active is False
    assert {s.sku: s.onHand for s in catalog.stock["pos-001"]} == {"cola-1": 25, "mors-05": 0}
    assert parsed.skipped[0].field == "line 5 (sku 'bad')"


@pytest.mark.parametrize(
    "data, message",
    [
        (b"<nope", "not well-formed XML"),
        (b"<rss><shop/></rss>", "not a YML feed"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
            b"<yml_catalog><shop/></yml_catalog>",
            "not well-formed XML",
        ),
    ],
)
def test_a_file_that_is_not_a_feed_is_refused(data, message):
    with pytest.raises(InvalidInput, match=message):
        parse_yml(data)


def test_csv_without_its_columns_is_refused():
    with pytest.raises(InvalidInput, match="lacks name"):
        parse_csv(b"sku,price\na,1\n")
    with pytest.raises(InvalidInput, match="unknown columns"):
        parse_csv(b"sku,name,colour\na,b,c\n")
