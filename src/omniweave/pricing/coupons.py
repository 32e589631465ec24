"""Coupons: pools of codes (single-use, multi-use with a limit, per person), issuance, the
check pricing makes, and redemption on an order.

Codes are derived, not drawn: ``HMAC(secret, workspace, pool, batch, n)`` in base 32, so a
retried generation or issue writes the same codes (a no-op) and nobody can guess the next.
Redemption is a guarded ``UPDATE ... SET uses = uses + 1 WHERE uses < max_uses``: of a
hundred concurrent redemptions of a single-use code exactly one moves the row.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from omniweave.core.errors import Conflict, InvalidInput, NotFound
from omniweave.store.dialect import Dialect
from omniweave.store.pricing_tables import coupon_pools as pools
from omniweave.store.pricing_tables import coupon_redemptions as redemptions
from omniweave.store.pricing_tables import coupons


@dataclass(frozen=True)
class Check:
    code: str
    pool: str | None  # the pool key when the code is valid for this person now
    reason: str  # "valid", or why not


def derived_code(secret: bytes, *parts: object, length: int = 10) -> str:
    digest = hmac.new(secret, ":".join(map(str, parts)).encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:length]


def normal(code: str) -> str:
    return code.strip().upper()


def save_pool(conn: Connection, dialect: Dialect, ws: int, key: str, body: Any, now) -> dict:
    values = {
        "max_uses": body.max_uses,
        "per_person": body.per_person,
        "personal": body.personal,
        "valid_from": body.valid_from,
        "valid_until": body.valid_until,
    }
    conn.execute(
        dialect.upsert(pools, ("workspace_id", "key"), tuple(values)),
        [{"workspace_id": ws, "key": key, "created_at": now, **values}],
    )
    return pool(conn, ws, key)


def pool(conn: Connection, ws: int, key: str) -> dict:
    row = conn.execute(select(pools).where(pools.c.workspace_id == ws, pools.c.key == key)).first()
    if row is None:
        raise NotFound(f"no coupon pool {key!r}")
    counts = conn.execute(
        select(func.count(), func.coalesce(func.sum(coupons.c.uses), 0)).where(
            coupons.c.pool_id == row.id
        )
    ).one()
    return {
        "key": row.key,
        "maxUses": row.max_uses,
        "perPerson": row.per_person,
        "personal": row.personal,
        "validFrom": row.valid_from,
        "validUntil": row.valid_until,
        "codes": int(counts[0]),
        "redemptions": int(counts[1]),
        "_id": row.id,
    }


def add_codes(
    conn: Connection,
    dialect: Dialect,
    ws: int,
    pool_key: str,
    codes: list[str],
    now,
    issued_to=None,
    issued_key=None,
) -> list[str]:
    found = pool(conn, ws, pool_key)
    rows = [
        {
            "workspace_id": ws,
            "pool_id": found["_id"],
            "code": normal(c),
            "uses": 0,
            "max_uses": found["maxUses"],
            "issued_to": issued_to,
            "issued_key": issued_key,
            "issued_at": now if issued_to else None,
            "created_at": now,
        }
        for c in codes
    ]
    if rows:
        conn.execute(dialect.insert_ignoring_duplicates(coupons, ("workspace_id", "code")), rows)
    taken = conn.execute(
        select(coupons.c.code, coupons.c.pool_id).where(
            coupons.c.workspace_id == ws, coupons.c.code.in_([r["code"] for r in rows])
        )
    ).all()
    foreign = [c for c, p in taken if p != found["_id"]]
    if foreign:
        raise Conflict(f"codes already in another pool: {', '.join(sorted(foreign)[:5])}")
    return [r["code"] for r in rows]


def check(
    conn: Connection, ws: int, codes: list[str], profile_id: str | None, now: datetime
) -> list[Check]:
    """Whether each code is valid for this person now, and why not."""
    wanted = [normal(c) for c in codes]
    rows = {
        r.code: r
        for r in conn.execute(
            select(
                coupons,
                pools.c.key.label("pool_key"),
                pools.c.valid_from,
                pools.c.valid_until,
                pools.c.per_person,
                pools.c.personal,
            )
            .join(pools, pools.c.id == coupons.c.pool_id)
            .where(coupons.c.workspace_id == ws, coupons.c.code.in_(wanted))
        )
    }
    found = []
    for code in wanted:
        row = rows.get(code)
        reason = _why_not(conn, row, profile_id, now) if row else "unknown coupon code"
        found.append(
            Check(code, row.pool_key if row and reason is None else None, reason or "valid")
        )
    return found


def _why_not(conn: Connection, row: Any, profile_id: str | None, now: datetime) -> str | None:
    if row.valid_from and now < row.valid_from:
        return f"not valid before {row.valid_from.isoformat()}"
    if row.valid_until and now >= row.valid_until:
        return f"expired at {row.valid_until.isoformat()}"
    if row.uses >= row.max_uses:
        return "already used" if row.max_uses == 1 else f"used up ({row.max_uses} uses)"
    if row.issued_to and row.personal and row.issued_to != profile_id:
        return "issued to another customer"
    if row.per_person and profile_id:
        used = _used_by(conn, row.pool_id, profile_id)
        if used >= row.per_person:
            return f"this customer already used the pool {used} time(s) (limit {row.per_person})"
    if row.per_person and not profile_id:
        return "limited per customer: the customer must be identified"
    return None


def _used_by(conn: Connection, pool_id: int, profile_id: str) -> int:
    return conn.execute(
        select(func.count()).where(
            redemptions.c.pool_id == pool_id,
            redemptions.c.profile_id == profile_id,
            redemptions.c.reversed_at.is_(None),
        )
    ).scalar_one()


def redeem(
    conn: Connection,
    dialect: Dialect,
    ws: int,
    code: str,
    order_id: str,
    profile_id: str | None,
    now: datetime,
) -> bool:
    """Use the code for this order in the caller's transaction: True when it was used now,
    False when this order had already used it; ``Conflict`` (roll back) when it cannot be."""
    (verdict,) = check(conn, ws, [code], profile_id, now)
    row = conn.execute(
        select(coupons).where(coupons.c.workspace_id == ws, coupons.c.code == normal(code))
    ).first()
    if row is None:
        raise InvalidInput.one("coupons", f"{code!r}: unknown coupon code")
    done = conn.execute(
        select(redemptions.c.id).where(
            redemptions.c.coupon_id == row.id, redemptions.c.order_id == order_id
        )
    ).first()
    if done is not None:
        return False
    if verdict.pool is None:
        raise Conflict(f"coupon {verdict.code}: {verdict.reason}")
    moved = conn.execute(
        update(coupons)
        .where(coupons.c.id == row.id, coupons.c.uses < coupons.c.max_uses)
        .values(uses=coupons.c.uses + 1)
    ).rowcount
    if moved != 1:
        raise Conflict(f"coupon {verdict.code}: already used")
    inserted = conn.execute(
        dialect.insert_ignoring_duplicates(redemptions, ("coupon_id", "order_id"))
        .values(
            workspace_id=ws,
            coupon_id=row.id,
            pool_id=row.pool_id,
            order_id=order_id,
            profile_id=profile_id,
            redeemed_at=now,
        )
        .returning(redemptions.c.id)
    ).scalar()
    if inserted is None:  # the same order redeemed it concurrently: give the use back
        raise Conflict(f"coupon {verdict.code}: being redeemed for this order already")
    return True


def release(conn: Connection, ws: int, order_id: str, now: datetime) -> int:
    """A cancelled or returned order gives its coupons back (once); how many."""
    rows = conn.execute(
        select(redemptions.c.id, redemptions.c.coupon_id).where(
            redemptions.c.workspace_id == ws,
            redemptions.c.order_id == order_id,
            redemptions.c.reversed_at.is_(None),
        )
    ).all()
    for row in rows:
        conn.execute(update(redemptions).where(redemptions.c.id == row.id).values(reversed_at=now))
        conn.execute(
            update(coupons).where(coupons.c.id == row.coupon_id).values(uses=coupons.c.uses - 1)
        )
    return len(rows)
