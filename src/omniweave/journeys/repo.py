"""Journeys in the store: versions, runs (a person's state and timer), the step log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from omniweave.journeys.engine import Run
from omniweave.store.dialect import Dialect
from omniweave.store.journey_tables import journey_runs, journey_steps, journeys
from omniweave.store.segment_tables import segment_memberships, segments
from omniweave.store.tables import event_identities, events, identities, profiles

LIVE = ("active", "waiting")


def latest(conn: Connection, workspace_id: int, name: str) -> Any | None:
    return conn.execute(
        select(journeys)
        .where(journeys.c.workspace_id == workspace_id, journeys.c.name == name)
        .order_by(journeys.c.version.desc())
        .limit(1)
    ).first()


def active(conn: Connection, workspace_id: int) -> list[Any]:
    return conn.execute(
        select(journeys).where(
            journeys.c.workspace_id == workspace_id, journeys.c.status == "active"
        )
    ).all()


def version(conn: Connection, journey_id: int) -> Any:
    return conn.execute(select(journeys).where(journeys.c.id == journey_id)).one()


def as_run(row: Any) -> Run:
    return Run(
        step=row.step,
        status=row.status,
        entered_at=row.entered_at,
        wake_at=row.wake_at,
        waiting_for=row.waiting_for,
        variant=row.variant,
        held_out=row.held_out,
        path=tuple(row.path or ()),
        entry=row.entry or {},
        ended_at=row.ended_at,
    )


def run_values(run: Run) -> dict[str, Any]:
    return {
        "step": run.step,
        "status": run.status,
        "wake_at": run.wake_at,
        "waiting_for": dict(run.waiting_for) if run.waiting_for else None,
        "variant": run.variant,
        "held_out": run.held_out,
        "path": list(run.path),
        "ended_at": run.ended_at,
    }


def start(
    conn: Connection,
    dialect: Dialect,
    journey: Any,
    profile_id: str,
    entry_key: str,
    entry: dict[str, Any],
    now: datetime,
) -> int | None:
    """A new run, unless this entry (same journey, same key) exists: None then."""
    stmt = dialect.insert_ignoring_duplicates(
        journey_runs, ("workspace_id", "journey", "entry_key")
    ).values(
        workspace_id=journey.workspace_id,
        journey_id=journey.id,
        journey=journey.name,
        profile_id=profile_id,
        entry_key=entry_key,
        status="active",
        entered_at=now,
        held_out=False,
        path=[],
        entry=entry,
    )
    if conn.execute(stmt).rowcount == 0:
        return None
    return conn.execute(
        select(journey_runs.c.id).where(
            journey_runs.c.workspace_id == journey.workspace_id,
            journey_runs.c.journey == journey.name,
            journey_runs.c.entry_key == entry_key,
        )
    ).scalar_one()


def save(conn: Connection, run_id: int, run: Run) -> None:
    conn.execute(update(journey_runs).where(journey_runs.c.id == run_id).values(**run_values(run)))


def step_row(
    run: Any, journey_id: int, step: str, outcome: str, detail: str, at: datetime
) -> dict[str, Any]:
    return {
        "run_id": run.id,
        "workspace_id": run.workspace_id,
        "journey_id": journey_id,
        "step": step,
        "outcome": outcome[:32],
        "detail": detail,
        "at": at,
    }


def log_steps(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """The steps a batch took, in one statement."""
    if rows:
        conn.execute(journey_steps.insert(), rows)


def previous(conn: Connection, workspace_id: int, name: str, profile_id: str) -> list[Any]:
    """The person's earlier runs of the journey: (entered_at, ended_at, status)."""
    return conn.execute(
        select(journey_runs.c.entered_at, journey_runs.c.ended_at, journey_runs.c.status).where(
            journey_runs.c.workspace_id == workspace_id,
            journey_runs.c.journey == name,
            journey_runs.c.profile_id == profile_id,
        )
    ).all()


def live_runs(conn: Connection, profile_ids: Sequence[str]) -> list[Any]:
    return conn.execute(
        select(journey_runs)
        .where(journey_runs.c.profile_id.in_(profile_ids), journey_runs.c.status.in_(LIVE))
        .order_by(journey_runs.c.id)
    ).all()


