"""Everything stored about a person, as one JSON-ready document (the right of access)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, and_, select, tuple_

from omniweave.identity.graph_repo import row_dicts
from omniweave.privacy.model import Person
from omniweave.privacy.registry import chunks
from omniweave.store.consent_tables import consents, delivery_states
from omniweave.store.journey_tables import journey_runs, journey_steps
from omniweave.store.message_tables import messages, web_push_subscriptions
from omniweave.store.segment_tables import segment_memberships, segments
from omniweave.store.tables import customer_records, events, orders, sources
from omniweave.store.trait_tables import computed_traits


def document(conn: Connection, person: Person, view: dict[str, Any]) -> dict[str, Any]:
    """The profile view plus every row the erase would touch, per kind."""
    return {
        "profileId": person.root,
        "mergedProfiles": [p for p in person.profile_ids if p != person.root],
        "profile": view,
        "identifiers": [{"type": i.type, "value": i.value} for i in person.identities],
        "consents": _by_keys(conn, person, consents),
        "deliveryStates": _rows(
            conn,
            delivery_states,
            person.addresses(),
            lambda c: and_(
                delivery_states.c.workspace_id == person.workspace_id,
                delivery_states.c.address.in_(c),
            ),
        ),
        "computedTraits": _rows(
            conn, computed_traits, person.profile_ids, computed_traits.c.profile_id.in_
        ),
        "segments": _memberships(conn, person),
        "events": _events(conn, person),
        "orders": _records(conn, person, orders),
        "customerRecords": _records(conn, person, customer_records),
        "messages": _rows(conn, messages, person.profile_ids, messages.c.profile_id.in_),
        "journeyRuns": _journey_runs(conn, person),
        "webPushSubscriptions": [
            {k: v for k, v in r.items() if k not in ("p256dh", "auth")}
            for r in _rows(
                conn,
                web_push_subscriptions,
                [i.value for i in person.identities if i.type == "web_push"],
                web_push_subscriptions.c.endpoint.in_,
            )
        ],
    }


def _rows(conn: Connection, table: Table, values, where) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for chunk in chunks(values):
        found += row_dicts(conn.execute(select(table).where(where(chunk))))
    return found


def _by_keys(conn: Connection, person: Person, table: Table) -> list[dict[str, Any]]:
    return _rows(
        conn,
        table,
        person.keys,
        lambda c: and_(
            table.c.workspace_id == person.workspace_id,
            tuple_(table.c.subject_type, table.c.subject_value).in_(c),
        ),
    )


def _events(conn: Connection, person: Person) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for chunk in chunks(person.event_ids):
        found += row_dicts(
            conn.execute(
                select(*events.c, sources.c.name.label("source"))
                .join(sources, sources.c.id == events.c.source_id)
                .where(events.c.id.in_(chunk))
                .order_by(events.c.id)
            )
        )
    return found


def _records(conn: Connection, person: Person, table: Table) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for chunk in chunks(person.event_ids):
        attributed = select(events.c.source_id, events.c.message_id).where(events.c.id.in_(chunk))
        found += row_dicts(
            conn.execute(
                select(table).where(tuple_(table.c.source_id, table.c.message_id).in_(attributed))
            )
        )
    return found


def _memberships(conn: Connection, person: Person) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for chunk in chunks(person.profile_ids):
        found += row_dicts(
            conn.execute(
                select(segment_memberships, segments.c.name.label("segment"))
                .join(segments, segments.c.id == segment_memberships.c.segment_id)
                .where(segment_memberships.c.profile_id.in_(chunk))
            )
        )
    return found


def _journey_runs(conn: Connection, person: Person) -> list[dict[str, Any]]:
    runs = _rows(conn, journey_runs, person.profile_ids, journey_runs.c.profile_id.in_)
    steps = _rows(conn, journey_steps, [r["id"] for r in runs], journey_steps.c.run_id.in_)
    for run in runs:
        run["steps"] = [s for s in steps if s["run_id"] == run["id"]]
    return runs
