"""Templates are versioned: saving changed content adds a version, saving the same content
changes nothing, and every message records the version it was rendered from."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, func, select

from omniweave.store.message_tables import message_templates as t


def content_hash(definition: dict[str, Any]) -> str:
    canonical = orjson.dumps(definition, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()[:16]


def latest(conn: Connection, workspace_id: int, name: str) -> Any | None:
    return conn.execute(
        select(t)
        .where(t.c.workspace_id == workspace_id, t.c.name == name)
        .order_by(t.c.version.desc())
        .limit(1)
    ).first()


def save(
    conn: Connection, workspace_id: int, name: str, definition: dict[str, Any], now: datetime
) -> tuple[int, bool]:
    """Store the definition as the template's newest version; (version, whether it changed)."""
    digest = content_hash(definition)
    current = latest(conn, workspace_id, name)
    if current is not None and current.hash == digest:
        return current.version, False
    version = 1 if current is None else current.version + 1
    conn.execute(
        t.insert().values(
            workspace_id=workspace_id,
            name=name,
            version=version,
            definition=definition,
            hash=digest,
            created_at=now,
        )
    )
    return version, True


def listing(conn: Connection, workspace_id: int) -> list[Any]:
    newest = (
        select(t.c.name, func.max(t.c.version).label("version"))
        .where(t.c.workspace_id == workspace_id)
        .group_by(t.c.name)
        .subquery()
    )
    return conn.execute(
        select(t)
        .join(newest, (newest.c.name == t.c.name) & (newest.c.version == t.c.version))
        .where(t.c.workspace_id == workspace_id)
        .order_by(t.c.name)
    ).all()
