"""Writes of the catalog: categories, products, price lists, prices and stock locations, each
compared with what is stored so that a re-sent feed writes nothing and reports "unchanged".

Prices come back as ``PriceChange``s (old and new amount, the row's version) so that the
caller can announce a drop; the version fixes the announcement's id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, and_, select, update

from omniweave.commerce.catalog_input import (
    CategoryIn,
    LocationIn,
    PriceIn,
    PriceListIn,
    ProductIn,
)
from omniweave.core.errors import InvalidInput
from omniweave.store.commerce_tables import catalog_categories as cc
from omniweave.store.commerce_tables import catalog_products as cp
from omniweave.store.commerce_tables import price_lists as pl
from omniweave.store.commerce_tables import prices as pr
from omniweave.store.commerce_tables import stock_locations as sl

CHUNK = 500


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: Counts) -> Counts:
        return Counts(
            self.created + other.created,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
        )

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass(frozen=True)
class PriceChange:
    price_list_id: str
    sku: str
    old: Decimal | None  # None: the first price in this list
    new: Decimal
    version: int


def _chunks(values: Sequence[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield list(values[start : start + CHUNK])


def _save(
    conn: Connection,
    table: Table,
    workspace_id: int,
    key: str,
    rows: dict[str, dict[str, Any]],
    now: datetime,
) -> Counts:
    """Insert the new rows and update the changed ones (by the one-column ``key``)."""
    counts = Counts()
    ids = sorted(rows)
    stored: dict[str, dict[str, Any]] = {}
    columns = [table.c[name] for name in next(iter(rows.values()), {})]
    for chunk in _chunks(ids):
        found = conn.execute(
            select(table.c[key], *columns).where(
                table.c.workspace_id == workspace_id, table.c[key].in_(chunk)
            )
        )
        stored.update({r[0]: dict(r._mapping) for r in found})
    fresh = []
    for ident in ids:
        row = rows[ident]
        old = stored.get(ident)
        if old is None:
            fresh.append({"workspace_id": workspace_id, key: ident, **row, "updated_at": now})
            counts.created += 1
        elif any(old[name] != value for name, value in row.items()):
            conn.execute(
                update(table)
                .where(table.c.workspace_id == workspace_id, table.c[key] == ident)
                .values(**row, updated_at=now)
            )
            counts.updated += 1
        else:
            counts.unchanged += 1
    if fresh:
        conn.execute(table.insert(), fresh)
    return counts


def save_categories(
    conn: Connection, workspace_id: int, items: Sequence[CategoryIn], now: datetime
) -> Counts:
    rows = {c.id: {"parent_id": c.parentId, "name": c.name} for c in items}
    return _save(conn, cc, workspace_id, "category_id", rows, now)


def save_products(
    conn: Connection, workspace_id: int, items: Sequence[ProductIn], now: datetime
) -> Counts:
    rows = {
        p.sku: {
            "parent_sku": p.parentSku,
            "name": p.name,
            "category_id": p.categoryId,
            "brand": p.brand,
            "attributes": p.attributes,
            "active": p.active,
            "url": p.url,
            "image": p.image,
        }
        for p in items
    }
    return _save(conn, cp, workspace_id, "sku", rows, now)


def save_price_lists(
    conn: Connection, workspace_id: int, items: Sequence[PriceListIn], now: datetime
) -> Counts:
    """Save lists; one base list (no store, no channel) per workspace, one list per store and
    per channel, so that the choice of a price is never ambiguous."""
    rows = {
        p.id: {"name": p.name, "currency": p.currency, "store": p.store, "channel": p.channel}
        for p in items
    }
    existing = {
        r.price_list_id: (r.store, r.channel)
        for r in conn.execute(
            select(pl.c.price_list_id, pl.c.store, pl.c.channel).where(
                pl.c.workspace_id == workspace_id
            )
        )
    }
    existing.update({k: (v["store"], v["channel"]) for k, v in rows.items()})
    seen: dict[tuple[str | None, str | None], str] = {}
    for list_id in sorted(existing):
        scope = existing[list_id]
        if scope in seen:
            what = (
                f"store {scope[0]}" if scope[0] else f"channel {scope[1]}" if scope[1] else "base"
            )
            raise InvalidInput.one(
                f"priceLists.{list_id}",
                f"the {what} list is already {seen[scope]!r}: one list per store, per channel "
                "and one base list",
            )
        seen[scope] = list_id
    return _save(conn, pl, workspace_id, "price_list_id", rows, now)


def save_locations(
    conn: Connection, workspace_id: int, items: Sequence[LocationIn], now: datetime
) -> Counts:
    rows = {
        x.id: {
            "name": x.name,
            "kind": x.kind,
            "region": x.region,
            "timezone": x.timezone,
            "is_pickup_point": x.isPickupPoint,
        }
        for x in items
    }
    return _save(conn, sl, workspace_id, "location_id", rows, now)


def save_prices(
    conn: Connection, workspace_id: int, list_id: str, items: Sequence[PriceIn], now: datetime
) -> tuple[Counts, list[PriceChange]]:
    """Set prices in one list (which must exist); unchanged prices write nothing."""
    known = conn.execute(
        select(pl.c.price_list_id).where(
            pl.c.workspace_id == workspace_id, pl.c.price_list_id == list_id
        )
    ).scalar()
    if known is None:
        raise InvalidInput.one(f"prices.{list_id}", f"no price list {list_id!r}")
    wanted = {p.sku: p for p in items}
    stored: dict[str, Any] = {}
    for chunk in _chunks(sorted(wanted)):
        rows = conn.execute(
            select(pr.c.sku, pr.c.amount, pr.c.compare_at, pr.c.version).where(
                pr.c.workspace_id == workspace_id,
                pr.c.price_list_id == list_id,
                pr.c.sku.in_(chunk),
            )
        )
        stored.update({r.sku: r for r in rows})
    counts, changes, fresh = Counts(), [], []
    for sku in sorted(wanted):
        price, old = wanted[sku], stored.get(sku)
        if old is None:
            fresh.append(
                {
                    "workspace_id": workspace_id,
                    "price_list_id": list_id,
                    "sku": sku,
                    "amount": price.amount,
                    "compare_at": price.compareAt,
                    "version": 1,
                    "updated_at": now,
                }
            )
            counts.created += 1
            changes.append(PriceChange(list_id, sku, None, price.amount, 1))
        elif _money(old.amount) != price.amount or _money(old.compare_at) != price.compareAt:
            conn.execute(
                update(pr)
                .where(
                    and_(
                        pr.c.workspace_id == workspace_id,
                        pr.c.price_list_id == list_id,
                        pr.c.sku == sku,
                    )
                )
                .values(
                    amount=price.amount,
                    compare_at=price.compareAt,
                    version=old.version + 1,
                    updated_at=now,
                )
            )
            counts.updated += 1
            changes.append(
                PriceChange(list_id, sku, _money(old.amount), price.amount, old.version + 1)
            )
        else:
            counts.unchanged += 1
    if fresh:
        conn.execute(pr.insert(), fresh)
    return counts, changes


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def known_locations(conn: Connection, workspace_id: int, ids: Sequence[str]) -> set[str]:
    return set(
        conn.execute(
            select(sl.c.location_id).where(
                sl.c.workspace_id == workspace_id, sl.c.location_id.in_(sorted(set(ids)))
            )
        ).scalars()
    )


def deactivate_others(conn: Connection, workspace_id: int, keep: set[str], now: datetime) -> int:
    """Mark inactive every active product not in ``keep`` (a full feed's skus); returns how
    many. Their prices and stock stay: a product back in the next feed is sold again."""
    active = conn.execute(
        select(cp.c.sku).where(cp.c.workspace_id == workspace_id, cp.c.active.is_(True))
    ).scalars()
    gone = sorted(set(active) - keep)
    for chunk in _chunks(gone):
        conn.execute(
            update(cp)
            .where(cp.c.workspace_id == workspace_id, cp.c.sku.in_(chunk))
            .values(active=False, updated_at=now)
        )
    return len(gone)
