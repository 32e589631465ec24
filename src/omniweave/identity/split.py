"""Undoing a merge: the merged profile gets back the identities it brought, its events and
orders follow them, and the two are never merged again automatically."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, select, tuple_, update

from omniweave.core.errors import Conflict, NotFound
from omniweave.identity.graph_repo import members_of, root_of, separate
from omniweave.store.dialect import Dialect
from omniweave.store.tables import identities, profile_merges, profiles


def split(
    conn: Connection,
    dialect: Dialect,
    profile_id: str,
    *,
    now: datetime,
    merge_id: int | None = None,
    reason: str = "split by an operator",
) -> dict[str, Any]:
    """Undo ``merge_id`` (by default the latest merge still in force) of the profile."""
    root = root_of(conn, profile_id)
    if root is None:
        raise NotFound(f"no profile {profile_id!r}")
    members = members_of(conn, root)
    active = select(profile_merges).where(
        profile_merges.c.survivor_id.in_(members), profile_merges.c.undone_at.is_(None)
    )
    if merge_id is not None:
        active = active.where(profile_merges.c.id == merge_id)
    merge = conn.execute(active.order_by(profile_merges.c.id.desc()).limit(1)).first()
    if merge is None:
        if merge_id is not None:
            raise Conflict(f"merge {merge_id} is not a merge in force of profile {root}")
        raise Conflict(f"profile {root} was never merged: there is nothing to split")
    restored = merge.merged_id
    moved = [tuple(pair) for pair in merge.moved_identities]
    for start in range(0, len(moved), 500):
        conn.execute(
            update(identities)
            .where(
                and_(
                    identities.c.profile_id == root,
                    tuple_(identities.c.type, identities.c.value).in_(moved[start : start + 500]),
                )
            )
            .values(profile_id=restored)
        )
    conn.execute(
        update(profiles).where(profiles.c.id == restored).values(merged_into=None, merged_at=None)
    )
    conn.execute(
        update(profile_merges)
        .where(profile_merges.c.id == merge.id)
        .values(undone_at=now, undo_reason=reason)
    )
    for other in {merge.survivor_id, root}:
        why = f"{reason} (merge {merge.id} undone)"
        separate(conn, dialect, merge.workspace_id, other, restored, why, now)
    return {"mergeId": merge.id, "profile": root, "restored": restored, "identities": len(moved)}
