"""The catalog's use cases: apply a catalog document or a feed, set stock, read products,
prices and availability. One transaction per call; what changed is announced in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, select

from omniweave.commerce import catalog_repo, catalog_store, stock_repo
from omniweave.commerce.announce import Audience, announce, worth_telling
from omniweave.commerce.catalog_input import CatalogIn, StockIn
from omniweave.commerce.catalog_store import Counts
from omniweave.commerce.feeds import FeedOptions, parse_csv, parse_yml
from omniweave.commerce.stock_model import StockChange, refuse_level
from omniweave.core.errors import Conflict, FieldError, InvalidInput, NotFound
from omniweave.core.time import Clock
from omniweave.ingest.segment import pydantic_errors
from omniweave.store.commerce_tables import catalog_changes, price_lists, prices
from omniweave.store.dialect import Dialect


@dataclass(frozen=True)
class Applied:
    counts: dict[str, Counts]
    announced: list[dict[str, Any]]
    skipped: list[FieldError]

    def as_dict(self) -> dict[str, Any]:
        return {
            "counts": {k: v.as_dict() for k, v in self.counts.items()},
            "changed": sum(c.created + c.updated for c in self.counts.values()),
            "announced": [
                {
                    "changeId": a["change_id"],
                    "kind": a["kind"],
                    "sku": a["sku"],
                    "location": a["location_id"],
                    "priceList": a["price_list_id"],
                    "old": float(a["old_value"]),
                    "new": float(a["new_value"]),
                    "people": a["people"],
                }
                for a in self.announced
            ],
            "skipped": [e.as_dict() for e in self.skipped],
        }


def parse_catalog(payload: Any) -> CatalogIn:
    if not isinstance(payload, dict):
        raise InvalidInput.one("body", "must be a JSON object")
    try:
        return CatalogIn.model_validate(payload)
    except ValidationError as exc:
        raise InvalidInput(pydantic_errors(exc)) from None


class CatalogService:
    def __init__(self, engine: Engine, clock: Clock, audience: Audience | None = None) -> None:
        self.engine = engine
        self.dialect = Dialect.of(engine)
        self.clock = clock
        self.audience = audience or Audience()

    def apply(self, workspace_id: int, catalog: CatalogIn | Any) -> Applied:
        """Write a catalog document (any of its parts); unchanged rows write nothing and a
        re-sent document announces nothing."""
        if not isinstance(catalog, CatalogIn):
            catalog = parse_catalog(catalog)
        with self.engine.begin() as conn:
            return self._apply(conn, workspace_id, catalog, self.clock(), [])

    def import_feed(
        self, workspace_id: int, data: bytes, kind: str, options: FeedOptions | None = None
    ) -> Applied:
        """A YML or CSV feed; offers that cannot be read are skipped and reported by name."""
        parse = {"yml": parse_yml, "xml": parse_yml, "csv": parse_csv}.get(kind)
        if parse is None:
            raise InvalidInput.one("format", f"{kind!r}: one of yml, csv")
        parsed = parse(data, options)
        with self.engine.begin() as conn:
            now = self.clock()
            applied = self._apply(conn, workspace_id, parsed.catalog, now, parsed.skipped)
            if options is not None and options.replace:
                gone = catalog_store.deactivate_others(conn, workspace_id, parsed.named, now)
                applied.counts["products"].updated += gone
                applied.counts["deactivated"] = Counts(updated=gone)
                if gone:
                    catalog_repo.bump_version(conn, self.dialect, workspace_id, now)
        return applied

    def put_stock(self, workspace_id: int, location_id: str, payload: Any) -> Applied:
        """Absolute on-hand counts at one location (``[{"sku", "onHand"}]``)."""
        if not isinstance(payload, list):
            raise InvalidInput.one("body", "a JSON list of {sku, onHand}")
        errors, items = [], []
        for i, raw in enumerate(payload):
            try:
                items.append(StockIn.model_validate(raw))
            except ValidationError as exc:
                errors += [FieldError(f"[{i}].{e.field}", e.message) for e in pydantic_errors(exc)]
        if errors:
            raise InvalidInput(errors)
        with self.engine.begin() as conn:
            if stock_repo.location(conn, workspace_id, location_id) is None:
                raise NotFound(f"no stock location {location_id!r}")
            now = self.clock()
            counts, changes = self._stock(conn, workspace_id, location_id, items, now)
            told = announce(
                conn, self.dialect, workspace_id, worth_telling(changes), now, self.audience
            )
        return Applied({"stock": counts}, told, [])

    def _apply(
        self,
        conn: Connection,
        ws: int,
        catalog: CatalogIn,
        now: datetime,
        skipped: list[FieldError],
    ) -> Applied:
        counts = {
            "categories": catalog_store.save_categories(conn, ws, catalog.categories, now),
            "products": catalog_store.save_products(conn, ws, catalog.products, now),
            "priceLists": catalog_store.save_price_lists(conn, ws, catalog.priceLists, now),
            "locations": catalog_store.save_locations(conn, ws, catalog.locations, now),
        }
        price_changes: list = []
        total = Counts()
        for list_id in sorted(catalog.prices):
            done, changed = catalog_store.save_prices(
                conn, ws, list_id, catalog.prices[list_id], now
            )
            total, price_changes = total.add(done), price_changes + changed
        counts["prices"] = total
        if any(c.created or c.updated for c in counts.values()):
            catalog_repo.bump_version(conn, self.dialect, ws, now)
        stock_changes: list[StockChange] = []
        total = Counts()
        for location_id in sorted(catalog.stock):
            if stock_repo.location(conn, ws, location_id) is None:
                raise InvalidInput.one(f"stock.{location_id}", "no such stock location")
            done, changed = self._stock(conn, ws, location_id, catalog.stock[location_id], now)
            total, stock_changes = total.add(done), stock_changes + changed
        counts["stock"] = total
        changes = worth_telling(stock_changes, price_changes)
        told = announce(conn, self.dialect, ws, changes, now, self.audience)
        return Applied(counts, told, skipped)

    def _stock(
        self, conn: Connection, ws: int, location_id: str, items: list[StockIn], now: datetime
    ) -> tuple[Counts, list[StockChange]]:
        wanted = {i.sku: i.onHand for i in items}
        stored = stock_repo.levels(conn, self.dialect, ws, location_id, list(wanted), lock=True)
        refusals = [
            why
            for sku, units in sorted(wanted.items())
            if (why := refuse_level(sku, stored.get(sku, (None,))[0], units))
        ]
        if refusals:
            raise Conflict(f"stock at {location_id}: " + "; ".join(refusals))
        return stock_repo.set_on_hand(conn, ws, location_id, wanted, stored, now)

    # --- reads ---------------------------------------------------------------------------

    def product(self, workspace_id: int, sku: str) -> dict[str, Any]:
        """A product with its category path, its price in every list and its stock."""
        with self.engine.connect() as conn:
            found = catalog_repo.products(conn, workspace_id, [sku]).get(sku)
            if found is None:
                raise NotFound(f"no product {sku!r}")
            path = catalog_repo.category_path(conn, workspace_id, found.category_id)
            rows = conn.execute(
                select(prices, price_lists.c.currency, price_lists.c.store, price_lists.c.channel)
                .join(
                    price_lists,
                    (price_lists.c.workspace_id == prices.c.workspace_id)
                    & (price_lists.c.price_list_id == prices.c.price_list_id),
                )
                .where(prices.c.workspace_id == workspace_id, prices.c.sku == sku)
                .order_by(prices.c.price_list_id)
            ).all()
            stock = stock_repo.availability(conn, workspace_id, [sku])
        return {
            "sku": found.sku,
            "name": found.name,
            "parentSku": found.parent_sku,
            "categoryIds": list(path),
            "brand": found.brand,
            "attributes": found.attributes,
            "active": found.active,
            "url": found.url,
            "image": found.image,
            "prices": [
                {
                    "priceList": r.price_list_id,
                    "store": r.store,
                    "channel": r.channel,
                    "currency": r.currency,
                    "amount": float(r.amount),
                    "compareAt": None if r.compare_at is None else float(r.compare_at),
                }
                for r in rows
            ],
            "stock": [_level(r) for r in stock],
        }

    def price_lines(
        self, workspace_id: int, skus: list[str], store: str | None, channel: str | None
    ) -> dict[str, Any]:
        """List prices as the pricing engine sees them, with the list and why; the others
        with why they are not for sale here."""
        with self.engine.connect() as conn:
            found = catalog_repo.price_lines(conn, workspace_id, skus, store, channel)
            missing = catalog_repo.unpriced(conn, workspace_id, skus, store, channel)
        return {
            "store": store,
            "channel": channel,
            "lines": [
                {
                    "sku": p.sku,
                    "name": p.name,
                    "unitPrice": float(p.unit_price),
                    "compareAt": None if p.compare_at is None else float(p.compare_at),
                    "currency": p.currency,
                    "priceList": p.price_list_id,
                    "priceListKind": p.price_list_kind,
                    "reason": p.reason,
                    "categoryIds": list(p.category_ids),
                    "brand": p.brand,
                }
                for p in found.values()
            ],
            "unpriced": [{"sku": s, "reason": why} for s, why in sorted(missing.items())],
        }

    def availability(
        self, workspace_id: int, skus: list[str], location_id: str | None
    ) -> dict[str, Any]:
        with self.engine.connect() as conn:
            rows = stock_repo.availability(conn, workspace_id, skus, location_id)
        return {"levels": [_level(r) for r in rows]}

    def changes(self, workspace_id: int, sku: str | None, limit: int) -> dict[str, Any]:
        query = (
            select(catalog_changes)
            .where(catalog_changes.c.workspace_id == workspace_id)
            .order_by(catalog_changes.c.id.desc())
            .limit(limit)
        )
        if sku:
            query = query.where(catalog_changes.c.sku == sku)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return {
            "changes": [
                {
                    "changeId": r.change_id,
                    "kind": r.kind,
                    "sku": r.sku,
                    "location": r.location_id,
                    "priceList": r.price_list_id,
                    "old": float(r.old_value),
                    "new": float(r.new_value),
                    "people": r.people,
                    "at": r.occurred_at,
                }
                for r in rows
            ]
        }


def _level(r: Any) -> dict[str, Any]:
    return {
        "location": r.location_id,
        "locationName": r.name,
        "kind": r.kind,
        "region": r.region,
        "pickupPoint": r.is_pickup_point,
        "sku": r.sku,
        "onHand": r.on_hand,
        "reserved": r.reserved,
        "available": r.on_hand - r.reserved,
        "updatedAt": r.updated_at,
    }
