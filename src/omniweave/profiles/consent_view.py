"""A profile's consents and reachability as the API shows them: the decision in force per
channel and topic with its source, time and proof; the history; and, per channel and topic,
whether a message may reach the person, at which address, and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from omniweave.identity.profile_view import workspace_of
from omniweave.profiles.consent_model import CHANNELS, ConsentPolicy, Decision, as_of, in_force
from omniweave.profiles.consent_repo import (
    addresses_of_profile,
    decisions_of_profile,
    deliveries_for,
)
from omniweave.profiles.reachability import Reachability, decide_reachability


def reachability_of(
    conn: Connection,
    root: str,
    now: datetime,
    policy: ConsentPolicy | None = None,
    channels: tuple[str, ...] = CHANNELS,
    decisions: list[Decision] | None = None,
) -> dict[str, dict[str, Reachability]]:
    """Per channel and topic: reachable, the address, the consent, the reasons."""
    policy = policy or ConsentPolicy()
    workspace_id = workspace_of(conn, root)
    if decisions is None:
        decisions = decisions_of_profile(conn, root)
    addresses = addresses_of_profile(conn, root)
    reports = deliveries_for(conn, workspace_id, addresses) if workspace_id is not None else []
    return {
        channel: {
            topic: decide_reachability(addresses, decisions, reports, channel, topic, now, policy)
            for topic in policy.topics
        }
        for channel in channels
    }


def consent_view(
    conn: Connection, root_profile_id: str, now: datetime, policy: ConsentPolicy | None = None
) -> dict[str, Any]:
    """The ``consents`` part of a profile: what is in force, the history, and reachability."""
    policy = policy or ConsentPolicy()
    recorded = decisions_of_profile(conn, root_profile_id)
    decisions = as_of(recorded, now)
    current = [
        decision.as_dict()
        for channel in CHANNELS
        for topic in policy.topics
        if (decision := in_force(decisions, channel, topic)) is not None
    ]
    reach = reachability_of(conn, root_profile_id, now, policy, decisions=decisions)
    return {
        "profile": root_profile_id,
        "consents": current,
        "history": [d.as_dict() for d in sorted(recorded, key=lambda d: d.order, reverse=True)],
        "reachability": {
            channel: {topic: r.as_dict() for topic, r in by_topic.items()}
            for channel, by_topic in reach.items()
        },
    }
