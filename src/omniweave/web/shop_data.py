"""What the promotions, coupons and loyalty pages read besides the services: the pickers'
stores and skus, the coupon pools with their numbers, the programme's members, and a
promotion's state now (pure)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from omniweave.store.commerce_tables import catalog_products, stock_locations
from omniweave.store.pricing_tables import (
    coupon_pools,
    coupon_redemptions,
    coupons,
    loyalty_accounts,
    loyalty_transactions,
)


def promotion_state(definition: dict[str, Any], now: datetime, timezone: str) -> dict[str, str]:
    """Whether a promotion applies now as far as its switch and window go, and the window as
    a person reads it. ``starts``/``ends`` are local times in the promotion's zone (else the
    workspace's; a store's own zone may shift them by hours at the till)."""
    when = definition.get("when") or {}
    zone = when.get("timezone") or timezone
    local = now.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    starts, ends = _moment(when.get("starts")), _moment(when.get("ends"))
    window = "always"
    if starts or ends:
        window = f"{_short(starts) or '…'} → {_short(ends) or '…'} ({zone})"
    if definition.get("active") is False:
        return {"status": "off", "window": window, "why": "switched off (active: false)"}
    if starts and local < starts:
        return {"status": "scheduled", "window": window, "why": f"starts {_short(starts)}"}
    if ends and local >= ends:
        return {"status": "ended", "window": window, "why": f"ended {_short(ends)}"}
    return {"status": "running", "window": window, "why": "in its window"}


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        return None


def _short(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def effect_text(effect: dict[str, Any]) -> str:
    """A promotion's effect in a few words."""
    kind = effect.get("type")
    if kind == "percent":
        return f"{effect.get('percent')}% off"
    if kind == "fixed":
        return f"{effect.get('amount')} off per {effect.get('per', 'cart')}"
    if kind == "n_for_m":
        return f"{effect.get('buy')} for {effect.get('pay')}"
    if kind == "gift":
        return f"gift {effect.get('sku')} × {effect.get('quantity', 1)}"
    if kind == "bundle":
        return f"bundle {' + '.join(effect.get('skus', []))} for {effect.get('price')}"
    if kind == "points":
        percent = f"{effect['percent']}%" if effect.get("percent") else ""
        fixed = str(effect.get("fixed") or "")
        return "bonus points " + " + ".join(p for p in (percent, fixed) if p)
    return str(kind)


def stores(conn: Connection, workspace_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(stock_locations.c.location_id, stock_locations.c.name, stock_locations.c.kind)
        .where(stock_locations.c.workspace_id == workspace_id)
        .order_by(stock_locations.c.location_id)
    ).all()
    return [{"id": r.location_id, "name": r.name, "kind": r.kind} for r in rows]


def products(conn: Connection, workspace_id: int, limit: int = 1000) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(catalog_products.c.sku, catalog_products.c.name)
        .where(catalog_products.c.workspace_id == workspace_id, catalog_products.c.active.is_(True))
        .order_by(catalog_products.c.sku)
        .limit(limit)
    ).all()
    return [{"sku": r.sku, "name": r.name} for r in rows]


def pools(conn: Connection, workspace_id: int) -> list[dict[str, Any]]:
    """Every coupon pool with its codes (issued to someone or not) and live redemptions."""
    codes = dict(
        conn.execute(
            select(coupons.c.pool_id, func.count())
            .where(coupons.c.workspace_id == workspace_id)
            .group_by(coupons.c.pool_id)
        ).all()
    )
    issued = dict(
        conn.execute(
            select(coupons.c.pool_id, func.count())
            .where(coupons.c.workspace_id == workspace_id, coupons.c.issued_to.is_not(None))
            .group_by(coupons.c.pool_id)
        ).all()
    )
    used = dict(
        conn.execute(
            select(coupon_redemptions.c.pool_id, func.count())
            .where(
                coupon_redemptions.c.workspace_id == workspace_id,
                coupon_redemptions.c.reversed_at.is_(None),
            )
            .group_by(coupon_redemptions.c.pool_id)
        ).all()
    )
    rows = conn.execute(
        select(coupon_pools)
        .where(coupon_pools.c.workspace_id == workspace_id)
        .order_by(coupon_pools.c.key)
    ).all()
    return [
        {
            "key": r.key,
            "maxUses": r.max_uses,
            "perPerson": r.per_person,
            "personal": r.personal,
            "validFrom": r.valid_from,
            "validUntil": r.valid_until,
            "codes": int(codes.get(r.id, 0)),
            "issued": int(issued.get(r.id, 0)),
            "redeemed": int(used.get(r.id, 0)),
        }
        for r in rows
    ]


def recent_codes(conn: Connection, workspace_id: int, pool: str, limit: int = 20) -> list[dict]:
    rows = conn.execute(
        select(coupons.c.code, coupons.c.uses, coupons.c.max_uses, coupons.c.issued_to)
        .join(coupon_pools, coupon_pools.c.id == coupons.c.pool_id)
        .where(coupons.c.workspace_id == workspace_id, coupon_pools.c.key == pool)
        .order_by(coupons.c.id.desc())
        .limit(limit)
    ).all()
    return [
        {"code": r.code, "uses": r.uses, "maxUses": r.max_uses, "issuedTo": r.issued_to}
        for r in rows
    ]


def members(conn: Connection, workspace_id: int, limit: int = 20) -> dict[str, Any]:
    """How many people hold points, the points outstanding, and the largest balances."""
    people = (
        loyalty_accounts.c.workspace_id == workspace_id,
        loyalty_accounts.c.kind == "person",
    )
    count, total = conn.execute(
        select(func.count(), func.coalesce(func.sum(loyalty_accounts.c.balance), 0)).where(*people)
    ).one()
    top = conn.execute(
        select(loyalty_accounts.c.holder, loyalty_accounts.c.balance)
        .where(*people, loyalty_accounts.c.balance > 0)
        .order_by(loyalty_accounts.c.balance.desc(), loyalty_accounts.c.holder)
        .limit(limit)
    ).all()
    by_kind = dict(
        conn.execute(
            select(loyalty_transactions.c.kind, func.sum(loyalty_transactions.c.points))
            .where(loyalty_transactions.c.workspace_id == workspace_id)
            .group_by(loyalty_transactions.c.kind)
        ).all()
    )
    return {
        "accounts": int(count),
        "outstanding": int(total),
        "top": [{"profileId": r.holder, "balance": int(r.balance)} for r in top],
        "byKind": {k: int(v or 0) for k, v in sorted(by_kind.items())},
    }
