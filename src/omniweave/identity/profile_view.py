"""The unified profile as the API and the UI show it: identifiers with their sources, traits
with the source of each value, the timeline across channels, orders, and why it is one person.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from omniweave.identity.graph_repo import members_of, root_of, row_dicts
from omniweave.store.tables import (
    event_identities,
    events,
    identities,
    identity_refusals,
    identity_sightings,
    orders,
    profile_merges,
    profiles,
    sources,
)

LOOKUP_TYPES = {
    "email": "email",
    "phone": "phone",
    "user_id": "user_id",
    "anonymous_id": "anonymous_id",
    "card": "loyalty_card",
    "crm_id": "crm_id",
    "device_token": "device_token",
}
_TRAIT_EVENTS = ("identify",)


def find_by_identifier(conn: Connection, workspace_id: int, kind: str, value: str) -> str | None:
    row = conn.execute(
        select(identities.c.profile_id).where(
            identities.c.workspace_id == workspace_id,
            identities.c.type == kind,
            identities.c.value == value,
        )
    ).first()
    return None if row is None else root_of(conn, row.profile_id)


def workspace_of(conn: Connection, profile_id: str) -> int | None:
    return conn.execute(select(profiles.c.workspace_id).where(profiles.c.id == profile_id)).scalar()


def _attributed(root: str):
    """Events attributed to the profile through any of its identities."""
    return (
        select(*events.c, sources.c.name.label("source"))
        .join(event_identities, event_identities.c.event_id == events.c.id)
        .join(identities, identities.c.id == event_identities.c.identity_id)
        .join(sources, sources.c.id == events.c.source_id)
        .where(identities.c.profile_id == root)
    )


def timeline(
    conn: Connection, root: str, *, before_id: int | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Newest first across every channel; ``before_id`` pages back."""
    query = _attributed(root).order_by(events.c.timestamp.desc(), events.c.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(events.c.id < before_id)
    return row_dicts(conn.execute(query))


def identifiers(conn: Connection, root: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(
            identities.c.id,
            identities.c.type,
            identities.c.value,
            identities.c.first_seen_at,
            sources.c.name.label("source"),
            identity_sightings.c.raw,
        )
        .outerjoin(identity_sightings, identity_sightings.c.identity_id == identities.c.id)
        .outerjoin(sources, sources.c.id == identity_sightings.c.source_id)
        .where(identities.c.profile_id == root)
        .order_by(identities.c.type, identities.c.value, sources.c.name)
    )
    grouped: dict[int, dict[str, Any]] = {}
    for r in rows:
        entry = grouped.setdefault(
            r.id,
            {"type": r.type, "value": r.value, "firstSeenAt": r.first_seen_at, "seenAs": []},
        )
        if r.source is not None:
            entry["seenAs"].append({"source": r.source, "raw": r.raw})
    return list(grouped.values())


def traits(
    conn: Connection, root: str, source_priority: Sequence[str] = ()
) -> dict[str, dict[str, Any]]:
    """Each trait's value: from the highest-priority source that set it (``source_priority``
    lists source names or kinds, most trusted first), else the latest; with where it came from."""
    rows = conn.execute(
        _attributed(root)
        .add_columns(sources.c.kind.label("source_kind"))
        .where(events.c.type.in_(_TRAIT_EVENTS))
        .order_by(events.c.timestamp, events.c.id)
    )
    rank = {name: i for i, name in enumerate(source_priority)}
    worst = len(rank)
    chosen: dict[str, dict[str, Any]] = {}
    for r in rows:
        weight = min(rank.get(r.source, worst), rank.get(r.source_kind, worst))
        for name, value in (r.traits or {}).items():
            current = chosen.get(name)
            if current is None or weight <= current["_rank"]:
                chosen[name] = {
                    "value": value,
                    "source": r.source,
                    "at": r.timestamp,
                    "eventId": r.id,
                    "_rank": weight,
                }
    for entry in chosen.values():
        del entry["_rank"]
    return dict(sorted(chosen.items()))


def profile_orders(conn: Connection, root: str) -> list[dict[str, Any]]:
    """Orders online and offline whose latest version is attributed to the profile."""
    attributed = _attributed(root).subquery()
    rows = conn.execute(
        select(orders, sources.c.name.label("source"))
        .join(
            attributed,
            and_(
                attributed.c.source_id == orders.c.source_id,
                attributed.c.message_id == orders.c.message_id,
            ),
        )
        .join(sources, sources.c.id == orders.c.source_id)
        .order_by(orders.c.placed_at.desc())
    )
    return [
        {k: v for k, v in r.items() if k not in ("workspace_id", "source_id", "id")}
        for r in row_dicts(rows)
    ]


def history(conn: Connection, root: str) -> dict[str, list[dict[str, Any]]]:
    """Every merge into the profile (and splits undone), and every merge refused, with why."""
    members = members_of(conn, root)
    merges = conn.execute(
        select(profile_merges)
        .where(
            or_(
                profile_merges.c.survivor_id.in_(members),
                profile_merges.c.merged_id.in_(members),
            )
        )
        .order_by(profile_merges.c.id)
    )
    refusals = conn.execute(
        select(identity_refusals)
        .where(identity_refusals.c.profile_id.in_(members))
        .order_by(identity_refusals.c.id)
    )
    rejected = conn.execute(
        select(event_identities.c.rejected)
        .join(identities, identities.c.id == event_identities.c.identity_id)
        .where(identities.c.profile_id == root, event_identities.c.rejected.is_not(None))
    )
    unusable: dict[tuple[str, str], dict[str, Any]] = {}
    for (items,) in rejected:
        for item in items:
            unusable.setdefault((item["type"], item["value"]), item)
    return {
        "merges": [_merge_view(m) for m in row_dicts(merges)],
        "refused": [
            {k: v for k, v in r.items() if k not in ("workspace_id",)} for r in row_dicts(refusals)
        ],
        "unusableIdentifiers": list(unusable.values()),
    }


def _merge_view(merge: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": merge["id"],
        "survivor": merge["survivor_id"],
        "merged": merge["merged_id"],
        "rule": merge["rule"],
        "identifiers": merge["identifiers"],
        "probability": merge["probability"],
        "explanation": merge["explanation"],
        "eventId": merge["event_id"],
        "decidedAt": merge["decided_at"],
        "undoneAt": merge["undone_at"],
        "undoReason": merge["undo_reason"],
    }


def profile(
    conn: Connection, root: str, source_priority: Sequence[str] = (), timeline_limit: int = 50
) -> dict[str, Any]:
    return {
        "id": root,
        "mergedIds": [m for m in members_of(conn, root) if m != root],
        "identifiers": identifiers(conn, root),
        "traits": traits(conn, root, source_priority),
        "orders": profile_orders(conn, root),
        "timeline": timeline(conn, root, limit=timeline_limit),
        **history(conn, root),
    }
