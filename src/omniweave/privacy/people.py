"""Finding the whole person behind a profile id: every merged profile, identity and event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from omniweave.identity import erasures, resolver
from omniweave.identity.graph_repo import members_of, root_of
from omniweave.journeys import runtime
from omniweave.privacy.model import Identity, Person
from omniweave.privacy.registry import chunks
from omniweave.profiles import consent_updater, traits_service
from omniweave.segments import membership
from omniweave.store import cursors
from omniweave.store.dialect import Dialect
from omniweave.store.privacy_tables import erased_identifiers
from omniweave.store.privacy_tables import erasures as erasures_table
from omniweave.store.tables import event_identities, identities, profiles


def find(conn: Connection, workspace_id: int, profile_id: str, key: bytes) -> Person | None:
    """The person a profile id resolves to (a merged id works), or None."""
    root = root_of(conn, profile_id)
    if root is None:
        return None
    workspace = conn.execute(select(profiles.c.workspace_id).where(profiles.c.id == root))
    if workspace.scalar() != workspace_id:
        return None
    members = members_of(conn, root)
    found: list[Identity] = []
    for chunk in chunks(members):
        found += [
            Identity(r.id, r.type, r.value)
            for r in conn.execute(
                select(identities.c.id, identities.c.type, identities.c.value)
                .where(identities.c.profile_id.in_(chunk))
                .order_by(identities.c.id)
            )
        ]
    event_ids: list[int] = []
    for chunk in chunks([i.id for i in found]):
        event_ids += conn.execute(
            select(event_identities.c.event_id).where(event_identities.c.identity_id.in_(chunk))
        ).scalars()
    return Person(workspace_id, root, tuple(members), tuple(found), tuple(sorted(event_ids)), key)


# The log consumers that write about a person, in the order their cursors are locked.
CONSUMERS = (resolver.CURSOR, consent_updater.CURSOR, traits_service.CURSOR, membership.CURSOR,
             runtime.CURSOR)  # fmt: skip


def lock(conn: Connection, dialect: Dialect, now: datetime) -> None:
    """On PostgreSQL, wait for the log consumers' running batches and hold them off until the
    erase commits, so none writes about the person after the erase read what to erase (two
    erases wait for each other too). Taken first, before any row lock: no deadlock. SQLite
    has one writer at a time anyway."""
    if dialect.name == "postgresql":
        for name in CONSUMERS:
            cursors.claim(conn, dialect, name, now)


def erased_before(conn: Connection, workspace_id: int, profile_id: str, key: bytes):
    """The erasure that already took this profile id, if any."""
    digest = erasures.digest(key, "profile", profile_id)
    return conn.execute(
        select(erasures_table)
        .join(erased_identifiers, erased_identifiers.c.erasure_id == erasures_table.c.id)
        .where(
            erased_identifiers.c.workspace_id == workspace_id,
            erased_identifiers.c.digest == digest,
        )
    ).first()
