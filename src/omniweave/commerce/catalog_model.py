"""The catalog's pure rules: which price list prices a sku for a store and a channel, and why.

A price list names a store, or a channel, or neither (the base list). For each sku the most
specific list that has a price wins: the store's list, then the channel's, then the base. A
variant without its own price in a list takes its parent product's price from that list,
before the next list is tried.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

ListKind = Literal["store", "channel", "base"]


@dataclass(frozen=True)
class PriceList:
    price_list_id: str
    currency: str
    store: str | None = None
    channel: str | None = None

    @property
    def kind(self) -> ListKind:
        return "store" if self.store else "channel" if self.channel else "base"


@dataclass(frozen=True)
class Price:
    amount: Decimal
    compare_at: Decimal | None = None


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    parent_sku: str | None = None
    category_id: str | None = None
    brand: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    active: bool = True
    url: str | None = None
    image: str | None = None


@dataclass(frozen=True)
class PricedItem:
    """One sku, priced for a store and a channel: what the pricing engine starts from."""

    sku: str
    name: str
    unit_price: Decimal
    compare_at: Decimal | None  # the crossed-out "old" price, when the list gives one
    currency: str
    price_list_id: str
    price_list_kind: ListKind
    reason: str  # why that list: "store list 'msk' for store pos-001", ...
    category_ids: tuple[str, ...]  # the product's category first, then its ancestors
    brand: str | None
    parent_sku: str | None
    attributes: dict[str, Any]


@dataclass(frozen=True)
class Choice:
    price_list: PriceList
    price: Price
    from_parent: bool
    reason: str


def applicable_lists(
    lists: list[PriceList], store: str | None, channel: str | None
) -> list[PriceList]:
    """The lists that may price a sku here, most specific first (ties by id, so the answer
    never depends on row order)."""
    rank = {"store": 0, "channel": 1, "base": 2}
    fits = [
        pl
        for pl in lists
        if (pl.kind == "store" and store is not None and pl.store == store)
        or (pl.kind == "channel" and channel is not None and pl.channel == channel)
        or pl.kind == "base"
    ]
    return sorted(fits, key=lambda pl: (rank[pl.kind], pl.price_list_id))


def choose_price(
    product: Product,
    lists: list[PriceList],
    prices: dict[tuple[str, str], Price],
    store: str | None,
    channel: str | None,
) -> Choice | None:
    """The price of ``product`` from the first applicable list that has one (its own, else
    its parent's); None when no list prices it. ``prices`` is keyed (price list id, sku)."""
    skipped: list[str] = []
    for pl in lists:
        own = prices.get((pl.price_list_id, product.sku))
        parent = prices.get((pl.price_list_id, product.parent_sku)) if product.parent_sku else None
        found = own or parent
        if found is None:
            skipped.append(f"{pl.kind} list {pl.price_list_id!r}")
            continue
        reason = _describe(pl, store, channel)
        if own is None:
            reason += f", the parent product {product.parent_sku}'s price"
        if skipped:
            reason += " (no price in " + ", ".join(skipped) + ")"
        return Choice(pl, found, own is None, reason)
    return None


def _describe(pl: PriceList, store: str | None, channel: str | None) -> str:
    if pl.kind == "store":
        return f"store list {pl.price_list_id!r} for store {store}"
    if pl.kind == "channel":
        return f"channel list {pl.price_list_id!r} for channel {channel}"
    return f"base list {pl.price_list_id!r}"


def ancestors(category_id: str | None, parents: dict[str, str | None]) -> tuple[str, ...]:
    """The category and its ancestors, nearest first; a cycle in the tree stops the walk."""
    path: list[str] = []
    current = category_id
    while current is not None and current not in path:
        path.append(current)
        current = parents.get(current)
    return tuple(path)


def why_unpriced(
    product: Product | None, lists: list[PriceList], store: str | None, channel: str | None
) -> str:
    """Why ``price_lines`` left a sku out, in words for the caller's refusal."""
    if product is None:
        return "unknown product"
    if not product.active:
        return "the product is not for sale (inactive)"
    if not lists:
        where = ", ".join(
            part
            for part in (f"store {store}" if store else "", f"channel {channel}" if channel else "")
            if part
        )
        return (
            "no price list applies"
            + (f" to {where}" if where else "")
            + " and there is no base list"
        )
    named = ", ".join(f"{pl.kind} list {pl.price_list_id!r}" for pl in lists)
    return f"no price in {named}"
