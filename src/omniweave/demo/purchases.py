"""What people buy and the order records the site, the app, a till or the call centre send.

Baskets lean on each person's favourites, so "likes pepperoni" is something a computed trait
can find. An order is one record, or two when it is later cancelled or returned.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from omniweave.demo.catalog import PIZZAS, PRODUCT_BY_SKU, SIDES, Product
from omniweave.demo.moments import later, stamp
from omniweave.demo.people import Person

FREE_DELIVERY_FROM = 1000
DELIVERY_FEE = 149
_CANCELLED, _RETURNED = 0.04, 0.02


def basket(rng: random.Random, person: Person) -> list[dict[str, Any]]:
    """Order lines: one to three pizzas, mostly favourites, and maybe a drink or a dessert."""
    favourite_pizzas = [s for s in person.favourites if PRODUCT_BY_SKU[s].category == "pizza"]
    favourite_sides = [s for s in person.favourites if PRODUCT_BY_SKU[s].category != "pizza"]
    chosen: list[Product] = []
    for _ in range(rng.choices((1, 2, 3), weights=(55, 30, 15))[0]):
        if rng.random() < 0.65:
            chosen.append(PRODUCT_BY_SKU[rng.choice(favourite_pizzas)])
        else:
            chosen.append(rng.choice(PIZZAS))
    for _ in range(rng.choices((0, 1, 2), weights=(40, 40, 20))[0]):
        if favourite_sides and rng.random() < 0.6:
            chosen.append(PRODUCT_BY_SKU[rng.choice(favourite_sides)])
        else:
            chosen.append(rng.choice(SIDES))
    quantities: dict[str, int] = {}
    for product in chosen:
        quantities[product.sku] = quantities.get(product.sku, 0) + 1
    return [line(PRODUCT_BY_SKU[sku], quantity) for sku, quantity in quantities.items()]


def line(product: Product, quantity: int = 1) -> dict[str, Any]:
    return {
        "sku": product.sku,
        "name": product.name,
        "category": product.category,
        "quantity": quantity,
        "price": product.price,
    }


def subtotal(lines: list[dict[str, Any]]) -> int:
    return sum(ln["price"] * ln["quantity"] for ln in lines)


def order_versions(
    rng: random.Random,
    *,
    order_id: str,
    channel: str,
    customer: dict[str, Any],
    lines: list[dict[str, Any]],
    placed: datetime,
    delivered: bool,
    discount_share: float = 0.0,
    store: str | None = None,
    anonymous_id: str | None = None,
    properties: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The order as first recorded and, for a few, the cancellation or refund that followed."""
    amount = subtotal(lines)
    discount = round(amount * discount_share)
    shipping = DELIVERY_FEE if delivered and amount - discount < FREE_DELIVERY_FROM else 0
    first: dict[str, Any] = {
        "orderId": order_id,
        "customer": customer,
        "channel": channel,
        "status": "paid" if channel == "pos" else "delivered",
        "paymentStatus": "paid",
        "currency": "RUB",
        "lines": lines,
        "discount": discount,
        "shipping": shipping,
        "total": amount - discount + shipping,
        "placedAt": stamp(placed),
        "properties": properties or {},
    }
    if store:
        first["store"] = store
    if anonymous_id:
        first["anonymousId"] = anonymous_id
    fate = rng.random()
    if channel != "pos" and fate < _CANCELLED:
        cancelled_at = later(rng, placed, 120, 1200)
        return [
            {**first, "status": "paid"},
            {
                **first,
                "status": "cancelled",
                "paymentStatus": "refunded",
                "updatedAt": stamp(cancelled_at),
            },
        ]
    if fate > 1 - _RETURNED:
        refunded_at = later(rng, placed, 3600, 36 * 3600)
        return [
            first,
            {
                **first,
                "status": "returned",
                "paymentStatus": "refunded",
                "updatedAt": stamp(refunded_at),
            },
        ]
    return [first]


def order_id(rng: random.Random, channel: str) -> str:
    """An order number: the channel's letter and 64 random bits (unique without a counter)."""
    return f"{channel[0].upper()}-{rng.getrandbits(64):016x}"
