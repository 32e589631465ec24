"""The fixed world of the demo: a menu of about 40 products, 20 stores, campaigns every month."""

from __future__ import annotations

from omniweave.demo.catalog import (
    AD_CAMPAIGNS,
    CITIES,
    EMAIL_CAMPAIGNS,
    PRODUCTS,
    STORES,
    running,
    stores_in,
)
from omniweave.demo.model import SOURCES


def test_menu_has_forty_products_in_three_categories_with_rouble_prices():
    assert len(PRODUCTS) == 40
    assert len({p.sku for p in PRODUCTS}) == len(PRODUCTS)
    assert {p.category for p in PRODUCTS} == {"pizza", "drinks", "desserts"}
    assert all(isinstance(p.price, int) and 50 <= p.price <= 1000 for p in PRODUCTS)


def test_twenty_stores_each_on_its_street_and_a_source_for_each():
    assert [s.code for s in STORES] == [f"pos-{n:03d}" for n in range(1, 21)]
    assert len({(s.city, s.street) for s in STORES}) == 20
    assert all(s.code in SOURCES for s in STORES)
    assert {"site", "app", "crm", "loyalty", "callcenter"} <= set(SOURCES)
    assert all(stores_in(city) for city in CITIES)


def test_some_campaign_runs_every_month():
    for month in range(1, 13):
        assert running(AD_CAMPAIGNS, month)
        assert running(EMAIL_CAMPAIGNS, month)
