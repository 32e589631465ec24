"""Stock levels and pickup reservations. Every change is one conditional UPDATE, so two
orders holding the last unit at once cannot both succeed (on PostgreSQL the second waits
for the first's row lock, then finds the condition false), and ``reserved`` never passes
``on_hand`` (a CHECK constraint says so too)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, and_, select, update

from omniweave.commerce.catalog_store import Counts
from omniweave.commerce.stock_model import Level, StockChange
from omniweave.store.commerce_tables import stock_levels as sv
from omniweave.store.commerce_tables import stock_locations as sl
from omniweave.store.commerce_tables import stock_reservations as sr
from omniweave.store.dialect import Dialect


def _key(workspace_id: int, location_id: str, sku: str):
    return and_(sv.c.workspace_id == workspace_id, sv.c.location_id == location_id, sv.c.sku == sku)


def levels(
    conn: Connection,
    dialect: Dialect,
    workspace_id: int,
    location_id: str,
    skus: Sequence[str],
    lock: bool = False,
) -> dict[str, tuple[Level, int]]:
    """The levels (and versions) of these skus at a location; locked on PostgreSQL if asked."""
    query = select(sv.c.sku, sv.c.on_hand, sv.c.reserved, sv.c.version).where(
        sv.c.workspace_id == workspace_id,
        sv.c.location_id == location_id,
        sv.c.sku.in_(sorted(set(skus))),
    )
    if lock and dialect.name == "postgresql":
        query = query.order_by(sv.c.sku).with_for_update()
    return {r.sku: (Level(r.on_hand, r.reserved), r.version) for r in conn.execute(query)}


def set_on_hand(
    conn: Connection,
    workspace_id: int,
    location_id: str,
    wanted: dict[str, int],
    stored: dict[str, tuple[Level, int]],
    now: datetime,
) -> tuple[Counts, list[StockChange]]:
    """Write absolute on-hand counts (checked by the caller against ``stored``, read locked)."""
    counts, changes, fresh = Counts(), [], []
    for sku in sorted(wanted):
        on_hand = wanted[sku]
        if sku not in stored:
            fresh.append(
                {
                    "workspace_id": workspace_id,
                    "location_id": location_id,
                    "sku": sku,
                    "on_hand": on_hand,
                    "reserved": 0,
                    "version": 1,
                    "updated_at": now,
                }
            )
            counts.created += 1
            changes.append(StockChange(location_id, sku, None, on_hand, 1))
            continue
        level, version = stored[sku]
        if level.on_hand == on_hand:
            counts.unchanged += 1
            continue
        conn.execute(
            update(sv)
            .where(_key(workspace_id, location_id, sku))
            .values(on_hand=on_hand, version=version + 1, updated_at=now)
        )
        counts.updated += 1
        changes.append(
            StockChange(location_id, sku, level.available, on_hand - level.reserved, version + 1)
        )
    if fresh:
        conn.execute(sv.insert(), fresh)
    return counts, changes


def hold(
    conn: Connection, workspace_id: int, location_id: str, sku: str, units: int, now: datetime
) -> bool:
    """Reserve ``units`` if that many are available; False (nothing written) if not."""
    done = conn.execute(
        update(sv)
        .where(_key(workspace_id, location_id, sku), sv.c.on_hand - sv.c.reserved >= units)
        .values(reserved=sv.c.reserved + units, version=sv.c.version + 1, updated_at=now)
    )
    return done.rowcount == 1


def give_back(
    conn: Connection,
    workspace_id: int,
    location_id: str,
    sku: str,
    units: int,
    now: datetime,
    taken: bool,
) -> StockChange | None:
    """End a hold: ``taken`` (collected) takes the units off the shelf too; otherwise they
    are available again. Returns the change of availability."""
    row = conn.execute(
        update(sv)
        .where(_key(workspace_id, location_id, sku), sv.c.reserved >= units)
        .values(
            reserved=sv.c.reserved - units,
            on_hand=sv.c.on_hand - units if taken else sv.c.on_hand,
            version=sv.c.version + 1,
            updated_at=now,
        )
        .returning(sv.c.on_hand, sv.c.reserved, sv.c.version)
    ).first()
    if row is None:
        return None
    after = row.on_hand - row.reserved
    before = after if taken else after - units
    return StockChange(location_id, sku, before, after, row.version)


def reservations(conn: Connection, workspace_id: int, order_id: str) -> list:
    return conn.execute(
        select(sr)
        .where(sr.c.workspace_id == workspace_id, sr.c.order_id == order_id)
        .order_by(sr.c.sku)
    ).all()


def add_reservations(conn: Connection, dialect: Dialect, rows: list[dict]) -> None:
    if rows:
        conn.execute(
            dialect.insert_ignoring_duplicates(sr, ("workspace_id", "order_id", "sku")), rows
        )


def settle(
    conn: Connection,
    workspace_id: int,
    order_id: str,
    sku: str,
    status: str,
    reason: str,
    now: datetime,
) -> bool:
    """Mark a held reservation released or converted; False if it was not held any more."""
    done = conn.execute(
        update(sr)
        .where(
            sr.c.workspace_id == workspace_id,
            sr.c.order_id == order_id,
            sr.c.sku == sku,
            sr.c.status == "held",
        )
        .values(status=status, reason=reason, settled_at=now)
    )
    return done.rowcount == 1


def expired(conn: Connection, now: datetime, limit: int) -> list:
    """Held reservations past their time, oldest first: (workspace, order) to release."""
    return conn.execute(
        select(sr.c.workspace_id, sr.c.order_id, sr.c.expires_at)
        .where(sr.c.status == "held", sr.c.expires_at <= now)
        .group_by(sr.c.workspace_id, sr.c.order_id, sr.c.expires_at)
        .order_by(sr.c.expires_at)
        .limit(limit)
    ).all()


def location(conn: Connection, workspace_id: int, location_id: str):
    return conn.execute(
        select(sl).where(sl.c.workspace_id == workspace_id, sl.c.location_id == location_id)
    ).first()


def availability(
    conn: Connection, workspace_id: int, skus: Sequence[str], location_id: str | None = None
) -> list:
    """Levels of these skus at every location (or one), with the location's facts."""
    query = (
        select(
            sv.c.location_id,
            sv.c.sku,
            sv.c.on_hand,
            sv.c.reserved,
            sv.c.updated_at,
            sl.c.name,
            sl.c.kind,
            sl.c.region,
            sl.c.is_pickup_point,
        )
        .join(
            sl,
            and_(sl.c.workspace_id == sv.c.workspace_id, sl.c.location_id == sv.c.location_id),
        )
        .where(sv.c.workspace_id == workspace_id)
        .order_by(sv.c.sku, sv.c.location_id)
    )
    if skus:
        query = query.where(sv.c.sku.in_(sorted(set(skus))))
    if location_id is not None:
        query = query.where(sv.c.location_id == location_id)
    return conn.execute(query.limit(10_000)).all()