def due(conn: Connection, dialect: Dialect, now: datetime, limit: int) -> list[Any]:
    query = (
        select(journey_runs)
        .where(journey_runs.c.status == "waiting", journey_runs.c.wake_at <= now)
        .order_by(journey_runs.c.wake_at, journey_runs.c.id)
        .limit(limit)
    )
    if dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return conn.execute(query).all()


def lock_run(conn: Connection, dialect: Dialect, run_id: int) -> Any:
    query = select(journey_runs).where(journey_runs.c.id == run_id)
    if dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).one()


def profiles_of_events(conn: Connection, event_ids: Sequence[int]) -> dict[int, str]:
    """Each event's live profile (identities always point at the live one: a merge moves
    them)."""
    rows = conn.execute(
        select(event_identities.c.event_id, identities.c.profile_id)
        .join(identities, identities.c.id == event_identities.c.identity_id)
        .where(event_identities.c.event_id.in_(event_ids))
    )
    return {r.event_id: r.profile_id for r in rows}


def events_since(
    conn: Connection, profile_id: str, names: Sequence[str], since: datetime
) -> list[Any]:
    return conn.execute(
        select(events.c.id, events.c.event, events.c.type, events.c.properties, events.c.timestamp)
        .join(event_identities, event_identities.c.event_id == events.c.id)
        .join(identities, identities.c.id == event_identities.c.identity_id)
        .where(
            identities.c.profile_id == profile_id,
            events.c.event.in_(names),
            events.c.timestamp >= since,
        )
        .order_by(events.c.timestamp)
    ).all()


def step_numbers(conn: Connection, journey_ids: Sequence[int]) -> dict[str, dict[str, int]]:
    rows = conn.execute(
        select(journey_steps.c.step, journey_steps.c.outcome, func.count())
        .where(journey_steps.c.journey_id.in_(journey_ids))
        .group_by(journey_steps.c.step, journey_steps.c.outcome)
    )
    found: dict[str, dict[str, int]] = {}
    for step, outcome, count in rows:
        found.setdefault(step, {})[outcome] = count
    return found


def run_counts(conn: Connection, journey_ids: Sequence[int]) -> dict[str, int]:
    rows = conn.execute(
        select(journey_runs.c.status, func.count())
        .where(journey_runs.c.journey_id.in_(journey_ids))
        .group_by(journey_runs.c.status)
    )
    return {status: n for status, n in rows}


def scheduled(conn: Connection, dialect: Dialect) -> list[Any]:
    """Active versions whose trigger is a schedule or a date (locked: one sweeper at once)."""
    query = select(journeys).where(journeys.c.status == "active").order_by(journeys.c.id)
    if dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = conn.execute(query).all()
    return [r for r in rows if {"schedule", "date"} & set(r.definition["trigger"])]


def mark_scheduled(conn: Connection, journey_id: int, now: datetime) -> None:
    conn.execute(update(journeys).where(journeys.c.id == journey_id).values(last_scheduled_at=now))


def audience(conn: Connection, workspace_id: int, segment: str | None) -> list[str]:
    """A segment's members now, or every live profile of the workspace."""
    if segment is None:
        query = select(profiles.c.id).where(
            profiles.c.workspace_id == workspace_id, profiles.c.merged_into.is_(None)
        )
    else:
        query = (
            select(segment_memberships.c.profile_id)
            .join(segments, segments.c.id == segment_memberships.c.segment_id)
            .where(
                segments.c.workspace_id == workspace_id,
                segments.c.name == segment,
                segment_memberships.c.exited_at.is_(None),
            )
        )
    return list(conn.execute(query).scalars())


def trait_values(conn: Connection, workspace_id: int, trait: str) -> list[tuple[str, Any]]:
    """Each live profile's latest value of a raw trait (from identify calls), when it has one."""
    rows = conn.execute(
        select(identities.c.profile_id, events.c.traits)
        .join(event_identities, event_identities.c.identity_id == identities.c.id)
        .join(events, events.c.id == event_identities.c.event_id)
        .where(events.c.workspace_id == workspace_id, events.c.type == "identify")
        .order_by(events.c.timestamp, events.c.id)
    )
    latest: dict[str, Any] = {}
    for profile_id, traits in rows:
        if isinstance(traits, dict) and traits.get(trait):
            latest[profile_id] = traits[trait]
    return sorted(latest.items())
