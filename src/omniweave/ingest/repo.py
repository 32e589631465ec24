"""The event log's I/O: one idempotent multi-row INSERT per batch."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from omniweave.store.dialect import Dialect
from omniweave.store.tables import events

EventKey = tuple[int, str]


def append_events(conn: Connection, dialect: Dialect, rows: list[dict[str, Any]]) -> set[EventKey]:
    """Append rows, skipping any whose ``(source_id, message_id)`` is already in the log.
    Returns the keys of the rows that were new."""
    if not rows:
        return set()
    if dialect.name == "postgresql":
        # Take the transaction id before drawing event ids, so that whoever holds a drawn id
        # is visible as running (see store/log_horizon.py, which relies on it).
        conn.execute(text("SELECT pg_current_xact_id()"))
    stmt, params = dialect.append_rows(
        events, ("source_id", "message_id"), ("source_id", "message_id"), rows
    )
    return {(r[0], r[1]) for r in conn.execute(stmt, params)}
