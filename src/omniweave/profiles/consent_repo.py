"""Reads and appends of consents and delivery state. The tables are append-only logs; the rules
that pick the row in force are in ``consent_model`` and ``reachability``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, select

from omniweave.identity.graph_repo import root_of
from omniweave.profiles.consent_model import ADDRESS_TYPES, Address, Decision, Delivery, Proof
from omniweave.store.consent_tables import consents, delivery_states
from omniweave.store.tables import identities

_CHUNK = 500


def decision_row(workspace_id: int, decision: Decision, now: datetime) -> dict[str, Any]:
    return {
        "workspace_id": workspace_id,
        "subject_type": decision.subject[0],
        "subject_value": decision.subject[1][:320],
        "channel": decision.channel,
        "topic": decision.topic,
        "state": decision.state,
        "source": decision.source[:100],
        "via": decision.via[:100],
        "proof": decision.proof.as_dict() if decision.proof else None,
        "at": decision.at,
        "event_id": decision.event_id,
        "recorded_at": now,
    }


def decision_of(row: Any) -> Decision:
    """A ``consents`` row as the rules read it."""
    return Decision(
        subject=(row.subject_type, row.subject_value),
        channel=row.channel,
        topic=row.topic,
        state=row.state,
        source=row.source,
        at=row.at,
        via=row.via,
        proof=Proof.from_dict(row.proof),
        event_id=row.event_id,
        seq=row.id,
    )


def append_decision(conn: Connection, workspace_id: int, decision: Decision, now: datetime) -> None:
    conn.execute(consents.insert().values(**decision_row(workspace_id, decision, now)))


def decisions_of_profile(conn: Connection, root: str) -> list[Decision]:
    """Every decision given for any identifier the profile holds today."""
    rows = conn.execute(
        select(consents)
        .join(
            identities,
            and_(
                identities.c.workspace_id == consents.c.workspace_id,
                identities.c.type == consents.c.subject_type,
                identities.c.value == consents.c.subject_value,
            ),
        )
        .where(identities.c.profile_id == root)
        .order_by(consents.c.at, consents.c.id)
    )
    return [decision_of(r) for r in rows]


def decisions_of_subject(
    conn: Connection,
    workspace_id: int,
    subject: tuple[str, str],
    channel: str,
    topic: str,
) -> list[Decision]:
    rows = conn.execute(
        select(consents)
        .where(
            consents.c.workspace_id == workspace_id,
            consents.c.subject_type == subject[0],
            consents.c.subject_value == subject[1],
            consents.c.channel == channel,
            consents.c.topic == topic,
        )
        .order_by(consents.c.at, consents.c.id)
    )
    return [decision_of(r) for r in rows]


def addresses_of_profile(conn: Connection, root: str) -> list[Address]:
    """The channel addresses among the profile's identities (a phone serves several channels)."""
    kinds = set(ADDRESS_TYPES.values())
    rows = conn.execute(
        select(identities.c.type, identities.c.value, identities.c.first_seen_at).where(
            identities.c.profile_id == root, identities.c.type.in_(kinds)
        )
    )
    found = []
    for row in rows:
        for channel, kind in ADDRESS_TYPES.items():
            if kind == row.type:
                found.append(Address(channel, row.value, row.first_seen_at))
    return found


def deliveries_for(
    conn: Connection, workspace_id: int, addresses: Iterable[Address]
) -> list[Delivery]:
    values = sorted({a.value for a in addresses})
    found: list[Delivery] = []
    for start in range(0, len(values), _CHUNK):
        rows = conn.execute(
            select(delivery_states).where(
                delivery_states.c.workspace_id == workspace_id,
                delivery_states.c.address.in_(values[start : start + _CHUNK]),
            )
        )
        found += [Delivery(r.channel, r.address, r.state, r.at, r.reason, seq=r.id) for r in rows]
    return found


def append_delivery(conn: Connection, workspace_id: int, report: Delivery, now: datetime) -> None:
    conn.execute(
        delivery_states.insert().values(
            workspace_id=workspace_id,
            channel=report.channel,
            address=report.address[:320],
            state=report.state,
            reason=report.reason,
            at=report.at,
            recorded_at=now,
        )
    )


def profile_of_subject(conn: Connection, workspace_id: int, subject: tuple[str, str]) -> str | None:
    """The profile an identifier belongs to today, if the identity resolver has seen it."""
    owner = conn.execute(
        select(identities.c.profile_id).where(
            identities.c.workspace_id == workspace_id,
            identities.c.type == subject[0],
            identities.c.value == subject[1],
        )
    ).scalar()
    return None if owner is None else root_of(conn, owner)
