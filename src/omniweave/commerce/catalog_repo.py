"""Reads of the catalog: products, the category tree and prices chosen by store and channel.

``price_lines`` is the interface the pricing engine (promotions, coupons, loyalty) codes
against; keep its contract stable.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, select, update

from omniweave.commerce.catalog_model import (
    Price,
    PricedItem,
    PriceList,
    Product,
    ancestors,
    applicable_lists,
    choose_price,
    why_unpriced,
)
from omniweave.store.commerce_tables import catalog_categories as cc
from omniweave.store.commerce_tables import catalog_products as cp
from omniweave.store.commerce_tables import catalog_versions as cv
from omniweave.store.commerce_tables import price_lists as pl
from omniweave.store.commerce_tables import prices as pr
from omniweave.store.dialect import Dialect

CHUNK = 500  # skus per IN list: well under SQLite's variable limit


def price_lines(
    conn: Connection,
    workspace_id: int,
    skus: Iterable[str],
    store: str | None = None,
    channel: str | None = None,
) -> dict[str, PricedItem]:
    """The unit price of each sku sold in ``store`` through ``channel``, read in the caller's
    transaction (four queries, whatever the number of skus).

    Contract (the pricing engine relies on it):

    - The result is keyed by sku and holds only skus that can be sold here: known in the
      workspace's catalog, active, and priced by an applicable list. Unknown, inactive and
      unpriced skus are simply missing; ``unpriced`` says why for each of them.
    - The list: the store's list (``price_lists.store == store``) wins over the channel's
      (``price_lists.channel == channel``), which wins over the base list (neither set),
      sku by sku: a store list that prices only some skus leaves the rest to the next list.
      A variant (``parent_sku`` set) without its own price in a list takes its parent's price
      from that list before the next list is tried. Ties within a kind go to the smallest
      price list id. ``PricedItem.price_list_id``/``price_list_kind``/``reason`` say which
      list and why ("store list 'spb' for store pos-002 (no price in ...)").
    - ``unit_price`` is the list price before any promotion, a ``Decimal`` with two places;
      ``compare_at`` the list's "old" (crossed-out) price or None; ``currency`` the list's
      (lists may differ: checking one currency per cart is the caller's business).
    - ``category_ids`` is the product's category then its ancestors up to the root (empty when
      uncategorised), so a promotion on "pizza" matches a sku in "pizza/meat".
    - ``store``/``channel`` None means "no store" / "no channel": only the lists that name
      nothing (base) and, for the other argument, the matching ones apply.
    - Pure reads: no writes, no events, safe inside any transaction on SQLite or PostgreSQL.
    """
    wanted = sorted(set(skus))
    products = _products(conn, workspace_id, wanted)
    lists = applicable_lists(_lists(conn, workspace_id), store, channel)
    sellable = [p for p in products.values() if p.active]
    lookup = sorted({p.sku for p in sellable} | {p.parent_sku for p in sellable if p.parent_sku})
    prices = _prices(conn, workspace_id, [x.price_list_id for x in lists], lookup)
    parents = _category_parents(conn, workspace_id, {p.category_id for p in sellable})
    found: dict[str, PricedItem] = {}
    for product in sellable:
        choice = choose_price(product, lists, prices, store, channel)
        if choice is None:
            continue
        found[product.sku] = PricedItem(
            sku=product.sku,
            name=product.name,
            unit_price=choice.price.amount,
            compare_at=choice.price.compare_at,
            currency=choice.price_list.currency,
            price_list_id=choice.price_list.price_list_id,
            price_list_kind=choice.price_list.kind,
            reason=choice.reason,
            category_ids=ancestors(product.category_id, parents),
            brand=product.brand,
            parent_sku=product.parent_sku,
            attributes=product.attributes,
        )
    return found


def catalog_version(conn: Connection, workspace_id: int) -> int:
    """The workspace's catalog version: it moves with every change that can change a price."""
    found = conn.execute(select(cv.c.version).where(cv.c.workspace_id == workspace_id)).scalar()
    return found or 0


def bump_version(conn: Connection, dialect: Dialect, workspace_id: int, now: datetime) -> None:
    """In the transaction of the change: readers that cached prices read them again."""
    conn.execute(
        dialect.insert_ignoring_duplicates(cv, ("workspace_id",)).values(
            workspace_id=workspace_id, version=0, updated_at=now
        )
    )
    conn.execute(
        update(cv)
        .where(cv.c.workspace_id == workspace_id)
        .values(version=cv.c.version + 1, updated_at=now)
    )


