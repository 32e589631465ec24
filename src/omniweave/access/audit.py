"""The audit log of admin actions: who changed what, when, and how it ended.

What is recorded is chosen here, once: the route (or command), the ids in its path, and the
*names* of the fields and options given, never their values (a body may hold a secret, an
address or a template with a person's data).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, select

from omniweave.store.privacy_tables import audit_log

_MAX_FIELDS = 40
# A name is kept as these characters only: a field name sent by anyone must not carry a NUL,
# a control character or half a surrogate pair into the log (PostgreSQL refuses them).
_UNSAFE = re.compile(r"[^A-Za-z0-9_.$@:-]")


def safe(text: str, size: int = 64) -> str:
    return _UNSAFE.sub("?", text[:size])


def outcome_of(status: int) -> str:
    if status < 400:
        return "ok"
    if status in (401, 403):
        return "refused"
    return "failed" if status >= 500 else "rejected"


def fields_of(body: bytes) -> list[str] | None:
    """The top-level field names of a JSON object body (None if it is not one)."""
    if not body:
        return None
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(parsed, dict):
        return None
    return sorted({safe(str(k)) for k in parsed})[:_MAX_FIELDS]


def summary(fields: list[str] | None, query: Iterable[str] = ()) -> dict[str, Any] | None:
    found: dict[str, Any] = {}
    if fields:
        found["fields"] = fields
    names = sorted({safe(q) for q in query})[:_MAX_FIELDS]
    if names:
        found["query"] = names
    return found or None


def resource_of(params: Mapping[str, Any]) -> str | None:
    """The ids a path names ("profile_id=p_1f..."), which say what was acted on."""
    text = ",".join(f"{safe(str(k))}={safe(str(v), 200)}" for k, v in sorted(params.items()))
    return text[:300] or None


def record(
    conn: Connection,
    *,
    workspace_id: int | None,
    actor: str,
    via: str,
    action: str,
    resource: str | None,
    summary: dict[str, Any] | None,
    status: int | None,
    outcome: str,
    at: datetime,
) -> None:
    conn.execute(
        audit_log.insert().values(
            workspace_id=workspace_id,
            actor=actor[:120],
            via=via,
            action=action[:200],
            resource=resource,
            summary=summary,
            outcome=outcome,
            status=status,
            at=at,
        )
    )


def entries(
    conn: Connection,
    workspace_id: int,
    *,
    actor: str | None = None,
    action: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Newest first; ``before_id`` pages back. CLI entries (no workspace) are included."""
    query = (
        select(audit_log)
        .where((audit_log.c.workspace_id == workspace_id) | audit_log.c.workspace_id.is_(None))
        .order_by(audit_log.c.id.desc())
        .limit(limit)
    )
    if actor:
        query = query.where(audit_log.c.actor.contains(actor, autoescape=True))
    if action:
        query = query.where(audit_log.c.action.contains(action, autoescape=True))
    if outcome:
        query = query.where(audit_log.c.outcome == outcome)
    if since:
        query = query.where(audit_log.c.at >= since)
    if before_id:
        query = query.where(audit_log.c.id < before_id)
    return [
        {
            "id": r.id,
            "at": r.at,
            "actor": r.actor,
            "via": r.via,
            "action": r.action,
            "resource": r.resource,
            "summary": r.summary,
            "status": r.status,
            "outcome": r.outcome,
        }
        for r in conn.execute(query)
    ]
