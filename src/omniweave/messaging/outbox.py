"""The outbox: message rows written with their decision, claimed by senders, marked with the
provider's answer. A row's ``key`` is its idempotency key: writing it twice writes it once.

Claiming moves due rows to ``sending`` with a lease in a short transaction of its own
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers never take one row; SQLite has one
writer). A worker that dies mid-send leaves the lease to expire; the row is then sent again
with the same key, which providers (and our peers) use to drop the repeat.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from omniweave.store.dialect import Dialect, one_of
from omniweave.store.message_tables import messages

LEASE = timedelta(seconds=60)
DUE_STATUSES = ("queued", "deferred")


def existing(conn: Connection, key: str) -> dict[str, Any] | None:
    row = conn.execute(select(messages).where(messages.c.key == key)).mappings().first()
    return dict(row) if row else None


def write(conn: Connection, dialect: Dialect, row: dict[str, Any]) -> dict[str, Any]:
    """Insert the row unless its key exists; the stored row either way."""
    conn.execute(dialect.insert_ignoring_duplicates(messages, ("key",)).values(**row))
    stored = existing(conn, row["key"])
    assert stored is not None
    return stored


def existing_keys(conn: Connection, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 1000):
        chunk = list(keys[start : start + 1000])
        found |= set(
            conn.execute(
                select(messages.c.key).where(one_of(conn.dialect.name, messages.c.key, chunk))
            ).scalars()
        )
    return found


_DEFAULTS = {
    c.name: c.default.arg for c in messages.columns if c.default is not None and c.default.is_scalar
}


def write_many(conn: Connection, dialect: Dialect, rows: list[dict[str, Any]]) -> None:
    """Insert the rows whose keys are new, in one statement per batch (on PostgreSQL the
    batch travels as one JSON parameter, as the event log's append does)."""
    if not rows:
        return
    columns = set().union(*rows)  # every row must name every column
    uniform = [{**_DEFAULTS, **{c: row.get(c) for c in columns}} for row in rows]
    if dialect.name == "postgresql":
        statement, parameters = dialect.append_rows(messages, ("key",), ("id",), uniform)
        conn.execute(statement, parameters)
    else:
        conn.execute(dialect.insert_ignoring_duplicates(messages, ("key",)), uniform)


def claim_due(
    conn: Connection,
    dialect: Dialect,
    now: datetime,
    limit: int,
    channels: Sequence[str],
    lease: timedelta = LEASE,
) -> list[dict[str, Any]]:
    """Due rows (queued or deferred whose time has come, or sending whose lease expired),
    oldest first, moved to ``sending`` under a lease. Deferred rows come back for a new
    decision; the caller tells them apart by their previous status."""
    due = or_(
        and_(messages.c.status.in_(DUE_STATUSES), messages.c.next_attempt_at <= now),
        and_(messages.c.status == "sending", messages.c.lease_until < now),
    )
    query = (
        select(messages)
        .where(due, or_(messages.c.channel.in_(channels), messages.c.status == "deferred"))
        .order_by(messages.c.next_attempt_at, messages.c.id)
        .limit(limit)
    )
    if dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = [dict(r) for r in conn.execute(query).mappings()]
    if rows:
        conn.execute(
            update(messages)
            .where(messages.c.id.in_([r["id"] for r in rows]))
            .values(
                status="sending",
                lease_until=now + lease,
                attempts=messages.c.attempts + 1,
                updated_at=now,
            )
        )
    return rows


def mark(conn: Connection, message_id: int, now: datetime, **values: Any) -> None:
    conn.execute(
        update(messages).where(messages.c.id == message_id).values(updated_at=now, **values)
    )


def by_provider_id(conn: Connection, provider_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(messages).where(messages.c.provider_id == provider_id)).mappings()
    found = row.first()
    return dict(found) if found else None


def due_fallbacks(conn: Connection, now: datetime, limit: int) -> list[dict[str, Any]]:
    """Sent messages whose 'not opened by' time passed without an open or a click."""
    return [
        dict(r)
        for r in conn.execute(
            select(messages)
            .where(
                messages.c.fallback_at <= now,
                messages.c.status.in_(("sent", "delivered")),
            )
            .order_by(messages.c.fallback_at)
            .limit(limit)
        ).mappings()
    ]
