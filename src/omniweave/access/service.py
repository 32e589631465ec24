"""Create and look up workspaces, sources and keys."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, select

from omniweave.access.model import (
    Principal,
    Scope,
    SourceKind,
    display_prefix,
    hash_secret,
    new_secret,
)
from omniweave.core.errors import InvalidInput, NotFound
from omniweave.store.tables import api_keys, sources, workspaces


@dataclass(frozen=True)
class CreatedKey:
    id: int
    scope: Scope
    name: str
    secret: str  # shown once, never stored
    workspace_id: int
    source_id: int | None


def ensure_workspace(conn: Connection, name: str, now: datetime) -> int:
    found = conn.execute(select(workspaces.c.id).where(workspaces.c.name == name)).scalar()
    if found is not None:
        return found
    return conn.execute(
        workspaces.insert().values(name=name, created_at=now).returning(workspaces.c.id)
    ).scalar_one()


def ensure_source(
    conn: Connection, workspace_id: int, name: str, kind: SourceKind, now: datetime
) -> int:
    found = find_source(conn, workspace_id, name)
    if found is not None:
        return found
    return conn.execute(
        sources.insert()
        .values(workspace_id=workspace_id, name=name, kind=kind.value, created_at=now)
        .returning(sources.c.id)
    ).scalar_one()


def find_source(conn: Connection, workspace_id: int, name: str) -> int | None:
    return conn.execute(
        select(sources.c.id).where(sources.c.workspace_id == workspace_id, sources.c.name == name)
    ).scalar()


def require_source(conn: Connection, workspace_id: int, name: str, field: str = "source") -> int:
    source_id = find_source(conn, workspace_id, name)
    if source_id is None:
        raise InvalidInput.one(field, f"no source named {name!r} in this workspace")
    return source_id


def create_key(
    conn: Connection,
    *,
    workspace_id: int,
    scope: Scope,
    name: str,
    now: datetime,
    source_id: int | None = None,
    rate_per_second: float | None = None,
    rate_burst: int | None = None,
) -> CreatedKey:
    """Write keys belong to one source (events are stamped with it); read/admin keys do not."""
    if scope is Scope.WRITE and source_id is None:
        raise InvalidInput.one("source", "a write key needs a source")
    secret = new_secret(scope, secrets.token_urlsafe(24))
    key_id = conn.execute(
        api_keys.insert()
        .values(
            workspace_id=workspace_id,
            source_id=source_id,
            scope=scope.value,
            name=name,
            prefix=display_prefix(secret),
            secret_hash=hash_secret(secret),
            created_at=now,
            rate_per_second=rate_per_second,
            rate_burst=rate_burst,
        )
        .returning(api_keys.c.id)
    ).scalar_one()
    return CreatedKey(key_id, scope, name, secret, workspace_id, source_id)


def revoke_key(conn: Connection, key_id: int, now: datetime) -> None:
    done = conn.execute(
        api_keys.update()
        .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    if done.rowcount == 0:
        raise NotFound(f"no active key with id {key_id}")


def list_keys(conn: Connection) -> list[dict]:
    rows = conn.execute(
        select(
            api_keys.c.id,
            api_keys.c.name,
            api_keys.c.scope,
            api_keys.c.prefix,
            workspaces.c.name.label("workspace"),
            sources.c.name.label("source"),
            api_keys.c.created_at,
            api_keys.c.revoked_at,
        )
        .join(workspaces, workspaces.c.id == api_keys.c.workspace_id)
        .outerjoin(sources, sources.c.id == api_keys.c.source_id)
        .order_by(api_keys.c.id)
    )
    return [dict(r._mapping) for r in rows]


class KeyVerifier:
    """Looks a secret up by its hash, remembering answers for ``ttl`` seconds so the ingest path
    does not query the key table per request. A revoked key stops working within ``ttl``."""

    def __init__(self, engine: Engine, ttl: float = 30.0) -> None:
        self._engine = engine
        self._ttl = ttl
        self._cache: dict[str, tuple[float, Principal | None]] = {}

    def verify(self, secret: str) -> Principal | None:
        digest = hash_secret(secret)
        hit = self._cache.get(digest)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        with self._engine.connect() as conn:
            row = conn.execute(
                select(api_keys).where(
                    api_keys.c.secret_hash == digest, api_keys.c.revoked_at.is_(None)
                )
            ).first()
        principal = (
            None
            if row is None
            else Principal(
                row.id,
                row.workspace_id,
                Scope(row.scope),
                row.source_id,
                row.name,
                row.rate_per_second,
                row.rate_burst,
            )
        )
        if len(self._cache) > 10_000:
            self._cache.clear()
        # An unknown key is remembered briefly only: it may be created a moment later.
        ttl = self._ttl if principal is not None else min(self._ttl, 2.0)
        self._cache[digest] = (time.monotonic() + ttl, principal)
        return principal

    def forget(self) -> None:
        self._cache.clear()
