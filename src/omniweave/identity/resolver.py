"""The incremental resolver: reads the log in order and keeps the identity graph up to date.

It runs as a log consumer (a cursor in ``log_cursors``), so ingestion stays fast and a crash
loses nothing: the cursor moves in the same transaction as the graph. ``rebuild`` wipes the
derived graph and replays the whole log through the same code, so it gives the same result.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import takewhile
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select, update

from omniweave.core.time import Clock
from omniweave.identity import erasures
from omniweave.identity.extract import identifiers_of
from omniweave.identity.graph_repo import load_view, separate
from omniweave.identity.model import Identifier, IdentityRules
from omniweave.identity.rules import EventPlan, GraphView, plan_event
from omniweave.store import cursors
from omniweave.store.dialect import Dialect
from omniweave.store.log_horizon import LogHorizon
from omniweave.store.tables import (
    event_identities,
    events,
    identities,
    identity_refusals,
    identity_sightings,
    log_cursors,
    profile_merges,
    profiles,
)

CURSOR = "identity"
_EVENT_COLUMNS = (
    events.c.id,
    events.c.received_at,
    events.c.workspace_id,
    events.c.source_id,
    events.c.type,
    events.c.user_id,
    events.c.anonymous_id,
    events.c.previous_id,
    events.c.traits,
    events.c.context,
    events.c.timestamp,
)
# Derived from the log: wiped by a rebuild. Separations and reviews are operators' decisions.
DERIVED = (identity_refusals, profile_merges, event_identities, identity_sightings, identities)

Progress = Callable[[int, int], None]
# The attribution note of an event that carried an erased person's identifier.
ERASED = {"type": "erased", "reason": "carries an erased person's identifier: not linked"}


@dataclass
class _Batch:
    """What one batch of events changes, gathered in memory and written at the end."""

    workspace_id: int
    view: GraphView
    ids: dict[tuple[str, str], int]
    new_identities: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    sightings: dict[tuple[tuple[str, str], int, str], datetime] = field(default_factory=dict)
    attributions: list[tuple[int, tuple[str, str] | None, list[dict]]] = field(default_factory=list)
    refusals: list[dict[str, Any]] = field(default_factory=list)


class Resolver:
    def __init__(
        self,
        engine: Engine,
        rules: IdentityRules,
        clock: Clock,
        settle_seconds: float = 0.0,
        erasure_key: bytes = b"",
    ) -> None:
        self.engine = engine
        # Hashes erased identifiers (privacy): an event carrying one is scrubbed, never linked.
        self.erasure_key = erasure_key
        self.dialect = Dialect.of(engine)
        self.rules = rules
        self.clock = clock
        # On PostgreSQL a transaction can commit a smaller event id after a larger one: the
        # horizon stops the reader at a missing id until it is proven final. ``settle`` adds a
        # fixed delay on top (an operator's margin; 0 by default).
        self.horizon = LogHorizon(self.dialect)
        self.settle = timedelta(seconds=settle_seconds if self.dialect.name != "sqlite" else 0)

    def catch_up(
        self,
        batch_size: int = 2000,
        on_progress: Progress | None = None,
        max_batches: int | None = None,
    ) -> int:
        """Resolve every settled event after the cursor (or ``max_batches`` batches of them);
        returns how many were resolved."""
        done = batches = 0
        total = self._backlog() if on_progress else 0
        retried = False
        while max_batches is None or batches < max_batches:
            batches += 1
            with self.engine.begin() as conn:
                position = cursors.claim(conn, self.dialect, CURSOR, self.clock())
                self.horizon.before_read(conn)
                rows = conn.execute(
                    select(*_EVENT_COLUMNS)
                    .where(events.c.id > position)
                    .order_by(events.c.id)
                    .limit(batch_size)
                ).all()
                settled = self.clock() - self.settle
                rows = list(takewhile(lambda r, at=settled: r.received_at <= at, rows))
                rows = rows[: self.horizon.readable(conn, position, [r.id for r in rows])]
                if not rows:
                    if self.horizon.fresh_gap and not retried:
                        retried = True  # a gap just seen may be proven final at once
                        continue
                    return done
                for workspace_id in dict.fromkeys(r.workspace_id for r in rows):
                    self._resolve(
                        conn, workspace_id, [r for r in rows if r.workspace_id == workspace_id]
                    )
                cursors.move(conn, CURSOR, rows[-1].id, self.clock())
            done += len(rows)
            if on_progress:
                on_progress(done, max(total, done))
        return done

    def rebuild(self, on_progress: Progress | None = None) -> int:
        """Forget the derived graph and replay the log from the start."""
        with self.engine.begin() as conn:
            for table in DERIVED:
                conn.execute(delete(table))
            conn.execute(delete(profiles))
            conn.execute(delete(log_cursors).where(log_cursors.c.name == CURSOR))
        return self.catch_up(on_progress=on_progress)

    # --- one batch ---------------------------------------------------------------------

    def _resolve(self, conn: Connection, workspace_id: int, rows: list[Any]) -> None:
        found = [(row, identifiers_of(row._asdict(), self.rules)) for row in rows]
        found = self._without_erased(conn, workspace_id, found)
        keys = [i.key for _, idents in found for i in idents or () if i.valid]
        view, ids = load_view(conn, workspace_id, keys)
        batch = _Batch(workspace_id, view, ids)
        for row, idents in found:
            if idents is None:  # an erased person's event: scrubbed, attributed to nobody
                batch.attributions.append((row.id, None, [ERASED]))
                continue
            plan = plan_event(idents, view, self.rules, workspace_id)
            self._apply(conn, batch, row, idents, plan)
        self._flush(conn, batch)

    def _without_erased(
        self, conn: Connection, workspace_id: int, found: list[tuple[Any, list[Identifier]]]
    ) -> list[tuple[Any, list[Identifier] | None]]:
        """Events carrying an erased person's identifier (or already scrubbed: their ids are
        tokens) lose their identifiers, and their payload is scrubbed in this transaction."""
        keys = {i.key for _, idents in found for i in idents if i.valid}
        erased = erasures.erased_among(conn, self.erasure_key, workspace_id, keys)
        result: list[tuple[Any, list[Identifier] | None]] = []
        for row, idents in found:
            if erasures.is_token(row.user_id) or erasures.is_token(row.anonymous_id):
                result.append((row, None))
            elif erased and any(i.key in erased for i in idents):
                conn.execute(
                    update(events)
                    .where(events.c.id == row.id)
                    .values(
                        erasures.scrubbed_event(
                            self.erasure_key, row.user_id, row.anonymous_id, row.previous_id
                        )
                    )
                )
                result.append((row, None))
            else:
                result.append((row, idents))
        return result

    def _apply(
        self, conn: Connection, batch: _Batch, row: Any, idents: list[Identifier], plan: EventPlan
    ) -> None:
        view, now = batch.view, self.clock()
        if plan.profile_id is not None:
            if plan.new_profile:
                conn.execute(
                    profiles.insert().values(
                        id=plan.profile_id,
                        workspace_id=batch.workspace_id,
                        created_seq=row.id,
                        created_at=row.timestamp,
                    )
                )
                view.created[plan.profile_id] = row.id
                view.counts[plan.profile_id] = Counter()
            for loser in plan.merged:
                self._merge(conn, batch, plan.profile_id, loser, plan, row.id, now)
            for ident in plan.attach:
                view.owner[ident.key] = plan.profile_id
                view.counts[plan.profile_id][ident.type] += 1
                batch.new_identities[ident.key] = {
                    "workspace_id": batch.workspace_id,
                    "type": ident.type,
                    "value": ident.value,
                    "profile_id": plan.profile_id,
                    "first_seen_at": row.timestamp,
                }
        refused = {r.identifier.key for r in plan.refused}
        for ident in idents:
            if ident.valid and ident.key not in refused:
                batch.sightings.setdefault((ident.key, row.source_id, ident.raw), row.timestamp)
        rejected = [i.as_dict() for i in plan.rejected]
        primary = plan.primary.key if plan.primary else None
        batch.attributions.append((row.id, primary, rejected))
        for refusal in plan.refused:
            batch.refusals.append(
                {
                    "workspace_id": batch.workspace_id,
                    "event_id": row.id,
                    "profile_id": plan.profile_id,
                    "identifier": refusal.identifier.as_dict(),
                    "profiles": list(refusal.profiles),
                    "reason": refusal.reason,
                    "decided_at": now,
                }
            )

    def _merge(
        self,
        conn: Connection,
        batch: _Batch,
        survivor: str,
        loser: str,
        plan: EventPlan,
        event_id: int,
        now: datetime,
    ) -> None:
        view = batch.view
        moved = merge_profiles(conn, survivor, loser, now)
        moved += [list(k) for k, v in batch.new_identities.items() if v["profile_id"] == loser]
        for key, owner in view.owner.items():
            if owner == loser:
                view.owner[key] = survivor
        for pending in batch.new_identities.values():
            if pending["profile_id"] == loser:
                pending["profile_id"] = survivor
        view.counts[survivor].update(view.counts.pop(loser, Counter()))
        inherit_separations(conn, self.dialect, view, survivor, loser, batch.workspace_id, now)
        conn.execute(
            profile_merges.insert().values(
                workspace_id=batch.workspace_id,
                survivor_id=survivor,
                merged_id=loser,
                rule="deterministic",
                identifiers=[i.as_dict() for i in plan.linking if view.owner.get(i.key)],
                explanation={
                    "rule": "shared identifier",
                    "detail": "the event carried identifiers of both profiles",
                },
                event_id=event_id,
                moved_identities=sorted(moved),
                decided_at=now,
            )
        )

    def _flush(self, conn: Connection, batch: _Batch) -> None:
        if batch.new_identities:
            stmt, params = self.dialect.append_rows(
                identities,
                ("workspace_id", "type", "value"),
                ("id", "type", "value"),
                list(batch.new_identities.values()),
            )
            for ident_id, kind, value in conn.execute(stmt, params):
                batch.ids[(kind, value)] = ident_id
        if batch.sightings:
            stmt, params = self.dialect.append_rows(
                identity_sightings,
                ("identity_id", "source_id", "raw"),
                ("identity_id",),
                [
                    {
                        "identity_id": batch.ids[key],
                        "source_id": src,
                        "raw": raw[:320],
                        "first_seen_at": at,
                    }
                    for (key, src, raw), at in batch.sightings.items()
                    if key in batch.ids
                ],
            )
            conn.execute(stmt, params)
        if batch.attributions:
            stmt, params = self.dialect.append_rows(
                event_identities,
                ("event_id",),
                ("event_id",),
                [
                    {
                        "event_id": event_id,
                        "workspace_id": batch.workspace_id,
                        "identity_id": batch.ids.get(primary) if primary else None,
                        "rejected": rejected or None,
                    }
                    for event_id, primary, rejected in batch.attributions
                ],
            )
            conn.execute(stmt, params)
        if batch.refusals:
            conn.execute(identity_refusals.insert(), batch.refusals)

    # --- the cursor --------------------------------------------------------------------

    def _backlog(self) -> int:
        with self.engine.connect() as conn:
            position = cursors.peek(conn, CURSOR)
            return conn.execute(
                select(func.count()).select_from(events).where(events.c.id > position)
            ).scalar_one()


def merge_profiles(conn: Connection, survivor: str, loser: str, now: datetime) -> list[list[str]]:
    """Move the loser's identities to the survivor; the loser's id resolves to it from now on.
    Returns the moved identities as [type, value] pairs (what a split gives back)."""
    moved = [
        [r.type, r.value]
        for r in conn.execute(
            select(identities.c.type, identities.c.value).where(identities.c.profile_id == loser)
        )
    ]
    conn.execute(
        update(identities).where(identities.c.profile_id == loser).values(profile_id=survivor)
    )
    conn.execute(
        update(profiles).where(profiles.c.id == loser).values(merged_into=survivor, merged_at=now)
    )
    return moved


def inherit_separations(
    conn: Connection,
    dialect: Dialect,
    view: GraphView,
    survivor: str,
    loser: str,
    workspace_id: int,
    now: datetime,
) -> None:
    """Whatever the loser was kept apart from, the survivor now is too."""
    for pair in [p for p in view.separated if loser in p]:
        (other,) = pair - {loser}
        if other == survivor:
            continue
        view.separated.add(frozenset((survivor, other)))
        reason = f"inherited from {loser} when it merged into {survivor}"
        separate(conn, dialect, workspace_id, survivor, other, reason, now)
