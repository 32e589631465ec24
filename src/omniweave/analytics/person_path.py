"""One person's touchpoints and conversions read from the store (SQLite or PostgreSQL), across
every profile merged into them: ``GET /api/profiles/{id}/path``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, select

from omniweave.analytics.touches import (
    ATTRIBUTED_KINDS,
    STORE_VISIT,
    VISIT_TYPES,
    Conversion,
    Touch,
    message_touches,
    path_labels,
    paths,
    store_order_touch,
    visit_touch,
)
from omniweave.core.time import as_utc
from omniweave.identity.graph_repo import members_of
from omniweave.store.message_tables import messages
from omniweave.store.tables import event_identities, events, identities, orders


def touches_and_conversions(
    conn: Connection, root: str, until: datetime
) -> tuple[list[Touch], list[Conversion]]:
    """Everything that touched the person, and their paid orders, before ``until``."""
    found: list[Touch] = []
    attributed = (
        select(
            events.c.id,
            events.c.timestamp,
            events.c.type,
            events.c.event,
            events.c.context,
            events.c.properties,
            events.c.source_id,
            events.c.message_id,
        )
        .join(event_identities, event_identities.c.event_id == events.c.id)
        .join(identities, identities.c.id == event_identities.c.identity_id)
        .where(identities.c.profile_id == root, events.c.timestamp < until)
    )
    for r in conn.execute(attributed.where(events.c.type.in_(VISIT_TYPES))):
        if r.context or r.event == STORE_VISIT:
            touch = visit_touch(r.id, as_utc(r.timestamp), r.type, r.event, r.context, r.properties)
            if touch is not None:
                found.append(touch)
    sent = select(messages).where(
        messages.c.profile_id.in_(members_of(conn, root)), messages.c.sent_at < until
    )
    for row in conn.execute(sent).mappings():
        row = {**row, **{k: as_utc(row[k]) if row[k] else None for k in _TIMES}}
        found += [t for t in message_touches(row) if t.at < until]
    linked = attributed.subquery()
    order_rows = conn.execute(
        select(
            orders.c.id,
            orders.c.order_id,
            orders.c.channel,
            orders.c.store,
            orders.c.payment_status,
            orders.c.total,
            orders.c.placed_at,
        )
        .join(
            linked,
            and_(
                linked.c.source_id == orders.c.source_id, linked.c.message_id == orders.c.message_id
            ),
        )
        .where(orders.c.placed_at < until)
    ).mappings()
    conversions = []
    for o in order_rows:
        o = {**o, "placed_at": as_utc(o["placed_at"])}
        touch = store_order_touch(o, o["id"])
        if touch is not None:
            found.append(touch)
        if o["payment_status"] == "paid":
            conversions.append(
                Conversion(o["placed_at"], o["order_id"], float(o["total"]), o["channel"], o["id"])
            )
    return found, conversions


_TIMES = ("sent_at", "opened_at", "clicked_at")


def person_paths(conn: Connection, root: str, now: datetime, by: str = "channel") -> dict[str, Any]:
    """The person's paths, oldest first: each conversion with the touches that led to it."""
    touches, conversions = touches_and_conversions(conn, root, now)
    shown = [
        p
        for p in paths(touches, conversions)
        if p["conversion"] is not None or any(t.kind in ATTRIBUTED_KINDS for t in p["touches"])
    ]
    return {
        "profileId": root,
        "asOf": now,
        "rule": "touches up to each paid order; opens and clicks are shown, not attributed",
        "paths": [
            {
                "conversion": None if p["conversion"] is None else _conversion(p["conversion"]),
                "channels": list(
                    path_labels([t for t in p["touches"] if t.kind in ATTRIBUTED_KINDS], by)
                ),
                "touches": [_touch(t) for t in p["touches"]],
            }
            for p in shown
        ],
    }


def _conversion(c: Conversion) -> dict[str, Any]:
    return {"at": c.at, "orderId": c.order_id, "revenue": c.revenue, "channel": c.channel}


def _touch(t: Touch) -> dict[str, Any]:
    return {
        "at": t.at,
        "kind": t.kind,
        "channel": t.channel,
        "campaign": t.campaign,
        "attributed": t.kind in ATTRIBUTED_KINDS,
        **({"detail": t.detail} if t.detail else {}),
    }
