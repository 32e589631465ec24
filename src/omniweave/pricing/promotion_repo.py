"""Promotions as versions: a change is a new version, a delete ends the current one, and the
workspace's pricing version moves with every change so caches know to reload."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from omniweave.core.errors import NotFound
from omniweave.pricing.model import Promotion
from omniweave.store.dialect import Dialect
from omniweave.store.pricing_tables import pricing_versions, promotions


def definition_of(promo: Promotion) -> dict[str, Any]:
    return promo.model_dump(mode="json", exclude_none=True)


def put(conn: Connection, dialect: Dialect, ws: int, promo: Promotion, now: datetime) -> dict:
    """Save as the current version; the same definition again changes nothing."""
    body = definition_of(promo)
    _lock(conn, dialect, ws, now)
    current = _current(conn, ws, promo.key)
    if current is not None and current.definition == body:
        return {"key": promo.key, "version": current.version, "changed": False}
    last = conn.execute(
        select(func.max(promotions.c.version)).where(
            promotions.c.workspace_id == ws, promotions.c.key == promo.key
        )
    ).scalar()
    conn.execute(
        update(promotions)
        .where(promotions.c.workspace_id == ws, promotions.c.key == promo.key)
        .values(current=False)
    )
    version = (last or 0) + 1
    conn.execute(
        promotions.insert().values(
            workspace_id=ws,
            key=promo.key,
            version=version,
            definition=body,
            current=True,
            created_at=now,
        )
    )
    bump(conn, dialect, ws, now)
    return {"key": promo.key, "version": version, "changed": True}


def delete(conn: Connection, dialect: Dialect, ws: int, key: str, now: datetime) -> dict:
    """End the current version (a repeat is a no-op); history stays."""
    _lock(conn, dialect, ws, now)
    current = _current(conn, ws, key)
    if current is None:
        if _versions(conn, ws, key):
            return {"key": key, "deleted": True, "changed": False}
        raise NotFound(f"no promotion {key!r}")
    conn.execute(
        update(promotions)
        .where(promotions.c.id == current.id)
        .values(current=False, deleted_at=now)
    )
    bump(conn, dialect, ws, now)
    return {"key": key, "deleted": True, "changed": True}


def get(conn: Connection, ws: int, key: str) -> dict:
    versions = _versions(conn, ws, key)
    if not versions:
        raise NotFound(f"no promotion {key!r}")
    current = next((v for v in versions if v.current), None)
    return {
        "key": key,
        "current": None if current is None else current.version,
        "definition": None if current is None else current.definition,
        "versions": [
            {
                "version": v.version,
                "createdAt": v.created_at,
                "deletedAt": v.deleted_at,
                "definition": v.definition,
            }
            for v in versions
        ],
    }


def listing(conn: Connection, ws: int) -> list[dict]:
    rows = conn.execute(
        select(promotions.c.key, promotions.c.version, promotions.c.definition)
        .where(promotions.c.workspace_id == ws, promotions.c.current.is_(True))
        .order_by(promotions.c.key)
    ).all()
    return [{"key": r.key, "version": r.version, "definition": r.definition} for r in rows]


def version(conn: Connection, ws: int) -> int:
    found = conn.execute(
        select(pricing_versions.c.version).where(pricing_versions.c.workspace_id == ws)
    ).scalar()
    return int(found or 0)


def _lock(conn: Connection, dialect: Dialect, ws: int, now: datetime) -> None:
    """Changes to one workspace's promotions go one at a time (the version row's lock)."""
    conn.execute(
        dialect.insert_ignoring_duplicates(pricing_versions, ("workspace_id",)).values(
            workspace_id=ws, version=0, updated_at=now
        )
    )
    query = select(pricing_versions.c.version).where(pricing_versions.c.workspace_id == ws)
    if dialect.name == "postgresql":
        query = query.with_for_update()
    conn.execute(query)


def bump(conn: Connection, dialect: Dialect, ws: int, now: datetime) -> None:
    conn.execute(
        update(pricing_versions)
        .where(pricing_versions.c.workspace_id == ws)
        .values(version=pricing_versions.c.version + 1, updated_at=now)
    )


def _current(conn: Connection, ws: int, key: str) -> Any:
    return conn.execute(
        select(promotions).where(
            promotions.c.workspace_id == ws, promotions.c.key == key, promotions.c.current.is_(True)
        )
    ).first()


def _versions(conn: Connection, ws: int, key: str) -> list[Any]:
    return conn.execute(
        select(promotions)
        .where(promotions.c.workspace_id == ws, promotions.c.key == key)
        .order_by(promotions.c.version)
    ).all()
