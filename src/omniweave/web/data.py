"""The dashboard's numbers: small read queries bucketed in Python (the same on SQLite and
PostgreSQL), shaped for the charts."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from omniweave.messaging.alerts import listing as alert_listing
from omniweave.store.message_tables import messages
from omniweave.store.tables import api_keys, events, orders, sources


def events_per_minute(conn: Connection, workspace_id: int, now: datetime, minutes: int = 60):
    """Events received per minute over the last ``minutes``, oldest first."""
    since = (now - timedelta(minutes=minutes - 1)).replace(second=0, microsecond=0)
    rows = conn.execute(
        select(events.c.received_at).where(
            events.c.workspace_id == workspace_id, events.c.received_at >= since
        )
    ).scalars()
    counts = Counter(t.replace(second=0, microsecond=0) for t in rows)
    labels = [since + timedelta(minutes=i) for i in range(minutes)]
    return {
        "labels": [t.strftime("%H:%M") for t in labels],
        "values": [counts.get(t, 0) for t in labels],
        "total": sum(counts.values()),
    }


SENT = ("sent", "delivered", "opened", "clicked")


def sends_by_channel(conn: Connection, workspace_id: int, now: datetime, days: int = 30):
    """Messages per channel and status, and what the sent ones cost, over ``days``."""
    rows = conn.execute(
        select(messages.c.channel, messages.c.status, func.count(), func.sum(messages.c.cost))
        .where(
            messages.c.workspace_id == workspace_id,
            messages.c.created_at >= now - timedelta(days=days),
        )
        .group_by(messages.c.channel, messages.c.status)
    ).all()
    by: dict[str, dict[str, Any]] = defaultdict(lambda: {"sent": 0, "other": 0, "cost": Decimal(0)})
    statuses: Counter[str] = Counter()
    for channel, status, count, cost in rows:
        statuses[status] += count
        if channel is None:
            continue
        entry = by[channel]
        entry["sent" if status in SENT else "other"] += count
        if status in SENT:
            entry["cost"] += Decimal(cost or 0)
    channels = sorted(by)
    return {
        "channels": channels,
        "sent": [by[c]["sent"] for c in channels],
        "other": [by[c]["other"] for c in channels],
        "cost": [float(by[c]["cost"]) for c in channels],
        "statuses": dict(statuses),
        "days": days,
    }


def revenue_by_day(conn: Connection, workspace_id: int, now: datetime, days: int = 30):
    since = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = conn.execute(
        select(orders.c.placed_at, orders.c.total).where(
            orders.c.workspace_id == workspace_id, orders.c.placed_at >= since
        )
    ).all()
    sums: dict[str, float] = defaultdict(float)
    for placed, total in rows:
        sums[placed.strftime("%m-%d")] += float(total or 0)
    labels = [(since + timedelta(days=i)).strftime("%m-%d") for i in range(days)]
    return {"labels": labels, "values": [round(sums.get(d, 0.0), 2) for d in labels]}


def source_health(conn: Connection, workspace_id: int) -> list[dict[str, Any]]:
    """Each source with its last event and open alert (a source refused again and again)."""
    last = dict(
        conn.execute(
            select(events.c.source_id, func.max(events.c.received_at))
            .where(events.c.workspace_id == workspace_id)
            .group_by(events.c.source_id)
        ).all()
    )
    alerts = {
        a["subject"]: a
        for a in alert_listing(conn, 500)
        if a["kind"] == "source" and a["resolved_at"] is None
    }
    rows = conn.execute(
        select(sources).where(sources.c.workspace_id == workspace_id).order_by(sources.c.name)
    ).all()
    return [
        {
            "id": r.id,
            "name": r.name,
            "kind": r.kind,
            "last_event": last.get(r.id),
            "alert": alerts.get(f"{workspace_id}/{r.name}"[:100]),
        }
        for r in rows
    ]


def alerts(conn: Connection, limit: int = 50) -> list[dict[str, Any]]:
    return alert_listing(conn, limit)


def keys(conn: Connection, workspace_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(
            api_keys.c.id,
            api_keys.c.name,
            api_keys.c.scope,
            api_keys.c.prefix,
            api_keys.c.source_id,
            api_keys.c.created_at,
            api_keys.c.revoked_at,
        )
        .where(api_keys.c.workspace_id == workspace_id)
        .order_by(api_keys.c.id)
    ).mappings()
    return [dict(r) for r in rows]
