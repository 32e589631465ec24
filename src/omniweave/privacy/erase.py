"""Erase a person: every table in the registry, the hashes of their identifiers kept so the
same identifiers arriving again are scrubbed, and the erasure recorded. One transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from omniweave.identity import erasures
from omniweave.privacy import people
from omniweave.privacy.model import Person, summary
from omniweave.privacy.registry import PERSONAL
from omniweave.store.dialect import Dialect
from omniweave.store.privacy_tables import erased_identifiers
from omniweave.store.privacy_tables import erasures as erasures_table


def erase(
    conn: Connection,
    dialect: Dialect,
    workspace_id: int,
    profile_id: str,
    key: bytes,
    requested_by: str,
    now: datetime,
) -> dict[str, Any] | None:
    """Erase the person behind ``profile_id``; None if there is none and never was. A repeat
    answers with the first erasure (``alreadyErased``) and changes nothing."""
    people.lock(conn, dialect, now)
    before = people.erased_before(conn, workspace_id, profile_id, key)
    if before is not None:
        return _answer(before._asdict(), profile_id, already=True)
    person = people.find(conn, workspace_id, profile_id, key)
    if person is None:
        return None
    counts = {scrub.table.name: scrub.erase(conn, person) for scrub in PERSONAL}
    row = {
        "workspace_id": workspace_id,
        "profile_id": profile_id,
        "profiles": len(person.profile_ids),
        "identifiers": len(person.identities),
        "counts": summary(counts),
        "requested_by": requested_by[:120],
        "erased_at": now,
    }
    erasure_id = conn.execute(erasures_table.insert().values(row)).inserted_primary_key[0]
    _remember(conn, dialect, person, erasure_id)
    return _answer({"id": erasure_id, **row}, profile_id, already=False)


def _remember(conn: Connection, dialect: Dialect, person: Person, erasure_id: int) -> None:
    """Keyed hashes of every identifier and profile id of the person."""
    keys = set(person.keys) | {("profile", p) for p in person.profile_ids}
    rows = [
        {
            "workspace_id": person.workspace_id,
            "digest": erasures.digest(person.key, kind, value),
            "erasure_id": erasure_id,
        }
        for kind, value in sorted(keys)
    ]
    stmt = dialect.insert_ignoring_duplicates(erased_identifiers, ("workspace_id", "digest"))
    for start in range(0, len(rows), 500):
        conn.execute(stmt, rows[start : start + 500])


def _answer(row: dict[str, Any], asked: str, *, already: bool) -> dict[str, Any]:
    return {
        "erasure": row["id"],
        "profileId": asked,
        "erasedProfileId": row["profile_id"],
        "profiles": row["profiles"],
        "identifiers": row["identifiers"],
        "erased": row["counts"],
        "requestedBy": row["requested_by"],
        "erasedAt": row["erased_at"],
        "alreadyErased": already,
    }
