"""Pizza Lenina's catalog for commerce: the menu as products in three categories, a base
price list (the menu prices), the app's list (pizzas 10% off, as the app promises) and a
Novosibirsk list (drinks cost more there), the twenty stores as pickup points with their
time zones, a warehouse, and stock per store. Fixed data: every demo has the same shop, and
re-applying it changes nothing."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from omniweave.bootstrap import Container
from omniweave.commerce.catalog_input import CatalogIn
from omniweave.demo.catalog import PRODUCTS, STORES

ZONES = {
    "Moscow": "Europe/Moscow",
    "Saint Petersburg": "Europe/Moscow",
    "Kazan": "Europe/Moscow",
    "Nizhny Novgorod": "Europe/Moscow",
    "Yekaterinburg": "Asia/Yekaterinburg",
    "Novosibirsk": "Asia/Novosibirsk",
    "Samara": "Europe/Samara",
}
NAMES = {"pizza": "Пицца", "drinks": "Напитки", "desserts": "Десерты"}
NOVOSIBIRSK = ("pos-017", "pos-018")


def _units(sku: str, store: str) -> int:
    """A fixed, varied count; about one in twelve is sold out (for Back In Stock)."""
    draw = hashlib.sha256(f"{sku}@{store}".encode()).digest()[0]
    return 0 if draw % 12 == 0 else 5 + draw % 30


def demo_catalog() -> dict[str, Any]:
    """The catalog document (as ``PUT /api/catalog`` takes it)."""
    products = [
        {"sku": p.sku, "name": p.name, "categoryId": p.category, "brand": "Пицца Ленина"}
        for p in PRODUCTS
    ]
    base = [{"sku": p.sku, "amount": str(p.price)} for p in PRODUCTS]
    app = [
        {
            "sku": p.sku,
            "amount": str((Decimal(p.price) * Decimal("0.9")).quantize(Decimal(1))),
            "compareAt": str(p.price),
        }
        for p in PRODUCTS
        if p.category == "pizza"
    ]
    siberia = [
        {"sku": p.sku, "amount": str(p.price + 20)} for p in PRODUCTS if p.category == "drinks"
    ]
    locations = [
        {
            "id": s.code,
            "name": f"{s.city.name}, {s.street}",
            "region": s.city.latin,
            "timezone": ZONES[s.city.latin],
            "isPickupPoint": True,
        }
        for s in STORES
    ]
    locations.append(
        {
            "id": "wh-moscow",
            "name": "Склад, Москва",
            "kind": "warehouse",
            "region": "Moscow",
            "timezone": "Europe/Moscow",
        }
    )
    stock = {
        s.code: [{"sku": p.sku, "onHand": _units(p.sku, s.code)} for p in PRODUCTS] for s in STORES
    }
    stock["wh-moscow"] = [{"sku": p.sku, "onHand": 500} for p in PRODUCTS]
    return {
        "categories": [{"id": key, "name": name} for key, name in NAMES.items()],
        "products": products,
        "priceLists": [
            {"id": "base", "name": "Меню"},
            {"id": "app", "name": "В приложении", "channel": "app"},
            {"id": "novosibirsk", "name": "Новосибирск", "store": NOVOSIBIRSK[0]},
        ],
        "prices": {"base": base, "app": app, "novosibirsk": siberia},
        "locations": locations,
        "stock": stock,
    }


def apply_shop(container: Container, workspace_id: int) -> dict[str, Any]:
    """Apply the demo's catalog; a second run changes nothing."""
    catalog = CatalogIn.model_validate(demo_catalog())
    return container.catalog.apply(workspace_id, catalog).as_dict()
