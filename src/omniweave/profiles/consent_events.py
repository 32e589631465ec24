"""Which consent decisions an event in the log carries. Pure: an event row in, decisions out.

- ``Consent Granted`` / ``Consent Revoked`` track events: ``properties.channel`` (one or a
  list) and ``properties.topic`` (default marketing).
- ``Unsubscribed``: as a revoke; without a channel it covers every channel, without a topic
  every topic that needs an opt-in (the person said "stop", not "stop this one list").
- ``identify`` traits ``emailOptIn``, ``smsOptIn``, ``pushOptIn``, ... (booleans): marketing.

The decision is given for the event's own address on that channel (its email for email, its
phone for SMS) when it carries one, else for the identity the event is attributed through.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from omniweave.core.time import parse_timestamp
from omniweave.identity.model import Identifier
from omniweave.profiles.consent_model import (
    ADDRESS_TYPES,
    CHANNELS,
    GRANT_EVENTS,
    GRANTED,
    REVOKE_EVENTS,
    REVOKED,
    TRAIT_FLAGS,
    ConsentPolicy,
    Decision,
    Proof,
)

CONSENT_EVENTS = GRANT_EVENTS + REVOKE_EVENTS


@dataclass
class EventConsents:
    decisions: list[Decision] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # why a part of the event was not applied
    from_traits: bool = False


def _names(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value.strip().lower()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip().lower() for v in value]
    return None


def _proof(properties: Mapping[str, Any], context: Mapping[str, Any]) -> Proof | None:
    confirmed = properties.get("doubleOptInConfirmedAt") or properties.get("confirmedAt")
    try:
        confirmed_at = parse_timestamp(confirmed) if isinstance(confirmed, str) else None
    except ValueError:
        confirmed_at = None
    proof = Proof(
        ip=context.get("ip") if isinstance(context.get("ip"), str) else None,
        user_agent=context.get("userAgent") if isinstance(context.get("userAgent"), str) else None,
        form_id=str(properties["formId"]) if properties.get("formId") is not None else None,
        double_opt_in_token=(
            str(properties["doubleOptInToken"]) if properties.get("doubleOptInToken") else None
        ),
        confirmed_at=confirmed_at,
    )
    return proof if proof.as_dict() else None


def subject_for(
    channel: str, identifiers: list[Identifier], attributed: tuple[str, str] | None
) -> tuple[str, str] | None:
    kind = ADDRESS_TYPES[channel]
    own = next((i for i in identifiers if i.valid and i.type == kind), None)
    return own.key if own is not None else attributed


def consents_in_event(
    row: Mapping[str, Any],
    identifiers: list[Identifier],
    attributed: tuple[str, str] | None,
    source: str,
    policy: ConsentPolicy,
) -> EventConsents:
    """The decisions in one event, each for its subject, dated by the event's timestamp."""
    found = EventConsents()
    wanted: list[tuple[str, str, str, str, Proof | None]] = []  # channel, topic, state, via, proof
    context = row.get("context") if isinstance(row.get("context"), dict) else {}
    if row.get("type") == "track" and row.get("event") in CONSENT_EVENTS:
        event = row["event"]
        properties = row.get("properties") if isinstance(row.get("properties"), dict) else {}
        state = GRANTED if event in GRANT_EVENTS else REVOKED
        channels = _names(properties.get("channel"))
        topics = _names(properties.get("topic"))
        if channels is None:
            if event != "Unsubscribed":
                found.skipped.append(f"{event}: properties.channel is missing")
                return found
            channels = list(CHANNELS)
        if topics is None:
            topics = list(policy.opt_in_topics) if event == "Unsubscribed" else ["marketing"]
        proof = _proof(properties, context)
        for channel in channels:
            if channel not in CHANNELS:
                found.skipped.append(f"{event}: unknown channel {channel!r}")
                continue
            for topic in topics:
                if topic not in policy.topics:
                    found.skipped.append(f"{event}: unknown topic {topic!r}")
                    continue
                wanted.append((channel, topic, state, event, proof))
    elif row.get("type") == "identify" and isinstance(row.get("traits"), dict):
        for flag, channel in TRAIT_FLAGS.items():
            value = row["traits"].get(flag)
            if isinstance(value, bool):
                found.from_traits = True
                state = GRANTED if value else REVOKED
                wanted.append((channel, "marketing", state, f"trait {flag}", _proof({}, context)))
    seen: set[tuple[str, str]] = set()
    for channel, topic, state, via, proof in wanted:
        subject = subject_for(channel, identifiers, attributed)
        if subject is None:
            found.skipped.append(f"{via}: the event has no identifier to hold the consent")
            continue
        if (channel, topic) in seen:
            continue
        seen.add((channel, topic))
        found.decisions.append(
            Decision(
                subject=subject,
                channel=channel,
                topic=topic,
                state=state,
                source=source,
                at=row["timestamp"],
                via=via,
                proof=proof,
                event_id=row.get("id"),
            )
        )
    return found