class PriceCache:
    """``price_lines`` kept per (workspace, store, channel) until the catalog's version
    moves: a till's calculation then costs one primary-key read instead of four queries.

    The version is read before the prices, so prices read after a concurrent change are at
    worst kept under the older version, which the next call sees has moved: never stale."""

    def __init__(self, places: int = 256) -> None:
        self.places = places
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple, tuple[int, dict[str, PricedItem | None]]] = OrderedDict()

    def price_lines(
        self,
        conn: Connection,
        workspace_id: int,
        skus: Iterable[str],
        store: str | None = None,
        channel: str | None = None,
    ) -> dict[str, PricedItem]:
        """As ``price_lines``."""
        wanted = sorted(set(skus))
        version = catalog_version(conn, workspace_id)
        place = (workspace_id, store, channel)
        with self._lock:
            entry = self._entries.get(place)
            if entry is None or entry[0] != version:
                entry = (version, {})
                self._entries[place] = entry
            self._entries.move_to_end(place)
            while len(self._entries) > self.places:
                self._entries.popitem(last=False)
            known = entry[1]
            missing = [s for s in wanted if s not in known]
        if missing:
            found = price_lines(conn, workspace_id, missing, store, channel)
            with self._lock:
                for sku in missing:
                    known[sku] = found.get(sku)  # None: not sold here (unpriced says why)
        return {s: item for s in wanted if (item := known.get(s)) is not None}


def unpriced(
    conn: Connection,
    workspace_id: int,
    skus: Iterable[str],
    store: str | None = None,
    channel: str | None = None,
) -> dict[str, str]:
    """For each sku ``price_lines`` leaves out, why: "unknown product", "not for sale", "no
    price in store list 'x', base list 'base'" (the pricing engine's refusal per line)."""
    wanted = sorted(set(skus))
    priced = price_lines(conn, workspace_id, wanted, store, channel)
    missing = [s for s in wanted if s not in priced]
    if not missing:
        return {}
    products = _products(conn, workspace_id, missing)
    lists = applicable_lists(_lists(conn, workspace_id), store, channel)
    return {s: why_unpriced(products.get(s), lists, store, channel) for s in missing}


def products(conn: Connection, workspace_id: int, skus: Sequence[str]) -> dict[str, Product]:
    """The catalog's products with these skus (active or not)."""
    return _products(conn, workspace_id, sorted(set(skus)))


def category_path(conn: Connection, workspace_id: int, category_id: str | None) -> tuple[str, ...]:
    return ancestors(category_id, _category_parents(conn, workspace_id, {category_id}))


def _chunks(values: Sequence[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield list(values[start : start + CHUNK])


def _products(conn: Connection, workspace_id: int, skus: Sequence[str]) -> dict[str, Product]:
    found: dict[str, Product] = {}
    for chunk in _chunks(skus):
        rows = conn.execute(
            select(
                cp.c.sku,
                cp.c.name,
                cp.c.parent_sku,
                cp.c.category_id,
                cp.c.brand,
                cp.c.attributes,
                cp.c.active,
                cp.c.url,
                cp.c.image,
            ).where(cp.c.workspace_id == workspace_id, cp.c.sku.in_(chunk))
        )
        for r in rows:
            found[r.sku] = Product(
                r.sku,
                r.name,
                r.parent_sku,
                r.category_id,
                r.brand,
                r.attributes or {},
                r.active,
                r.url,
                r.image,
            )
    return found


def _lists(conn: Connection, workspace_id: int) -> list[PriceList]:
    rows = conn.execute(
        select(pl.c.price_list_id, pl.c.currency, pl.c.store, pl.c.channel).where(
            pl.c.workspace_id == workspace_id
        )
    )
    return [PriceList(r.price_list_id, r.currency, r.store, r.channel) for r in rows]


def _prices(
    conn: Connection, workspace_id: int, list_ids: Sequence[str], skus: Sequence[str]
) -> dict[tuple[str, str], Price]:
    found: dict[tuple[str, str], Price] = {}
    if not list_ids:
        return found
    for chunk in _chunks(skus):
        rows = conn.execute(
            select(pr.c.price_list_id, pr.c.sku, pr.c.amount, pr.c.compare_at).where(
                pr.c.workspace_id == workspace_id,
                pr.c.price_list_id.in_(list_ids),
                pr.c.sku.in_(chunk),
            )
        )
        for r in rows:
            found[(r.price_list_id, r.sku)] = Price(_money(r.amount), _money(r.compare_at))
    return found


def _money(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def _category_parents(
    conn: Connection, workspace_id: int, category_ids: set[str | None]
) -> dict[str, str | None]:
    """Parent of each of these categories and of all their ancestors (one recursive query)."""
    start = sorted(c for c in category_ids if c is not None)
    if not start:
        return {}
    tree = (
        select(cc.c.category_id, cc.c.parent_id)
        .where(cc.c.workspace_id == workspace_id, cc.c.category_id.in_(start))
        .cte("tree", recursive=True)
    )
    up = tree.alias("up")
    tree = tree.union(
        select(cc.c.category_id, cc.c.parent_id)
        .join(up, cc.c.category_id == up.c.parent_id)
        .where(cc.c.workspace_id == workspace_id)
    )
    return {r.category_id: r.parent_id for r in conn.execute(select(tree))}
