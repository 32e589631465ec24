"""Keeping computed traits current: a log consumer after the identity resolver, a rebuild, and
a recompute for the profiles a merge or a split changed.

The unit of work is a profile: its traits are recomputed from all its relevant events (the
ones some definition reads, never page views), so a merge or a split needs nothing more than
recomputing the profiles involved. The cost of an update is the size of the touched profiles'
relevant histories (tens of orders and opens a person), not of the batch's events.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, update

from omniweave.core.errors import NotFound
from omniweave.core.time import Clock, parse_timestamp
from omniweave.identity.graph_repo import root_of
from omniweave.profiles import rfm, traits_repo
from omniweave.profiles.traits_fold import compute_all, history_of
from omniweave.profiles.traits_model import Catalog, load_catalog
from omniweave.store import cursors
from omniweave.store.dialect import Dialect
from omniweave.store.tables import events
from omniweave.store.trait_tables import computed_traits

CURSOR = "traits"
AFTER = "identity"  # the cursor this consumer never reads past
Progress = Callable[[int, int], None]


class TraitUpdater:
    def __init__(self, engine: Engine, catalog: Catalog, clock: Clock) -> None:
        self.engine = engine
        self.dialect = Dialect.of(engine)
        self.catalog = catalog
        self.clock = clock
        self._names = catalog.event_names()
        self._rfm = [d for d in catalog.definitions if d.aggregation == "rfm"]

    def catch_up(
        self,
        batch_size: int = 2000,
        on_progress: Progress | None = None,
        max_batches: int | None = None,
    ) -> int:
        """Recompute the profiles that events resolved since the last call touched; returns
        how many events were read. Reads only events the identity resolver has attributed."""
        done = batches = 0
        while max_batches is None or batches < max_batches:
            batches += 1
            with self.engine.begin() as conn:
                now = self.clock()
                after, rows = cursors.pending(
                    conn, self.dialect, CURSOR, (AFTER,), now, batch_size, events.c.id
                )
                ids = [r.id for r in rows]
                if not ids:
                    return done
                touched, merged = traits_repo.touched_profiles(conn, after, ids[-1], self._names)
                self.recompute(conn, sorted(touched | merged))
                cursors.move(conn, CURSOR, ids[-1], now)
            done += len(ids)
            if on_progress:
                on_progress(done, done)
        return done

    def recompute(self, conn: Connection, profile_ids: Sequence[str]) -> int:
        """Recompute these profiles' traits in the caller's transaction (after a merge or a
        split, pass both profiles); a merged id's values are dropped and its root recomputed.
        Returns how many live profiles were computed."""
        wanted = list(dict.fromkeys(profile_ids))
        live = traits_repo.workspaces_of(conn, wanted)
        gone = [p for p in wanted if p not in live]
        traits_repo.forget(conn, gone)
        roots = {r for r in (root_of(conn, p) for p in gone) if r and r not in live}
        live.update(traits_repo.workspaces_of(conn, sorted(roots)))
        self._compute(conn, live, self.clock())
        return len(live)

    def rebuild(self, on_progress: Progress | None = None, page: int = 500) -> int:
        """Recompute every live profile, then the workspace-wide cut points (RFM quintiles)
        and every profile's scores against them. Returns how many profiles were computed."""
        now = self.clock()
        with self.engine.connect() as conn:
            upto = cursors.peek(conn, AFTER)
            total = traits_repo.count_live(conn)
            workspaces = traits_repo.workspace_ids(conn)
        done = 0
        for workspace_id in workspaces:
            inputs: dict[str, dict[str, Any]] = {d.name: {} for d in self._rfm}
            after = ""
            while True:
                with self.engine.begin() as conn:
                    ids = traits_repo.live_profiles(conn, workspace_id, after, page)
                    if not ids:
                        break
                    found = self._compute(conn, dict.fromkeys(ids, workspace_id), now)
                for name, by_profile in found.items():
                    inputs[name].update(by_profile)
                after, done = ids[-1], done + len(ids)
                if on_progress:
                    on_progress(done, max(total, done))
            with self.engine.begin() as conn:
                self._score_all(conn, workspace_id, inputs, now)
        with self.engine.begin() as conn:
            traits_repo.forget_stale(conn, self.catalog.names)
            cursors.claim(conn, self.dialect, CURSOR, now)
            cursors.move(conn, CURSOR, upto, now)
        return done

    def view(self, workspace_id: int, profile_id: str) -> dict[str, Any]:
        """The computed traits of the profile an id resolves to today."""
        with self.engine.connect() as conn:
            root = root_of(conn, profile_id)
            if root is None or traits_repo.workspaces_of(conn, [root]).get(root) != workspace_id:
                raise NotFound(f"no profile {profile_id!r}")
            found = traits_view(conn, root, self.clock(), self.catalog)
        return {"requestedId": profile_id, "profile": root, "traits": found}

    # --- inside ------------------------------------------------------------------------

    def _compute(
        self, conn: Connection, live: dict[str, int], now: datetime
    ) -> dict[str, dict[str, Any]]:
        """Fold and store the traits of live profiles; returns their RFM inputs by trait."""
        rows = traits_repo.relevant_rows(conn, sorted(live), self._names)
        cutoffs = {
            (ws, d.name): traits_repo.load_cutoffs(conn, ws, d.name)
            for ws in set(live.values())
            for d in self._rfm
        }
        stored, inputs = [], {d.name: {} for d in self._rfm}
        for profile_id, workspace_id in live.items():
            values = compute_all(self.catalog, history_of(rows.get(profile_id, [])), now)
            for d in self.catalog.definitions:
                value = values[d.name].value
                if d.aggregation == "rfm":
                    inputs[d.name][profile_id] = value
                    value = rfm.score(value, cutoffs[(workspace_id, d.name)], d.rfm)
                stored.append(
                    {
                        "profile_id": profile_id,
                        "name": d.name,
                        "workspace_id": workspace_id,
                        "value": value,
                        "computed_at": now,
                        "window_days": d.window.days,
                        "basis": {"aggregation": d.aggregation, **values[d.name].basis},
                        "definition_hash": d.version,
                    }
                )
        traits_repo.replace_values(conn, sorted(live), stored)
        return inputs

    def _score_all(
        self, conn: Connection, workspace_id: int, inputs: dict[str, dict], now: datetime
    ) -> None:
        for d in self._rfm:
            by_profile = inputs[d.name]
            points = rfm.cutoffs(by_profile.values())
            customers = sum(1 for v in by_profile.values() if v)
            traits_repo.save_cutoffs(
                conn,
                self.dialect,
                {
                    "workspace_id": workspace_id,
                    "name": d.name,
                    "cutoffs": points,
                    "population": customers,
                    "computed_at": now,
                    "definition_hash": d.version,
                },
            )
            scored = [
                {"p": p, "n": d.name, "v": rfm.score(v, points, d.rfm)}
                for p, v in by_profile.items()
                if v
            ]
            if scored:
                table = computed_traits
                conn.execute(
                    update(table)
                    .where(table.c.profile_id == bindparam("p"), table.c.name == bindparam("n"))
                    .values(value=bindparam("v", type_=table.c.value.type)),
                    scored,
                )


