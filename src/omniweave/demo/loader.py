"""Loading the demo through the ingest service, exactly as clients' data arrives.

Nothing is written around the service: events are validated into rows and appended, customers
and orders go through the record batch methods. So the demo is idempotent for the same reasons
real ingestion is, and a generator bug shows up as the error a client would get.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from omniweave.access.service import ensure_source, ensure_workspace
from omniweave.bootstrap import Container
from omniweave.core.errors import InvalidInput
from omniweave.demo.behaviour import demo_payloads
from omniweave.demo.model import SOURCES, WORKSPACE, DemoSpec, DemoWorkspace, Kind, Payload
from omniweave.ingest.rows import Envelope, event_rows
from omniweave.store.tables import events

BATCH_SIZE = 1000  # payloads a transaction


@dataclass
class LoadReport:
    """What was sent and what was new; a second run of the same demo stores nothing."""

    people: int = 0
    sent: Counter[str] = field(default_factory=Counter)
    stored: Counter[str] = field(default_factory=Counter)


def prepare_workspace(container: Container) -> DemoWorkspace:
    """The demo's workspace and its sources: site, app, crm, loyalty, callcenter, 20 tills."""
    now = container.clock()
    with container.engine.begin() as conn:
        workspace_id = ensure_workspace(conn, WORKSPACE, now)
        source_ids = {
            name: ensure_source(conn, workspace_id, name, kind, now)
            for name, kind in SOURCES.items()
        }
    return DemoWorkspace(workspace_id, source_ids)


def has_events(container: Container) -> bool:
    """Whether the store holds any event at all (``demo --if-empty`` then loads nothing)."""
    with container.engine.connect() as conn:
        return conn.execute(select(events.c.id).limit(1)).first() is not None


def load(
    container: Container,
    workspace: DemoWorkspace,
    spec: DemoSpec,
    on_person: Callable[[], None] = lambda: None,
) -> LoadReport:
    """Generate the demo a person at a time and write it in transactions of ``BATCH_SIZE``."""
    shipper = _Shipper(container, workspace)
    for payloads in demo_payloads(spec):
        for payload in payloads:
            shipper.add(payload)
        shipper.report.people += 1
        on_person()
    shipper.flush_all()
    return shipper.report


class _Shipper:
    """Holds payloads per (source, kind) until a batch is full, then writes it."""

    def __init__(self, container: Container, workspace: DemoWorkspace) -> None:
        self.ingest = container.ingest
        self.clock = container.clock
        self.workspace = workspace
        self.pending: dict[tuple[str, Kind], list[dict[str, Any]]] = {}
        self.report = LoadReport()

    def add(self, payload: Payload) -> None:
        key = (payload.source, payload.kind)
        batch = self.pending.setdefault(key, [])
        batch.append(payload.body)
        if len(batch) >= BATCH_SIZE:
            self._write(key, self.pending.pop(key))

    def flush_all(self) -> None:
        for key in list(self.pending):
            self._write(key, self.pending.pop(key))

    def _write(self, key: tuple[str, Kind], bodies: list[dict[str, Any]]) -> None:
        source, kind = key
        workspace_id = self.workspace.workspace_id
        source_id = self.workspace.source_ids[source]
        self.report.sent[kind] += len(bodies)
        if kind == "event":
            envelope = Envelope(workspace_id, source_id, self.clock(), origin="demo")
            rows = event_rows(bodies, envelope, self.ingest.limits)
            self.report.stored[kind] += self.ingest.append(rows).stored
            return
        write = self.ingest.customers if kind == "customer" else self.ingest.orders
        outcomes = write(workspace_id, source_id, bodies, origin="demo")
        refused = [o for o in outcomes if isinstance(o, InvalidInput)]
        if refused:
            raise InvalidInput([e for o in refused for e in o.errors])
        self.report.stored[kind] += sum(o.status != "unchanged" for o in outcomes)
