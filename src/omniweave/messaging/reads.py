"""Every message with its person, origin, channel, status, cost and the decision's reason:
``GET /api/messages`` and the campaign and journey numbers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from omniweave.store.message_tables import messages as m

FILTERS = ("profile_id", "origin", "origin_name", "status", "channel", "template")


def view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "key": row.key,
        "profileId": row.profile_id,
        "origin": {"kind": row.origin, "name": row.origin_name, "id": row.origin_id},
        "step": row.step,
        "template": {"name": row.template, "version": row.template_version},
        "topic": row.topic,
        "transactional": row.transactional,
        "dedupKey": row.dedup_key,
        "channel": row.channel,
        "address": row.address,
        "status": row.status,
        "cost": row.cost,
        "reason": (row.decision or {}).get("reason"),
        "decision": row.decision,
        "attempts": row.attempts,
        "lastError": row.last_error,
        "fallbackOf": row.fallback_of,
        "createdAt": row.created_at,
        "sentAt": row.sent_at,
        "deliveredAt": row.delivered_at,
        "openedAt": row.opened_at,
        "clickedAt": row.clicked_at,
    }


def listing(
    conn: Connection, workspace_id: int, filters: dict[str, Any], before: int | None, limit: int
) -> dict[str, Any]:
    """Newest first, a page at a time (``before``: the last id of the previous page)."""
    query = select(m).where(m.c.workspace_id == workspace_id)
    for name, value in filters.items():
        if value is not None:
            query = query.where(m.c[name] == value)
    if before is not None:
        query = query.where(m.c.id < before)
    rows = conn.execute(query.order_by(m.c.id.desc()).limit(limit)).all()
    found = [view(r) for r in rows]
    return {"messages": found, "next": found[-1]["id"] if len(found) == limit else None}


def one(conn: Connection, workspace_id: int, message_id: int) -> dict[str, Any] | None:
    row = conn.execute(
        select(m).where(m.c.workspace_id == workspace_id, m.c.id == message_id)
    ).first()
    return None if row is None else view(row)


def numbers(conn: Connection, where: Any, sms_cost: Decimal) -> dict[str, Any]:
    """Per channel and status: how many and what they cost; and what sending the same
    people by SMS would have cost (the cascade's saving)."""
    rows = conn.execute(
        select(m.c.channel, m.c.status, func.count(), func.sum(m.c.cost))
        .where(where)
        .group_by(m.c.channel, m.c.status)
    ).all()
    by_channel: dict[str, dict[str, int]] = {}
    by_status: dict[str, int] = {}
    cost = Decimal(0)
    sent = 0
    for channel, status, count, total in rows:
        by_status[status] = by_status.get(status, 0) + count
        if channel:
            by_channel.setdefault(channel, {})[status] = count
        if status not in ("suppressed", "held_out", "deferred", "failed", "bounced"):
            cost += Decimal(total or 0)
            sent += count
    as_sms = sms_cost * sent
    return {
        "byStatus": by_status,
        "byChannel": by_channel,
        "cost": cost,
        "costIfAllSms": as_sms,
        "saved": as_sms - cost,
    }