def traits_view(
    conn: Connection, root: str, now: datetime | None = None, catalog: Catalog | None = None
) -> dict[str, dict[str, Any]]:
    """Each computed trait of a live profile: value, when, over which window, from what.
    ``days_since`` values count days to ``now`` (None: to when they were computed); with the
    ``catalog``, a value computed by an older definition says it is stale."""
    versions = {d.name: d.version for d in catalog.definitions} if catalog else {}
    found: dict[str, dict[str, Any]] = {}
    for row in traits_repo.values_of(conn, root):
        basis = dict(row.basis)
        entry: dict[str, Any] = {
            "value": row.value,
            "computedAt": row.computed_at,
            "window": {"days": row.window_days} if row.window_days else "all time",
            "from": {"definition": row.name, "version": row.definition_hash, **basis},
        }
        if basis.get("aggregation") == "days_since" and row.value is not None:
            as_of = now or row.computed_at
            entry["lastAt"] = row.value
            entry["asOf"] = as_of
            entry["value"] = (as_of - parse_timestamp(row.value)).days
        if catalog is not None and versions.get(row.name) != row.definition_hash:
            entry["stale"] = True
        found[row.name] = entry
    return found


def build_updater(engine: Engine, clock: Clock, traits_file: str = "") -> TraitUpdater:
    """The updater over the shipped definitions, or those in ``traits_file``."""
    return TraitUpdater(engine, load_catalog(traits_file or None), clock)
