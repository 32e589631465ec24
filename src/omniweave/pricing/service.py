"""The price calculation use case: read the cart's prices, the customer, the coupons and the
active promotions, call the pure engine, answer with every reason.

Unknown skus, lines in another currency and refused coupons do not fail the cart: they come
back in ``errors`` naming the line (``lines[2].sku``) and the rest is priced (a till must still
sell the other nine items). A malformed body is a 400; a cart with no line that can be priced
is a 400 naming every line.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import Connection, Engine, select

from omniweave.commerce.catalog_repo import PriceCache, unpriced
from omniweave.core.errors import FieldError, InvalidInput
from omniweave.core.time import Clock
from omniweave.identity.model import IdentityRules
from omniweave.pricing import coupons, customers, promotion_repo
from omniweave.pricing.engine import Context, Line, Result, calculate
from omniweave.pricing.model import Promotion, parse
from omniweave.pricing.program import Loyalty
from omniweave.pricing.requests import CalculateRequest
from omniweave.store.commerce_tables import stock_locations

ZONE_SECONDS = 60.0


class PromotionCache:
    """The active promotions per workspace, reloaded only when the workspace's pricing
    version moved (one indexed read a call): a change takes effect at the next call."""

    def __init__(self) -> None:
        self._cache: dict[int, tuple[int, tuple[Promotion, ...]]] = {}
        self._lock = threading.Lock()

    def active(self, conn: Connection, ws: int) -> tuple[Promotion, ...]:
        version = promotion_repo.version(conn, ws)
        found = self._cache.get(ws)
        if found is not None and found[0] == version:
            return found[1]
        loaded = tuple(parse(row["definition"]) for row in promotion_repo.listing(conn, ws))
        with self._lock:
            self._cache[ws] = (version, loaded)
        return loaded


class PricingService:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        rules: IdentityRules,
        loyalty: Loyalty,
        timezone: str = "UTC",
        allow_price_override: bool = False,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.rules = rules
        self.loyalty = loyalty
        self.timezone = timezone
        self.allow_override = allow_price_override
        self.cache = PromotionCache()
        self.prices = PriceCache()
        self._zones: dict[tuple[int, str], tuple[float, str]] = {}

    def calculate(self, ws: int, request: CalculateRequest) -> dict[str, Any]:
        """Price a cart for a customer (or nobody) in a store and channel."""
        with self.engine.connect() as conn:
            now = self.clock()
            promos = self.cache.active(conn, ws)
            profile_id, note = customers.resolve(conn, self.rules, ws, request.customer)
            who = customers.facts(conn, ws, profile_id, note, self.loyalty, now)
            lines, index, errors, currency = self._priced(conn, ws, request)
            checks = (
                coupons.check(conn, ws, request.coupons, profile_id, now) if request.coupons else []
            )
            zone = self._zone(conn, ws, request.store)
        errors += [
            FieldError(f"coupons[{i}]", f"{c.code}: {c.reason}")
            for i, c in enumerate(checks)
            if c.pool is None
        ]
        context = Context(
            currency=currency,
            channel=request.channel,
            store=request.store,
            timezone=zone,
            customer=who.profile_id,
            segments=who.segments,
            tier=who.tier,
            coupons=frozenset(c.pool for c in checks if c.pool),
            points_balance=who.balance,
            points_to_spend=request.pointsToSpend,
        )
        result = calculate(lines, context, promos, now, self.loyalty.program)
        if result.points_reason and request.pointsToSpend:
            errors.append(FieldError("pointsToSpend", result.points_reason))
        return answer(result, index, who, checks, errors)

    def _priced(self, conn: Connection, ws: int, request: CalculateRequest):
        skus = [ln.sku for ln in request.lines]
        items = self.prices.price_lines(conn, ws, skus, request.store, request.channel)
        missing = set(skus) - set(items)
        why = unpriced(conn, ws, missing, request.store, request.channel) if missing else {}
        currencies = sorted({items[s].currency for s in skus if s in items})
        currency = request.currency or (currencies[0] if len(currencies) == 1 else None)
        if currency is None and currencies:
            raise InvalidInput.one(
                "currency",
                f"the lines are priced in {', '.join(currencies)}: name the cart's currency",
            )
        errors: list[FieldError] = []
        lines: list[Line] = []
        index: list[int] = []
        for i, requested in enumerate(request.lines):
            item = items.get(requested.sku)
            if requested.price is not None and not self.allow_override:
                raise InvalidInput.one(
                    f"lines[{i}].price",
                    "a price of the caller's own is not allowed here "
                    "(OMNIWEAVE_PRICING_ALLOW_PRICE_OVERRIDE)",
                )
            if item is None and requested.price is None:
                errors.append(
                    FieldError(
                        f"lines[{i}].sku",
                        f"{requested.sku}: {why.get(requested.sku, 'unknown product')}",
                    )
                )
                continue
            if item is not None and item.currency != currency:
                errors.append(
                    FieldError(
                        f"lines[{i}].sku",
                        f"{requested.sku} is priced in {item.currency}, the cart is in {currency}",
                    )
                )
                continue
            price = requested.price if requested.price is not None else item.unit_price
            categories = item.category_ids if item else ()
            brand = item.brand if item else None
            lines.append(Line(requested.sku, requested.quantity, price, tuple(categories), brand))
            index.append(i)
        if not lines:
            raise InvalidInput(errors or [FieldError("lines", "no line can be priced")])
        return lines, index, errors, currency or "RUB"

    def _zone(self, conn: Connection, ws: int, store: str | None) -> str:
        """The store's zone (kept a minute: stores do not move, and a till waits)."""
        if store is None:
            return self.timezone
        cached = self._zones.get((ws, store))
        if cached is not None and time.monotonic() - cached[0] < ZONE_SECONDS:
            return cached[1]
        found = conn.execute(
            select(stock_locations.c.timezone).where(
                stock_locations.c.workspace_id == ws, stock_locations.c.location_id == store
            )
        ).scalar()
        self._zones[(ws, store)] = (time.monotonic(), found or self.timezone)
        return found or self.timezone


def answer(
    result: Result, index: list[int], who: Any, checks: list, errors: list[FieldError]
) -> dict[str, Any]:
    return {
        "currency": result.currency,
        "listTotal": result.list_total,
        "discount": result.discount,
        "total": result.total,
        "pointsToSpend": result.points_to_spend,
        "payable": result.payable,
        "lines": [
            {
                "line": index[ln.index],
                "sku": ln.sku,
                "quantity": ln.quantity,
                "unitPrice": ln.unit_price,
                "listTotal": ln.list_total,
                "discount": ln.discount,
                "total": ln.total,
                "promotions": [{"key": k, "discount": a} for k, a in ln.applied],
            }
            for ln in result.lines
        ],
        "promotions": [
            {
                "key": v.key,
                "applied": v.applied,
                "reason": v.reason,
                "discount": v.discount,
                "points": v.points,
                "rule": v.rule,
            }
            for v in result.promotions
        ],
        "customer": {
            "profileId": who.profile_id,
            "found": who.profile_id is not None,
            "reason": who.note,
            "tier": who.tier,
            "tierReason": who.tier_reason,
            "segments": sorted(who.segments),
            "pointsBalance": who.balance,
        },
        "coupons": [
            {"code": c.code, "valid": c.pool is not None, "pool": c.pool, "reason": c.reason}
            for c in checks
        ],
        "points": {
            "toEarn": result.points_to_earn,
            "spendable": result.points_spendable,
            "toSpend": result.points_to_spend,
            "reason": result.points_reason,
        },
        "errors": [e.as_dict() for e in errors],
    }
