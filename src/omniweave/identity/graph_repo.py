"""Reads of the identity graph that the resolver plans against."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, or_, select

from omniweave.identity.rules import GraphView
from omniweave.store.dialect import Dialect
from omniweave.store.tables import identities, profile_separations, profiles

_CHUNK = 500  # keys per IN list: well under SQLite's variable limit


def load_view(
    conn: Connection, workspace_id: int, keys: Iterable[tuple[str, str]]
) -> tuple[GraphView, dict[tuple[str, str], int]]:
    """The part of the graph a batch of events touches: owners and ids of its identifiers,
    and the counts, ages and separations of the profiles they belong to."""
    view = GraphView()
    ids: dict[tuple[str, str], int] = {}
    keys = list(dict.fromkeys(keys))
    wanted = set(keys)
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        # type IN (...) AND value IN (...) walks the (workspace, type, value) index on both
        # backends; a row-value IN list does not on PostgreSQL. Extra pairs are filtered here.
        rows = conn.execute(
            select(identities.c.id, identities.c.type, identities.c.value, identities.c.profile_id)
            .where(identities.c.workspace_id == workspace_id)
            .where(identities.c.type.in_({k[0] for k in chunk}))
            .where(identities.c.value.in_({k[1] for k in chunk}))
        )
        for row in rows:
            if (row.type, row.value) in wanted:
                view.owner[(row.type, row.value)] = row.profile_id
                ids[(row.type, row.value)] = row.id
    add_profiles(conn, view, set(view.owner.values()))
    return view, ids


def add_profiles(conn: Connection, view: GraphView, profile_ids: set[str]) -> None:
    """Load counts, ages and separations of profiles not yet in the view."""
    wanted = [p for p in profile_ids if p not in view.created]
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        for row in conn.execute(
            select(profiles.c.id, profiles.c.created_seq).where(profiles.c.id.in_(chunk))
        ):
            view.created[row.id] = row.created_seq
            view.counts.setdefault(row.id, Counter())
        counted = conn.execute(
            select(identities.c.profile_id, identities.c.type, func.count())
            .where(identities.c.profile_id.in_(chunk))
            .group_by(identities.c.profile_id, identities.c.type)
        )
        for profile_id, kind, n in counted:
            view.counts[profile_id][kind] = n
        for a, b in conn.execute(
            select(profile_separations.c.profile_a, profile_separations.c.profile_b).where(
                or_(
                    profile_separations.c.profile_a.in_(chunk),
                    profile_separations.c.profile_b.in_(chunk),
                )
            )
        ):
            view.separated.add(frozenset((a, b)))


def identity_keys_of(conn: Connection, profile_id: str) -> list[list[str]]:
    rows = conn.execute(
        select(identities.c.type, identities.c.value)
        .where(identities.c.profile_id == profile_id)
        .order_by(identities.c.type, identities.c.value)
    )
    return [[r.type, r.value] for r in rows]


def root_of(conn: Connection, profile_id: str) -> str | None:
    """Follow ``merged_into`` to the profile an id resolves to today (None if unknown)."""
    current, seen = profile_id, set()
    while current not in seen:
        seen.add(current)
        row = conn.execute(select(profiles.c.merged_into).where(profiles.c.id == current)).first()
        if row is None:
            return None
        if row.merged_into is None:
            return current
        current = row.merged_into
    raise RuntimeError(f"merge cycle through {profile_id}")


def members_of(conn: Connection, root: str) -> list[str]:
    """The root and every profile that resolves to it."""
    found, frontier = [root], [root]
    while frontier:
        frontier = list(
            conn.execute(
                select(profiles.c.id).where(profiles.c.merged_into.in_(frontier))
            ).scalars()
        )
        found += frontier
    return found


def row_dicts(rows: Iterable[Any]) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in rows]


def separate(
    conn: Connection,
    dialect: Dialect,
    workspace_id: int,
    one: str,
    other: str,
    reason: str,
    now: datetime,
) -> None:
    """Keep two profiles apart from now on (a split, a rejected review, an inherited pair);
    recording an existing pair again changes nothing."""
    a, b = sorted((one, other))
    stmt = dialect.insert_ignoring_duplicates(profile_separations, ("profile_a", "profile_b"))
    conn.execute(
        stmt.values(
            profile_a=a, profile_b=b, workspace_id=workspace_id, reason=reason, created_at=now
        )
    )
