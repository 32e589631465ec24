"""How far the first reader of the event log may go without ever skipping an event.

On PostgreSQL event ids come from a sequence at insert time, but transactions commit in any
order: id 100 may become visible after id 101, or never (a rolled-back insert, or an
``ON CONFLICT DO NOTHING`` duplicate, burns its id). A reader that moved its cursor past a
missing id could lose the event for good. So a missing id stops the reader until it is
proven final, with two snapshots a round: one before the read, one after it.

- Writers take their transaction id before drawing event ids
  (``ingest.repo.append_events``), so whoever holds a missing id had a transaction id before
  the later id was even drawn, hence before the read that found the gap: its id is below the
  ``xmax`` of the snapshot taken after that read, which the gap remembers.
- In a later round, if the oldest other transaction running before the read is past that
  ``xmax``, the holder ended before this read began: had it committed, the read would show
  the id. Still missing means rolled back or burned (``ON CONFLICT DO NOTHING`` draws ids
  too): the gap is final and skipped.

SQLite has one writer: its ids commit in order and it never waits.
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
class LogHorizon:
    dialect: Dialect
    # The first missing id of each gap, with the xmax of the snapshot after the read that
    # found it.
    gaps: dict[int, int] = field(default_factory=dict)
    fresh_gap: bool = False  # the last call found a gap it had not seen before
    _xmin_before: int = 0

    def before_read(self, conn: Connection) -> None:
        """Call right before reading the rows that ``readable`` will judge."""
        if self.dialect.name == "postgresql":
            self._xmin_before = _snapshot(conn)[0]

    def readable(self, conn: Connection, after: int, ids: Sequence[int]) -> int:
        """How many of ``ids`` (ascending, all after ``after``, read since ``before_read``)
        may be consumed now: up to the first missing id that may still appear."""
        self.fresh_gap = False
        if self.dialect.name != "postgresql" or not ids:
            return len(ids)
        expected, count = after + 1, 0
        for event_id in ids:
            if event_id != expected:
                seen = self.gaps.get(expected)
                if seen is None:
                    self.gaps[expected] = _snapshot(conn)[1]
                    self.fresh_gap = True
                    break
                if self._xmin_before < seen:
                    break
                del self.gaps[expected]
            count += 1
            expected = event_id + 1
        return count


def _snapshot(conn: Connection) -> tuple[int, int]:
    """(the oldest transaction still running other than ours, the next transaction id)."""
    row = conn.execute(_SNAPSHOT).one()
    others = [x for x in row.running if x != row.own]
    return (min(others) if others else row.xmax), row.xmax
