"""How far the first reader of the event log may go without ever skipping an event.

On PostgreSQL event ids come from a sequence at insert time, but transactions commit in any
order: id 100 may become visible after id 101, or never (a rolled-back insert, or an
``ON CONFLICT DO NOTHING`` duplicate, burns its id). A reader that moved its cursor past a
missing id could lose the event for good. So a missing id stops the reader until it is
proven final: every transaction that could hold it has ended. Any such transaction was
running (or about to get its transaction id) when the gap was first seen, so its id is below
that snapshot's ``xmax``; once the oldest running transaction (``xmin``) has passed it, the
gap is confirmed against a second snapshot the same way (covering an insert that had drawn
its id but not yet its transaction id) and then skipped. SQLite has one writer: its ids
commit in order and it never waits.

Every later consumer reads no further than this reader's cursor, so they inherit the order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from omniweave.store.dialect import Dialect

_SNAPSHOT = text(
    "SELECT pg_snapshot_xmax(s)::text::bigint AS xmax, "
    "ARRAY(SELECT x::text::bigint FROM pg_snapshot_xip(s) AS x) AS running, "
    "pg_current_xact_id_if_assigned()::text::bigint AS own "
    "FROM (SELECT pg_current_snapshot() AS s) AS now"
)


@dataclass
class _Gap:
    first_xmax: int
    confirm_xmax: int | None = None


@dataclass
class LogHorizon:
    dialect: Dialect
    gaps: dict[int, _Gap] = field(default_factory=dict)  # by the first missing id

    def readable(self, conn: Connection, after: int, ids: Sequence[int]) -> int:
        """How many of ``ids`` (ascending, all after ``after``) may be read now: up to the
        first missing id that may still appear."""
        if self.dialect.name != "postgresql" or not ids:
            return len(ids)
        expected, count = after + 1, 0
        for event_id in ids:
            if event_id != expected and not self._final(conn, expected):
                break
            count += 1
            expected = event_id + 1
        return count

    def _final(self, conn: Connection, first_missing: int) -> bool:
        """Advance the gap's proof with fresh snapshots (three at most: in a quiet moment a
        gap is proven at once; otherwise the next rounds go on from where this one stopped)."""
        for _ in range(3):
            xmin, xmax = _snapshot(conn)
            gap = self.gaps.get(first_missing)
            if gap is None:
                self.gaps[first_missing] = _Gap(xmax)
            elif gap.confirm_xmax is None:
                if xmin < gap.first_xmax:
                    return False
                gap.confirm_xmax = xmax
            elif xmin >= gap.confirm_xmax:
                del self.gaps[first_missing]
                return True
            else:
                return False
        return False


def _snapshot(conn: Connection) -> tuple[int, int]:
    """(the oldest transaction still running other than ours, the next transaction id)."""
    row = conn.execute(_SNAPSHOT).one()
    others = [x for x in row.running if x != row.own]
    return (min(others) if others else row.xmax), row.xmax
