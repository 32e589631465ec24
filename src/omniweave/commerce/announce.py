"""Back In Stock and Price Dropped: a catalog change, recorded once with the data behind it,
and told to the people it is for, as events in the log that journeys trigger on.

Who it is for: the people whose cart holds the sku, and those who viewed it (or added it)
within ``window``, at most ``limit`` a change (the most recent first). Each gets a ``track``
event from the platform's own source, attributed through an identity they already have
(``segments.membership_model.target_for``), with the sku, the product's name, url and image,
the store or price list, the old and new value and why they are told (``in_cart`` or
``viewed``): a journey trigger on ``Back In Stock`` with a property filter (``store``,
``reason``) works as for any event. Ids are fixed by the change (kind, where, sku, the row's
version) and the person, so a retry or a re-import announces nothing twice, and a change
nobody waited for is still recorded in ``catalog_changes`` (``people: 0``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from omniweave.commerce.catalog_repo import products
from omniweave.commerce.catalog_store import PriceChange
from omniweave.commerce.stock_model import StockChange
from omniweave.ingest.repo import append_events
from omniweave.ingest.rows import Envelope, Limits, event_rows
from omniweave.segments import membership_repo
from omniweave.segments.membership_model import target_for
from omniweave.store.commerce_tables import carts, catalog_changes, price_lists
from omniweave.store.dialect import Dialect
from omniweave.store.tables import event_identities, events, identities

BACK_IN_STOCK = "Back In Stock"
PRICE_DROPPED = "Price Dropped"
INTEREST_EVENTS = ("Product Viewed", "Product Added")


@dataclass(frozen=True)
class Announcement:
    """One change worth telling: pure data, its id fixed by what changed."""

    kind: str  # back_in_stock | price_dropped
    sku: str
    old: Decimal
    new: Decimal
    version: int
    location_id: str | None = None
    price_list_id: str | None = None

    @property
    def change_id(self) -> str:
        where = self.location_id or self.price_list_id
        return f"{self.kind}:{where}:{self.sku}:{self.version}"

    @property
    def event(self) -> str:
        return BACK_IN_STOCK if self.kind == "back_in_stock" else PRICE_DROPPED


def worth_telling(
    stock: Sequence[StockChange] = (), prices: Sequence[PriceChange] = ()
) -> list[Announcement]:
    """The changes people waited for: back in stock, and a lower price in a list."""
    found = [
        Announcement(
            "back_in_stock",
            c.sku,
            Decimal(c.before or 0),
            Decimal(c.after),
            c.version,
            c.location_id,
        )
        for c in stock
        if c.back_in_stock
    ]
    found += [
        Announcement("price_dropped", c.sku, c.old, c.new, c.version, price_list_id=c.price_list_id)
        for c in prices
        if c.old is not None and c.new < c.old
    ]
    return found


@dataclass(frozen=True)
class Audience:
    limit: int = 1000
    window: timedelta = timedelta(days=30)


def announce(
    conn: Connection,
    dialect: Dialect,
    workspace_id: int,
    changes: Sequence[Announcement],
    now: datetime,
    audience: Audience,
) -> list[dict[str, Any]]:
    """Record each change once and emit its per-person events; returns what was recorded."""
    if not changes:
        return []
    interested = _interested(conn, workspace_id, sorted({c.sku for c in changes}), now, audience)
    catalog = products(conn, workspace_id, sorted({c.sku for c in changes}))
    scopes = _list_scopes(conn, workspace_id)
    recorded, messages = [], []
    for change in changes:
        people = interested.get(change.sku, [])[: audience.limit]
        row = {
            "workspace_id": workspace_id,
            "change_id": change.change_id,
            "kind": change.kind,
            "sku": change.sku,
            "location_id": change.location_id,
            "price_list_id": change.price_list_id,
            "old_value": change.old,
            "new_value": change.new,
            "people": len(people),
            "occurred_at": now,
        }
        new = conn.execute(
            dialect.insert_ignoring_duplicates(catalog_changes, ("workspace_id", "change_id"))
            .values(row)
            .returning(catalog_changes.c.id)
        ).first()
        if new is None:
            continue  # announced before: a retry
        recorded.append(row)
        product = catalog.get(change.sku)
        props = {
            "sku": change.sku,
            "product_id": change.sku,
            "name": product.name if product else None,
            "url": product.url if product else None,
            "image": product.image if product else None,
            "change_id": change.change_id,
            "old_value": float(change.old),
            "new_value": float(change.new),
        }
        if change.location_id:
            props["store"] = change.location_id
        if change.price_list_id:
            props["price_list"] = change.price_list_id
            props.update(scopes.get(change.price_list_id, {}))
        messages += [
            (change, {**props, "days_since_interest": days}, pid, why) for pid, why, days in people
        ]
    _emit(conn, dialect, workspace_id, messages, now)
    return recorded


def _emit(conn: Connection, dialect: Dialect, workspace_id: int, messages: list, now) -> None:
    if not messages:
        return
    known = membership_repo.identifiers(conn, sorted({pid for _, _, pid, _ in messages}))
    bodies = [
        {
            "type": "track",
            "event": change.event,
            "messageId": f"{change.change_id}:{pid}",
            "timestamp": now.isoformat(),
            "properties": {**props, "reason": why, "profile_id": pid},
            **target_for(pid, known.get(pid, [])),
        }
        for change, props, pid, why in messages
    ]
    source_id = membership_repo.own_source(conn, workspace_id, now)
    envelope = Envelope(workspace_id, source_id, now, origin="commerce")
    rows = event_rows(bodies, envelope, Limits())
    append_events(conn, dialect, [{k: v for k, v in r.items() if k[0] != "_"} for r in rows])


def _interested(
    conn: Connection, workspace_id: int, skus: list[str], now: datetime, audience: Audience
) -> dict[str, list[tuple[str, str, float]]]:
    """By sku, (profile, why) of the people with it in their cart, then of those who viewed or
    added it lately, most recent first."""
    sku = func.coalesce(
        events.c.properties["sku"].as_string(), events.c.properties["product_id"].as_string()
    )
    rows = conn.execute(
        select(identities.c.profile_id, sku.label("sku"), func.max(events.c.timestamp).label("at"))
        .join(event_identities, event_identities.c.identity_id == identities.c.id)
        .join(events, events.c.id == event_identities.c.event_id)
        .where(
            events.c.workspace_id == workspace_id,
            events.c.timestamp > now - audience.window,
            events.c.event.in_(INTEREST_EVENTS),
            or_(
                events.c.properties["sku"].as_string().in_(skus),
                events.c.properties["product_id"].as_string().in_(skus),
            ),
        )
        .group_by(identities.c.profile_id, sku)
    ).all()
    by_sku: dict[str, list[tuple[Any, str]]] = defaultdict(list)
    for r in rows:
        by_sku[r.sku].append((r.at, r.profile_id))
    holders = _cart_holders(conn, workspace_id, sorted({r.profile_id for r in rows}))
    found: dict[str, list[tuple[str, str, float]]] = {}
    for s, seen in by_sku.items():
        seen.sort(reverse=True)
        ago = {p: round((now - at).total_seconds() / 86400, 2) for at, p in seen}
        in_cart = [p for _, p in seen if s in holders.get(p, ())]
        viewed = [p for _, p in seen if s not in holders.get(p, ())]
        found[s] = [(p, "in_cart", ago[p]) for p in in_cart]
        found[s] += [(p, "viewed", ago[p]) for p in viewed]
    return found


def _cart_holders(conn: Connection, workspace_id: int, profile_ids: list[str]) -> dict:
    found: dict[str, set[str]] = {}
    for start in range(0, len(profile_ids), 500):
        chunk = profile_ids[start : start + 500]
        for r in conn.execute(
            select(carts.c.profile_id, carts.c.lines).where(
                and_(carts.c.workspace_id == workspace_id, carts.c.profile_id.in_(chunk))
            )
        ):
            found[r.profile_id] = {line["sku"] for line in r.lines or []}
    return found


def _list_scopes(conn: Connection, workspace_id: int) -> dict[str, dict[str, str]]:
    rows = conn.execute(
        select(price_lists.c.price_list_id, price_lists.c.store, price_lists.c.channel).where(
            price_lists.c.workspace_id == workspace_id
        )
    )
    return {
        r.price_list_id: {k: v for k, v in (("store", r.store), ("channel", r.channel)) if v}
        for r in rows
    }
