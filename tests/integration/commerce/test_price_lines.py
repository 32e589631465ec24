"""``catalog_repo.price_lines``, the interface the pricing engine reads the catalog through:
store list over channel list over base, sku by sku; variants fall back to their parent;
categories come with their ancestors; unknown, inactive and unpriced skus are left out with
the reason ``unpriced`` gives."""

from __future__ import annotations

from decimal import Decimal

from omniweave.commerce import catalog_repo
from omniweave.commerce.catalog_input import (
    CategoryIn,
    PriceIn,
    PriceListIn,
    ProductIn,
)
from omniweave.commerce.catalog_store import (
    save_categories,
    save_price_lists,
    save_prices,
    save_products,
)
from omniweave.core.time import utc_now

WS = 1


def seed(engine) -> None:
    now = utc_now()
    with engine.begin() as conn:
        save_categories(
            conn,
            WS,
            [
                CategoryIn(id="food", name="Food"),
                CategoryIn(id="pizza", name="Pizza", parentId="food"),
                CategoryIn(id="meat", name="Meat pizza", parentId="pizza"),
            ],
            now,
        )
        save_products(
            conn,
            WS,
            [
                ProductIn(sku="pepperoni", name="Pepperoni", categoryId="meat", brand="PL"),
                ProductIn(
                    sku="pepperoni-35",
                    name="Pepperoni 35",
                    parentSku="pepperoni",
                    categoryId="meat",
                ),
                ProductIn(sku="cola", name="Cola", attributes={"volume": "0.5"}),
                ProductIn(sku="old", name="Discontinued", active=False),
                ProductIn(sku="nowhere", name="Never priced"),
            ],
            now,
        )
        save_price_lists(
            conn,
            WS,
            [
                PriceListIn(id="base", name="Base"),
                PriceListIn(id="app", name="App", channel="app"),
                PriceListIn(id="spb", name="St Petersburg", store="pos-002"),
            ],
            now,
        )
        base = [
            PriceIn(sku="pepperoni", amount=Decimal("599")),
            PriceIn(sku="cola", amount=Decimal("149"), compareAt=Decimal("179")),
            PriceIn(sku="old", amount=Decimal("10")),
        ]
        save_prices(conn, WS, "base", base, now)
        save_prices(conn, WS, "app", [PriceIn(sku="cola", amount=Decimal("139"))], now)
        save_prices(conn, WS, "spb", [PriceIn(sku="pepperoni", amount=Decimal("649"))], now)


def test_store_list_beats_channel_list_beats_base_sku_by_sku(engine):
    seed(engine)
    skus = ["pepperoni", "pepperoni-35", "cola", "old", "nowhere", "ghost"]
    with engine.connect() as conn:
        found = catalog_repo.price_lines(conn, WS, skus, store="pos-002", channel="app")
        why = catalog_repo.unpriced(conn, WS, skus, store="pos-002", channel="app")
    assert sorted(found) == ["cola", "pepperoni", "pepperoni-35"]
    pep = found["pepperoni"]
    assert (pep.unit_price, pep.price_list_id, pep.price_list_kind) == (
        Decimal("649.00"),
        "spb",
        "store",
    )
    assert pep.category_ids == ("meat", "pizza", "food")
    assert pep.brand == "PL" and pep.currency == "RUB"
    assert "store list 'spb' for store pos-002" in pep.reason
    variant = found["pepperoni-35"]
    assert variant.unit_price == Decimal("649.00") and variant.parent_sku == "pepperoni"
    assert "parent product pepperoni" in variant.reason
    cola = found["cola"]
    assert (cola.unit_price, cola.price_list_id, cola.compare_at) == (
        Decimal("139.00"),
        "app",
        None,
    )
    assert "no price in store list 'spb'" in cola.reason
    assert cola.attributes == {"volume": "0.5"}
    assert why == {
        "ghost": "unknown product",
        "old": "the product is not for sale (inactive)",
        "nowhere": "no price in store list 'spb', channel list 'app', base list 'base'",
    }


def test_without_store_or_channel_the_base_list_prices(engine):
    seed(engine)
    with engine.connect() as conn:
        found = catalog_repo.price_lines(conn, WS, ["pepperoni", "cola"])
        other_ws = catalog_repo.price_lines(conn, WS + 1, ["pepperoni"])
    assert {k: (v.unit_price, v.price_list_kind) for k, v in found.items()} == {
        "pepperoni": (Decimal("599.00"), "base"),
        "cola": (Decimal("149.00"), "base"),
    }
    assert found["cola"].compare_at == Decimal("179.00")
    assert other_ws == {}
