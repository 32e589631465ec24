"""Segment use cases: save a definition, preview its size, list members, export them."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from omniweave.core.errors import InvalidInput, NotFound
from omniweave.core.time import Clock
from omniweave.profiles.consent_model import ConsentPolicy
from omniweave.segments.compile import Context, members
from omniweave.segments.membership import SegmentMembership
from omniweave.segments.model import Node, parse, references
from omniweave.store.dialect import Dialect
from omniweave.store.segment_tables import segments
from omniweave.store.tables import identities


class SegmentService:
    def __init__(self, engine: Engine, clock: Clock, policy: ConsentPolicy | None = None) -> None:
        """``policy`` is the consent policy ``reachable`` nodes apply (the workspace's)."""
        self.engine = engine
        self.dialect = Dialect.of(engine)
        self.clock = clock
        self.policy = policy or ConsentPolicy()
        # Who is in each segment now: kept by a log consumer, computed at once on save.
        self.membership = SegmentMembership(engine, clock, self.policy)

    def _context(self, conn: Connection, workspace_id: int) -> Context:
        def definition(name: str) -> Node | None:
            row = conn.execute(
                select(segments.c.definition).where(
                    segments.c.workspace_id == workspace_id, segments.c.name == name
                )
            ).first()
            return None if row is None else parse(row.definition, f"segment {name}")

        return Context(
            workspace_id, self.clock(), self.dialect.name, definition, policy=self.policy
        )

    def holds(self, conn: Connection, workspace_id: int, profile_id: str, node: Node) -> bool:
        """Whether one profile meets a condition in the segment language now (a journey's
        branch), read in the caller's transaction."""
        context = replace(self._context(conn, workspace_id), only=(profile_id,))
        return conn.execute(members(node, context).limit(1)).first() is not None

    def preview(self, workspace_id: int, definition: Any, sample: int = 10) -> dict[str, Any]:
        """How many live profiles a definition selects, a sample of them, and how long it took."""
        node = parse(definition)
        started = time.perf_counter()
        with self.engine.connect() as conn:
            query = members(node, self._context(conn, workspace_id)).subquery()
            size = conn.execute(select(func.count()).select_from(query)).scalar_one()
            ids = conn.execute(
                select(query.c.profile_id).order_by(query.c.profile_id).limit(sample)
            )
            found = [r.profile_id for r in ids]
        return {"size": size, "sample": found, "seconds": round(time.perf_counter() - started, 4)}

    def save(
        self, workspace_id: int, name: str, definition: Any, description: str | None = None
    ) -> dict[str, Any]:
        """Create or replace a segment; its definition is checked, references included, and
        its membership (and that of the segments referring to it) computed at once."""
        node = parse(definition)
        now = self.clock()
        with self.engine.begin() as conn:
            context = self._context(conn, workspace_id)
            if name in references(node):
                raise InvalidInput.one("definition", f"segment {name!r} refers to itself")
            members(node, context)  # compiles the references: unknown ones and cycles fail
            stmt = self.dialect.upsert(
                segments,
                ("workspace_id", "name"),
                ("definition", "description", "updated_at"),
            )
            conn.execute(
                stmt.values(
                    workspace_id=workspace_id,
                    name=name,
                    description=description,
                    definition=definition,
                    created_at=now,
                    updated_at=now,
                )
            )
            self.membership.compute(conn, workspace_id, name)
        return {"name": name, "definition": definition, "description": description}

    def current_members(
        self, workspace_id: int, name: str, after: str = "", limit: int = 100
    ) -> dict[str, Any]:
        """A page of the segment's members now (kept in real time), in profile id order."""
        return self.membership.current(workspace_id, name, after, limit)

    def list(self, workspace_id: int) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    segments.c.name,
                    segments.c.description,
                    segments.c.definition,
                    segments.c.updated_at,
                )
                .where(segments.c.workspace_id == workspace_id)
                .order_by(segments.c.name)
            )
            return [dict(r._mapping) for r in rows]

    def member_ids(self, workspace_id: int, name: str) -> Iterator[str]:
        """Every member's profile id, streamed (an export of a million does not load at once)."""
        with self.engine.connect() as conn:
            context = self._context(conn, workspace_id)
            node = context.definitions(name)
            if node is None:
                raise NotFound(f"no segment named {name!r}")
            query = members(node, context)
            for row in conn.execution_options(stream_results=True, yield_per=1000).execute(query):
                yield row.profile_id

    def contacts(self, workspace_id: int, name: str) -> Iterator[dict[str, Any]]:
        """Each member with its emails and phones (normalised), for a CSV export."""
        with self.engine.connect() as conn:
            context = self._context(conn, workspace_id)
            node = context.definitions(name)
            if node is None:
                raise NotFound(f"no segment named {name!r}")
            found = members(node, context).subquery()
            rows = conn.execution_options(stream_results=True, yield_per=1000).execute(
                select(found.c.profile_id, identities.c.type, identities.c.value)
                .outerjoin(
                    identities,
                    (identities.c.profile_id == found.c.profile_id)
                    & identities.c.type.in_(("email", "phone")),
                )
                .order_by(found.c.profile_id, identities.c.type, identities.c.value)
            )
            current: dict[str, Any] | None = None
            for profile_id, kind, value in rows:
                if current is None or current["profile_id"] != profile_id:
                    if current is not None:
                        yield current
                    current = {"profile_id": profile_id, "email": [], "phone": []}
                if kind is not None:
                    current[kind].append(value)
            if current is not None:
                yield current


def audience_lines(contacts: Iterator[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    """Ad networks' customer-match files: SHA-256 of each normalised email (lower-case,
    trimmed) and phone (E.164), one identifier a line, as Google and Meta expect."""
    for member in contacts:
        for email in member["email"]:
            yield "email_sha256", hashlib.sha256(email.encode()).hexdigest()
        for phone in member["phone"]:
            yield "phone_sha256", hashlib.sha256(phone.encode()).hexdigest()
