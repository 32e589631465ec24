"""A small catalog for the pricing tests: shoes and bags, a base list and a store list."""

from __future__ import annotations

from decimal import Decimal

from omniweave.commerce.catalog_input import CategoryIn, LocationIn, PriceIn, PriceListIn, ProductIn
from omniweave.commerce.catalog_store import (
    save_categories,
    save_locations,
    save_price_lists,
    save_prices,
    save_products,
)
from omniweave.core.time import utc_now

PRICES = {"boot": "3000", "sneaker": "2000", "sock": "300", "bag": "1500", "belt": "700"}


def seed(engine, ws: int) -> None:
    now = utc_now()
    with engine.begin() as conn:
        save_categories(
            conn,
            ws,
            [
                CategoryIn(id="shoes", name="Shoes"),
                CategoryIn(id="boots", name="Boots", parentId="shoes"),
                CategoryIn(id="bags", name="Bags"),
            ],
            now,
        )
        save_products(
            conn,
            ws,
            [
                ProductIn(sku="boot", name="Boot", categoryId="boots", brand="acme"),
                ProductIn(sku="sneaker", name="Sneaker", categoryId="shoes", brand="zoom"),
                ProductIn(sku="sock", name="Sock", categoryId="shoes"),
                ProductIn(sku="bag", name="Bag", categoryId="bags", brand="acme"),
                ProductIn(sku="belt", name="Belt"),
                ProductIn(sku="euro", name="Imported"),
            ],
            now,
        )
        save_locations(
            conn,
            ws,
            [LocationIn(id="pos-001", name="Store 1", kind="store", timezone="Europe/Moscow")],
            now,
        )
        save_price_lists(
            conn,
            ws,
            [
                PriceListIn(id="base", name="Base"),
                PriceListIn(id="eur", name="EUR", currency="EUR", channel="marketplace"),
            ],
            now,
        )
        save_prices(
            conn, ws, "base", [PriceIn(sku=s, amount=Decimal(p)) for s, p in PRICES.items()], now
        )
        save_prices(conn, ws, "eur", [PriceIn(sku="euro", amount=Decimal("10"))], now)
