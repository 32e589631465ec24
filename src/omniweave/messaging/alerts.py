"""Alerts for the admin when a provider or a source keeps failing: one open alert per
subject, counted; after ``threshold`` failures in a row the admin gets an email and a signed
webhook, then at most one reminder an hour; the first success closes it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from omniweave.core.time import Clock
from omniweave.store.message_tables import alerts
from omniweave.store.tables import sources

Notify = Callable[[dict[str, Any]], None]


@dataclass
class Alerts:
    notify: Notify | None = None  # queues the email and the webhook (bootstrap wires it)
    threshold: int = 5
    remind_every: timedelta = timedelta(hours=1)

    def failed(
        self, conn: Connection, kind: str, subject: str, message: str, now: datetime
    ) -> None:
        row = conn.execute(_open(kind, subject)).first()
        if row is None:
            conn.execute(
                alerts.insert().values(
                    kind=kind, subject=subject, message=message, count=1, first_at=now, last_at=now
                )
            )
            count, notified = 1, None
        else:
            count, notified = row.count + 1, row.notified_at
            conn.execute(
                update(alerts)
                .where(alerts.c.id == row.id)
                .values(count=count, last_at=now, message=message)
            )
        due = notified is None or now - notified >= self.remind_every
        if count >= self.threshold and due:
            conn.execute(
                update(alerts)
                .where(alerts.c.kind == kind, alerts.c.subject == subject)
                .where(alerts.c.resolved_at.is_(None))
                .values(notified_at=now)
            )
            if self.notify is not None:
                self.notify(
                    {
                        "kind": kind,
                        "subject": subject,
                        "failures": count,
                        "last": message,
                        "at": now,
                    }
                )

    def succeeded(self, conn: Connection, kind: str, subject: str, now: datetime) -> None:
        conn.execute(
            update(alerts)
            .where(alerts.c.kind == kind, alerts.c.subject == subject)
            .where(alerts.c.resolved_at.is_(None))
            .values(resolved_at=now)
        )


def _open(kind: str, subject: str):
    return select(alerts).where(
        alerts.c.kind == kind, alerts.c.subject == subject, alerts.c.resolved_at.is_(None)
    )


def listing(conn: Connection, limit: int = 100) -> list[dict[str, Any]]:
    rows = conn.execute(select(alerts).order_by(alerts.c.id.desc()).limit(limit)).mappings()
    return [dict(r) for r in rows]


class SourceWatch:
    """A source whose requests keep being refused (a broken integration: a site sending a
    wrong payload, a till with a bad clock) raises a ``source`` alert like a failing
    provider; its next accepted request closes it. Accepted requests cost nothing while no
    alert is open for the source (kept in memory per process)."""

    def __init__(self, engine: Engine, clock: Clock, alerts: Alerts) -> None:
        self.engine = engine
        self.clock = clock
        self.alerts = alerts
        self.open: set[int] = set()

    def refused(self, source_id: int, why: str) -> None:
        with self.engine.begin() as conn:
            self.alerts.failed(conn, "source", _subject(conn, source_id), why, self.clock())
        self.open.add(source_id)

    def accepted(self, source_id: int) -> None:
        if source_id not in self.open:
            return
        self.open.discard(source_id)
        with self.engine.begin() as conn:
            self.alerts.succeeded(conn, "source", _subject(conn, source_id), self.clock())


def _subject(conn: Connection, source_id: int) -> str:
    row = conn.execute(
        select(sources.c.name, sources.c.workspace_id).where(sources.c.id == source_id)
    ).one()
    return f"{row.workspace_id}/{row.name}"[:100]
