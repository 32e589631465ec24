"""Reading back what was ingested: the log, an order, a customer record."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from omniweave.store.tables import customer_records, events, orders, sources

EVENT_COLUMNS = (
    events.c.id,
    events.c.message_id,
    events.c.type,
    events.c.event,
    events.c.user_id,
    events.c.anonymous_id,
    events.c.group_id,
    events.c.previous_id,
    events.c.properties,
    events.c.traits,
    events.c.context,
    events.c.extra,
    events.c.timestamp,
    events.c.original_timestamp,
    events.c.sent_at,
    events.c.received_at,
    events.c.origin,
    sources.c.name.label("source"),
)


def list_events(
    conn: Connection,
    workspace_id: int,
    *,
    after_id: int = 0,
    limit: int = 100,
    source: str | None = None,
    user_id: str | None = None,
    anonymous_id: str | None = None,
    type_: str | None = None,
    event: str | None = None,
) -> list[dict[str, Any]]:
    """Events in log order (by id), a page at a time: ``after_id`` is the cursor."""
    query = (
        select(*EVENT_COLUMNS)
        .join(sources, sources.c.id == events.c.source_id)
        .where(events.c.workspace_id == workspace_id, events.c.id > after_id)
        .order_by(events.c.id)
        .limit(limit)
    )
    for column, value in (
        (sources.c.name, source),
        (events.c.user_id, user_id),
        (events.c.anonymous_id, anonymous_id),
        (events.c.type, type_),
        (events.c.event, event),
    ):
        if value is not None:
            query = query.where(column == value)
    return [dict(r._mapping) for r in conn.execute(query)]


def get_order(conn: Connection, workspace_id: int, order_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        select(orders, sources.c.name.label("source"))
        .join(sources, sources.c.id == orders.c.source_id)
        .where(orders.c.workspace_id == workspace_id, orders.c.order_id == order_id)
    ).first()
    return None if row is None else dict(row._mapping)


def get_customer_record(
    conn: Connection, workspace_id: int, source: str, external_id: str
) -> dict[str, Any] | None:
    row = conn.execute(
        select(customer_records, sources.c.name.label("source"))
        .join(sources, sources.c.id == customer_records.c.source_id)
        .where(
            customer_records.c.workspace_id == workspace_id,
            sources.c.name == source,
            customer_records.c.external_id == external_id,
        )
    ).first()
    return None if row is None else dict(row._mapping)


def list_sources(conn: Connection, workspace_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(sources.c.id, sources.c.name, sources.c.kind, sources.c.created_at)
        .where(sources.c.workspace_id == workspace_id)
        .order_by(sources.c.id)
    )
    return [dict(r._mapping) for r in rows]
