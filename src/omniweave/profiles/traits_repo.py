"""Reads and writes of computed traits: a profile's relevant events, stored values, cut points,
and the log cursor of the trait updater."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, delete, func, select

from omniweave.store.dialect import Dialect
from omniweave.store.tables import (
    event_identities,
    events,
    identities,
    profile_merges,
    profiles,
    sources,
)
from omniweave.store.trait_tables import computed_traits, trait_cutoffs

CHUNK = 500  # profile ids per IN list: well under SQLite's variable limit


def relevant_rows(
    conn: Connection, profile_ids: Sequence[str], names: Iterable[str]
) -> dict[str, list[dict[str, Any]]]:
    """Each profile's ``track`` events of the given names, through any of its identities."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    names = sorted(names)
    for start in range(0, len(profile_ids), CHUNK):
        rows = conn.execute(
            select(
                identities.c.profile_id,
                events.c.id,
                events.c.event,
                events.c.timestamp,
                events.c.properties,
                events.c.context,
                sources.c.name.label("source"),
                sources.c.kind.label("source_kind"),
            )
            .join(event_identities, event_identities.c.identity_id == identities.c.id)
            .join(events, events.c.id == event_identities.c.event_id)
            .join(sources, sources.c.id == events.c.source_id)
            .where(identities.c.profile_id.in_(profile_ids[start : start + CHUNK]))
            .where(events.c.type == "track", events.c.event.in_(names))
        )
        for row in rows:
            found[row.profile_id].append(row._asdict())
    return found


def workspaces_of(conn: Connection, profile_ids: Sequence[str]) -> dict[str, int]:
    """Live profiles among ``profile_ids`` and their workspace."""
    found = {}
    for start in range(0, len(profile_ids), CHUNK):
        found.update(
            conn.execute(
                select(profiles.c.id, profiles.c.workspace_id)
                .where(profiles.c.id.in_(profile_ids[start : start + CHUNK]))
                .where(profiles.c.merged_into.is_(None))
            ).all()
        )
    return found


def live_profiles(conn: Connection, workspace_id: int, after: str, limit: int) -> list[str]:
    """A page of the workspace's live profiles in id order (the rebuild walks them)."""
    return list(
        conn.execute(
            select(profiles.c.id)
            .where(profiles.c.workspace_id == workspace_id, profiles.c.merged_into.is_(None))
            .where(profiles.c.id > after)
            .order_by(profiles.c.id)
            .limit(limit)
        ).scalars()
    )


def workspace_ids(conn: Connection) -> list[int]:
    return list(conn.execute(select(profiles.c.workspace_id).distinct()).scalars())


def count_live(conn: Connection) -> int:
    return conn.execute(
        select(func.count()).select_from(profiles).where(profiles.c.merged_into.is_(None))
    ).scalar_one()


def replace_values(conn: Connection, profile_ids: Sequence[str], rows: list[dict]) -> None:
    """Every stored value of these profiles becomes ``rows`` (those of other profiles stay)."""
    forget(conn, profile_ids)
    if rows:
        conn.execute(computed_traits.insert(), rows)


def forget(conn: Connection, profile_ids: Sequence[str]) -> None:
    for start in range(0, len(profile_ids), CHUNK):
        chunk = profile_ids[start : start + CHUNK]
        conn.execute(delete(computed_traits).where(computed_traits.c.profile_id.in_(chunk)))


def forget_stale(conn: Connection, names: Sequence[str]) -> None:
    """Drop values of merged profiles and of traits no longer defined."""
    merged = select(profiles.c.id).where(profiles.c.merged_into.is_not(None))
    conn.execute(delete(computed_traits).where(computed_traits.c.profile_id.in_(merged)))
    conn.execute(delete(computed_traits).where(computed_traits.c.name.not_in(names)))


def values_of(conn: Connection, profile_id: str) -> list[Any]:
    return conn.execute(
        select(computed_traits)
        .where(computed_traits.c.profile_id == profile_id)
        .order_by(computed_traits.c.name)
    ).all()


def load_cutoffs(conn: Connection, workspace_id: int, name: str) -> dict | None:
    return conn.execute(
        select(trait_cutoffs.c.cutoffs).where(
            trait_cutoffs.c.workspace_id == workspace_id, trait_cutoffs.c.name == name
        )
    ).scalar()


def save_cutoffs(conn: Connection, dialect: Dialect, row: dict[str, Any]) -> None:
    stmt = dialect.upsert(
        trait_cutoffs,
        ("workspace_id", "name"),
        ("cutoffs", "population", "computed_at", "definition_hash"),
    )
    conn.execute(stmt.values(**row))


def touched_profiles(
    conn: Connection, after: int, upto: int, names: Iterable[str]
) -> tuple[set[str], set[str]]:
    """Profiles whose traits events in (after, upto] may change: those the relevant events are
    attributed to and those events merged into others; and the ids merged away (to forget)."""
    touched = set(
        conn.execute(
            select(identities.c.profile_id)
            .distinct()
            .join(event_identities, event_identities.c.identity_id == identities.c.id)
            .join(events, events.c.id == event_identities.c.event_id)
            .where(events.c.id > after, events.c.id <= upto)
            .where(events.c.type == "track", events.c.event.in_(sorted(names)))
        ).scalars()
    )
    merged: set[str] = set()
    for survivor, loser in conn.execute(
        select(profile_merges.c.survivor_id, profile_merges.c.merged_id).where(
            profile_merges.c.event_id > after, profile_merges.c.event_id <= upto
        )
    ):
        touched.add(survivor)
        merged.add(loser)
    return touched, merged
