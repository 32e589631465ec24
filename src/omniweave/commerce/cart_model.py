"""One cart per person: the pure fold of their e-commerce events from every channel.

Segment's e-commerce spec: ``Product Added`` adds ``quantity`` (default 1) of a product
(``sku``, else ``product_id``); ``Product Removed`` takes ``quantity`` off (the whole line
when none is given); ``Cart Viewed`` and ``Checkout Started`` are activity (the latter moves
the cart to ``checkout``); ``Order Completed`` takes the products it bought off the cart, in
whatever channel it was bought (a coffee at the till does not empty the online cart; buying
the cart's pizza online does); ``Cart Cleared`` empties it. Statuses: ``open``, ``checkout``,
``ordered`` (emptied by an order), ``empty``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

CART_EVENTS = (
    "Product Added",
    "Product Removed",
    "Cart Viewed",
    "Checkout Started",
    "Order Completed",
    "Cart Cleared",
)


@dataclass(frozen=True)
class CartEvent:
    id: int
    event: str
    at: datetime
    properties: Mapping[str, Any]
    channel: str  # the source's kind: site, app, pos, ...


@dataclass
class Cart:
    lines: dict[str, dict[str, Any]] = field(default_factory=dict)
    status: str = "empty"
    channels: list[str] = field(default_factory=list)
    currency: str | None = None
    last_event_id: int = 0
    updated_at: datetime | None = None

    def as_lines(self) -> list[dict[str, Any]]:
        return [dict(v) for v in self.lines.values()]


def product_key(props: Mapping[str, Any]) -> str:
    return str(props.get("sku") or props.get("product_id") or "")


def _quantity(value: Any, default: Decimal) -> Decimal:
    try:
        found = Decimal(str(value)) if value is not None else default
    except InvalidOperation:
        return default
    return found if found.is_finite() and found > 0 else default


def _number(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def fold(events: Iterable[CartEvent]) -> Cart:
    """The cart after these events (in any order: they are sorted by time, then id)."""
    cart = Cart()
    for e in sorted(events, key=lambda e: (e.at, e.id)):
        props = e.properties or {}
        key = product_key(props)
        cart.last_event_id = max(cart.last_event_id, e.id)
        cart.updated_at = e.at
        if e.event == "Product Added" and key:
            _add(cart, key, props, e)
        elif e.event == "Product Removed" and key in cart.lines:
            _take(cart, key, props.get("quantity"))
        elif e.event == "Cart Cleared":
            cart.lines.clear()
        elif e.event == "Order Completed":
            for item in props.get("products") or []:
                if isinstance(item, Mapping) and product_key(item) in cart.lines:
                    _take(cart, product_key(item), item.get("quantity") or 1)
        if not cart.lines:
            cart.channels = []
        if e.event == "Order Completed":
            cart.status = "ordered" if not cart.lines else cart.status
        elif e.event == "Checkout Started":
            cart.status = "checkout" if cart.lines else cart.status
        elif e.event != "Cart Viewed":
            cart.status = "open" if cart.lines else "empty"
    return cart


def _take(cart: Cart, key: str, quantity: Any) -> None:
    """Take ``quantity`` off a line (all of it when None)."""
    held = Decimal(str(cart.lines[key]["quantity"]))
    left = held - _quantity(quantity, held)
    if left > 0:
        cart.lines[key]["quantity"] = float(left)
    else:
        del cart.lines[key]


def _add(cart: Cart, key: str, props: Mapping[str, Any], e: CartEvent) -> None:
    qty = _quantity(props.get("quantity"), Decimal(1))
    line = cart.lines.get(key)
    if line is None:
        line = cart.lines[key] = {"sku": key, "quantity": 0.0, "addedAt": e.at.isoformat()}
    line["quantity"] = float(Decimal(str(line["quantity"])) + qty)
    for name in ("name", "category", "brand", "variant", "url", "image_url"):
        if props.get(name) is not None:
            line[name] = props[name]
    price = _number(props.get("price"))
    if price is not None:
        line["price"] = price
    line["channel"] = e.channel
    if e.channel not in cart.channels:
        cart.channels.append(e.channel)
    if isinstance(props.get("currency"), str):
        cart.currency = props["currency"]


def total(lines: Iterable[Mapping[str, Any]]) -> float:
    return round(sum(float(ln.get("price") or 0) * float(ln["quantity"]) for ln in lines), 2)
