"""Log consumers' cursors: how far each (identity, consents, traits, segments) has read.

A consumer claims its cursor at the start of a batch (locked on PostgreSQL, so two workers
never process one batch twice; SQLite has one writer anyway) and moves it in the same
transaction as what it derived, so a crash neither loses nor repeats work.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select, update

from omniweave.store.dialect import Dialect
from omniweave.store.tables import events, log_cursors


def claim(conn: Connection, dialect: Dialect, name: str, now: datetime, lock: bool = True) -> int:
    """A cursor's position, the row created at 0 if missing; locked on PostgreSQL."""
    query = select(log_cursors.c.position).where(log_cursors.c.name == name)
    if lock and dialect.name == "postgresql":
        query = query.with_for_update()
    found = conn.execute(query).scalar()
    if found is None:
        stmt = dialect.insert_ignoring_duplicates(log_cursors, ("name",))
        conn.execute(stmt.values(name=name, position=0, updated_at=now))
        found = conn.execute(query).scalar_one()
    return found


def peek(conn: Connection, name: str) -> int:
    """Another consumer's position, without locking it (0 if it never ran)."""
    query = select(log_cursors.c.position).where(log_cursors.c.name == name)
    return conn.execute(query).scalar() or 0


def move(conn: Connection, name: str, to: int, now: datetime) -> None:
    conn.execute(
        update(log_cursors).where(log_cursors.c.name == name).values(position=to, updated_at=now)
    )


def pending(
    conn: Connection,
    dialect: Dialect,
    name: str,
    upstream: Sequence[str],
    now: datetime,
    limit: int,
    *columns: Any,
) -> tuple[int, list[Row[Any]]]:
    """Claim the consumer's cursor and read the next events (``columns`` of them, in id
    order) that every upstream consumer has already passed: (the cursor, the rows)."""
    after = claim(conn, dialect, name, now)
    upto = min(peek(conn, other) for other in upstream)
    rows = conn.execute(
        select(*columns)
        .where(events.c.id > after, events.c.id <= upto)
        .order_by(events.c.id)
        .limit(limit)
    ).all()
    return after, rows
