"""Reads and writes of segment memberships: open stays, the profiles a log range touched,
the identifiers that attribute emitted events, and the source they are emitted from."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, func, select, update

from omniweave.access.model import SourceKind
from omniweave.access.service import ensure_source
from omniweave.identity.graph_repo import root_of
from omniweave.segments.membership_model import Change, Stay
from omniweave.store.segment_tables import segment_memberships as sm
from omniweave.store.segment_tables import segments
from omniweave.store.tables import (
    event_identities,
    events,
    identities,
    profile_merges,
    profiles,
    sources,
)

CHUNK = 500  # ids per IN list: well under SQLite's variable limit
OWN_SOURCE = "omniweave"  # the source the platform's own events (Segment Entered, ...) come from


def chunks(ids: Sequence[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def saved(conn: Connection, workspace_id: int) -> list[Any]:
    """The workspace's segments (id, name, definition), in name order."""
    return conn.execute(
        select(segments.c.id, segments.c.name, segments.c.definition)
        .where(segments.c.workspace_id == workspace_id)
        .order_by(segments.c.name)
    ).all()


def touched(conn: Connection, after: int, upto: int) -> dict[int, set[str]]:
    """By workspace, the profiles that events in (after, upto] are attributed to (not the
    platform's own events: announcing a change must not re-trigger it) and both sides of the
    merges those events caused."""
    own = select(sources.c.id).where(sources.c.name == OWN_SOURCE)
    found: dict[int, set[str]] = defaultdict(set)
    rows = conn.execute(
        select(identities.c.workspace_id, identities.c.profile_id)
        .distinct()
        .join(event_identities, event_identities.c.identity_id == identities.c.id)
        .join(events, events.c.id == event_identities.c.event_id)
        .where(events.c.id > after, events.c.id <= upto, events.c.source_id.not_in(own))
    )
    for workspace_id, profile_id in rows:
        found[workspace_id].add(profile_id)
    merges = conn.execute(
        select(
            profile_merges.c.workspace_id, profile_merges.c.survivor_id, profile_merges.c.merged_id
        ).where(profile_merges.c.event_id > after, profile_merges.c.event_id <= upto)
    )
    for workspace_id, survivor, merged in merges:
        found[workspace_id].update((survivor, merged))
    return found


def resolved(conn: Connection, profile_ids: Sequence[str]) -> dict[str, str | None]:
    """Each id and the live profile it resolves to (itself when live, None when unknown)."""
    found: dict[str, str | None] = dict.fromkeys(profile_ids)
    for chunk in chunks(sorted(set(profile_ids))):
        rows = conn.execute(
            select(profiles.c.id, profiles.c.merged_into).where(profiles.c.id.in_(chunk))
        )
        for profile_id, merged_into in rows:
            found[profile_id] = profile_id if merged_into is None else root_of(conn, profile_id)
    return found


def workspace_of(conn: Connection, profile_ids: Sequence[str]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = defaultdict(set)
    for chunk in chunks(sorted(set(profile_ids))):
        rows = conn.execute(
            select(profiles.c.workspace_id, profiles.c.id).where(profiles.c.id.in_(chunk))
        )
        for workspace_id, profile_id in rows:
            found[workspace_id].add(profile_id)
    return found


def open_stays(conn: Connection, segment_id: int, profile_ids: Sequence[str] | None) -> dict:
    """The open stays in the segment, of these profiles (None: of every member)."""
    query = select(sm.c.profile_id, sm.c.entry, sm.c.entered_at).where(
        sm.c.segment_id == segment_id, sm.c.exited_at.is_(None)
    )
    return {
        r.profile_id: Stay(r.entry, r.entered_at) for r in _by_profile(conn, query, profile_ids)
    }


def entries(conn: Connection, segment_id: int, profile_ids: Sequence[str]) -> dict[str, int]:
    """How many stays each profile has had in the segment."""
    query = (
        select(sm.c.profile_id, func.max(sm.c.entry).label("entry"))
        .where(sm.c.segment_id == segment_id)
        .group_by(sm.c.profile_id)
    )
    return {r.profile_id: r.entry for r in _by_profile(conn, query, profile_ids)}


def _by_profile(conn: Connection, query: Select, profile_ids: Sequence[str] | None) -> list:
    if profile_ids is None:
        return conn.execute(query).all()
    rows: list = []
    for chunk in chunks(sorted(set(profile_ids))):
        rows += conn.execute(query.where(sm.c.profile_id.in_(chunk))).all()
    return rows


def apply(
    conn: Connection, workspace_id: int, segment_id: int, changes: list[Change], now: datetime
) -> None:
    """Write the decided changes: open stays for enter/carry, end them for exit/close."""
    opened = [
        {
            "segment_id": segment_id,
            "profile_id": c.profile_id,
            "entry": c.entry,
            "workspace_id": workspace_id,
            "entered_at": c.entered_at if c.kind == "carry" else now,
            "exited_at": None,
            "exit_reason": None,
            "carried_from": c.source if c.kind == "carry" else None,
        }
        for c in changes
        if c.kind in ("enter", "carry")
    ]
    ended = [c for c in changes if c.kind in ("exit", "close")]
    ended += [
        Change("close", c.source, 0, "merged") for c in changes if c.kind == "carry" and c.source
    ]
    for change in ended:
        conn.execute(
            update(sm)
            .where(
                and_(
                    sm.c.segment_id == segment_id,
                    sm.c.profile_id == change.profile_id,
                    sm.c.exited_at.is_(None),
                )
            )
            .values(exited_at=now, exit_reason=change.reason)
        )
    if opened:
        conn.execute(sm.insert(), opened)


def identifiers(conn: Connection, profile_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
    """Each profile's identifiers, oldest first."""
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for chunk in chunks(sorted(set(profile_ids))):
        rows = conn.execute(
            select(identities.c.profile_id, identities.c.type, identities.c.value)
            .where(identities.c.profile_id.in_(chunk))
            .order_by(identities.c.id)
        )
        for profile_id, kind, value in rows:
            found[profile_id].append((kind, value))
    return found


def own_source(conn: Connection, workspace_id: int, now: datetime) -> int:
    return ensure_source(conn, workspace_id, OWN_SOURCE, SourceKind.SERVER, now)


def current_members(conn: Connection, segment_id: int, after: str, limit: int) -> list[Any]:
    """A page of the members now, in profile id order after ``after``."""
    return conn.execute(
        select(sm.c.profile_id, sm.c.entered_at, sm.c.entry)
        .where(sm.c.segment_id == segment_id, sm.c.exited_at.is_(None))
        .where(sm.c.profile_id > after)
        .order_by(sm.c.profile_id)
        .limit(limit)
    ).all()


def dead_members(conn: Connection, workspace_id: int) -> list[str]:
    """Profiles merged away that still hold an open stay (a merge made outside the log)."""
    dead = select(profiles.c.id).where(profiles.c.merged_into.is_not(None))
    return list(
        conn.execute(
            select(sm.c.profile_id)
            .distinct()
            .where(sm.c.workspace_id == workspace_id, sm.c.exited_at.is_(None))
            .where(sm.c.profile_id.in_(dead))
        ).scalars()
    )
