"""Real-time segment membership: a log consumer after identity, consents and traits that
re-evaluates every saved segment for the profiles a batch of events touched, stores who is in
now and every past stay, and announces each change as a ``Segment Entered`` or ``Segment
Exited`` event in the log (source ``omniweave``), for journeys.

The consumer's cursor ("segments") moves in the same transaction as the memberships and the
announcements, whose message ids are fixed by segment, profile and entry number: a crash or a
re-run neither loses nor doubles one. Windows (``withinDays``) move with time alone, so
``refresh`` re-evaluates every profile of every segment; run it periodically
(``omniweave segments refresh``, e.g. hourly).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Connection, Engine, select

from omniweave.core.errors import InvalidInput, NotFound
from omniweave.core.time import Clock
from omniweave.ingest.repo import append_events
from omniweave.ingest.rows import Envelope, Limits, event_rows
from omniweave.profiles.consent_model import ConsentPolicy
from omniweave.segments import membership_repo as repo
from omniweave.segments.compile import Context, members
from omniweave.segments.membership_model import Change, decide, message_for, target_for
from omniweave.segments.model import Node, parse, references
from omniweave.store import cursors
from omniweave.store.dialect import Dialect
from omniweave.store.segment_tables import segments
from omniweave.store.tables import events

CURSOR = "segments"
AFTER = ("identity", "consents", "traits")  # never read past the smallest of these
log = structlog.get_logger(__name__)


class SegmentMembership:
    def __init__(self, engine: Engine, clock: Clock, policy: ConsentPolicy | None = None) -> None:
        self.engine = engine
        self.dialect = Dialect.of(engine)
        self.clock = clock
        self.policy = policy or ConsentPolicy()

    def catch_up(self, batch_size: int = 2000, max_batches: int | None = None) -> int:
        """Re-evaluate the segments of the profiles that events since the last call touched;
        returns how many events were read (0: nothing is waiting)."""
        done = batches = 0
        while max_batches is None or batches < max_batches:
            batches += 1
            with self.engine.begin() as conn:
                now = self.clock()
                after, rows = cursors.pending(
                    conn, self.dialect, CURSOR, AFTER, now, batch_size, events.c.id
                )
                ids = [r.id for r in rows]
                if not ids:
                    return done
                for workspace_id, profile_ids in repo.touched(conn, after, ids[-1]).items():
                    self._evaluate(conn, workspace_id, sorted(profile_ids), now)
                cursors.move(conn, CURSOR, ids[-1], now)
            done += len(ids)
        return done

    def recompute(self, conn: Connection, profile_ids: Sequence[str]) -> int:
        """Re-evaluate these profiles in the caller's transaction (the identity service calls
        it after a split or a model merge, which do not pass through the log)."""
        changed = 0
        for workspace_id, ids in repo.workspace_of(conn, profile_ids).items():
            changed += self._evaluate(conn, workspace_id, sorted(ids), self.clock())
        return changed

    def refresh(self, workspace_id: int | None = None) -> int:
        """Re-evaluate every profile of every segment (of one workspace, or all): time-window
        segments change with time alone. Returns how many stays began or ended."""
        with self.engine.connect() as conn:
            if workspace_id is None:
                workspaces = sorted(
                    {r.workspace_id for r in conn.execute(select(segments.c.workspace_id))}
                )
            else:
                workspaces = [workspace_id]
        changed = 0
        for ws in workspaces:
            with self.engine.begin() as conn:
                now = self.clock()
                dead = repo.dead_members(conn, ws)
                changed += self._evaluate(conn, ws, dead, now) if dead else 0
                changed += self._evaluate(conn, ws, None, now)
        return changed

    def compute(self, conn: Connection, workspace_id: int, name: str) -> int:
        """Full membership of a segment just saved, and of the segments that refer to it, in
        the caller's transaction. Returns how many stays began or ended."""
        rows = repo.saved(conn, workspace_id)
        affected = _dependents(rows, name)
        return self._evaluate(conn, workspace_id, None, self.clock(), only=affected)

    def current(self, workspace_id: int, name: str, after: str = "", limit: int = 100) -> dict:
        """A page of the segment's members now, in profile id order."""
        with self.engine.connect() as conn:
            row = next((r for r in repo.saved(conn, workspace_id) if r.name == name), None)
            if row is None:
                raise NotFound(f"no segment named {name!r}")
            page = repo.current_members(conn, row.id, after, limit)
        found = [
            {"profileId": r.profile_id, "enteredAt": r.entered_at, "entry": r.entry} for r in page
        ]
        return {
            "segment": name,
            "members": found,
            "next": found[-1]["profileId"] if len(found) == limit else None,
        }

    # --- inside ------------------------------------------------------------------------

    def _evaluate(
        self,
        conn: Connection,
        workspace_id: int,
        profile_ids: Sequence[str] | None,
        now: datetime,
        only: set[str] | None = None,
    ) -> int:
        """Re-evaluate the given profiles (None: all) in every segment (or ``only`` these)."""
        rows = repo.saved(conn, workspace_id)
        context = _context(rows, workspace_id, now, self.dialect.name, self.policy)
        changed = 0
        for row in rows:
            if only is not None and row.name not in only:
                continue
            try:
                node = parse(row.definition, f"segment {row.name}")
                members(node, context)  # compiles it now: a broken one is skipped here
            except InvalidInput as exc:  # one broken definition must not stop the log
                log.warning("segment_skipped", segment=row.name, error=str(exc))
                continue
            changes = self._decide(conn, row.id, node, context, profile_ids)
            repo.apply(conn, workspace_id, row.id, changes, now)
            self._announce(conn, workspace_id, row.name, changes, now)
            changed += len(changes)
        return changed

    def _decide(
        self,
        conn: Connection,
        segment_id: int,
        node: Node,
        context: Context,
        profile_ids: Sequence[str] | None,
    ) -> list[Change]:
        if profile_ids is None:
            found = set(conn.execute(members(node, context)).scalars())
            stays = repo.open_stays(conn, segment_id, None)
            candidates = repo.resolved(conn, sorted(found | set(stays)))
        else:
            candidates = repo.resolved(conn, profile_ids)
            roots = {r for r in candidates.values() if r is not None} - set(candidates)
            candidates.update((r, r) for r in roots)
            live = sorted(p for p, r in candidates.items() if r == p)
            found = set()
            for chunk in repo.chunks(live):
                query = members(node, replace(context, only=tuple(chunk)))
                found.update(conn.execute(query).scalars())
            stays = repo.open_stays(conn, segment_id, sorted(candidates))
        counts = repo.entries(conn, segment_id, sorted(candidates))
        return decide(candidates, stays, counts, found)

    def _announce(
        self,
        conn: Connection,
        workspace_id: int,
        segment: str,
        changes: list[Change],
        now: datetime,
    ) -> None:
        told = [c for c in changes if c.kind in ("enter", "exit")]
        if not told:
            return
        whose = {c.profile_id: c.source or c.profile_id for c in told}
        known = repo.identifiers(conn, sorted(set(whose.values())))
        messages = [
            message_for(
                segment, c, now, target_for(c.profile_id, known.get(whose[c.profile_id], []))
            )
            for c in told
        ]
        source_id = repo.own_source(conn, workspace_id, now)
        envelope = Envelope(workspace_id, source_id, now, origin="segments")
        rows = event_rows(messages, envelope, Limits())
        append_events(
            conn, self.dialect, [{k: v for k, v in r.items() if k[0] != "_"} for r in rows]
        )


def _context(
    rows: list[Any], workspace_id: int, now: datetime, dialect: str, policy: ConsentPolicy
) -> Context:
    definitions = {r.name: r.definition for r in rows}

    def definition(name: str) -> Node | None:
        found = definitions.get(name)
        return None if found is None else parse(found, f"segment {name}")

    return Context(workspace_id, now, dialect, definition, policy=policy)


def _dependents(rows: list[Any], name: str) -> set[str]:
    """The segment and every segment that refers to it, directly or through others."""
    refers: dict[str, set[str]] = {}
    for row in rows:
        try:
            refers[row.name] = set(references(parse(row.definition)))
        except InvalidInput:
            refers[row.name] = set()
    found, grew = {name}, True
    while grew:
        grew = False
        for other, uses in refers.items():
            if other not in found and uses & found:
                found.add(other)
                grew = True
    return found
