"""Stock's pure rules: what is available, when a level may be set, when a sku is back in
stock, and whether a pickup order's lines can be held at a store."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Level:
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True)
class StockChange:
    """One level that changed: what was available before and after, and the row's version."""

    location_id: str
    sku: str
    before: int | None  # None: no level was kept here before
    after: int
    version: int

    @property
    def back_in_stock(self) -> bool:
        """Out of stock (a level of 0 available) and now in: the moment people waited for.
        A first level is not "back": nobody could have waited for it here."""
        return self.before is not None and self.before <= 0 < self.after


def refuse_level(sku: str, level: Level | None, on_hand: int) -> str | None:
    """Why ``on_hand`` cannot be set (None: it can): reserved units are promised to orders."""
    if level is not None and on_hand < level.reserved:
        return (
            f"{sku}: on hand {on_hand} is below the {level.reserved} reserved for pickup orders; "
            "cancel or collect those orders first"
        )
    return None


def whole_units(quantity: Decimal) -> int | None:
    """A line's quantity as whole units (stock is counted in units), None if fractional."""
    return int(quantity) if quantity == quantity.to_integral_value() else None


def refuse_hold(sku: str, wanted: int, level: Level | None, location: str) -> str | None:
    """Why ``wanted`` units of ``sku`` cannot be held at ``location`` (None: they can)."""
    if level is None:
        return f"{sku}: no stock is kept at {location}"
    if level.available < wanted:
        return (
            f"{sku}: {wanted} wanted, {level.available} available at {location} "
            f"({level.on_hand} on hand, {level.reserved} reserved)"
        )
    return None
