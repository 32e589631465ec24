"""Consents and delivery state as data, and the pure rules that pick the decision in force.

A consent is a decision about one channel and one topic, given for one identifier (the
subject). The decision in force for a profile is the latest of its identifiers' decisions for
that channel and topic; at the same moment a revoke wins over a grant.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from omniweave.core.time import as_utc, iso, parse_timestamp

GRANTED, REVOKED, UNKNOWN = "granted", "revoked", "unknown"
STATES = (GRANTED, REVOKED)

# Which identifier type is the address on each channel.
ADDRESS_TYPES: Mapping[str, str] = {
    "email": "email",
    "sms": "phone",
    "viber": "phone",
    "whatsapp": "phone",
    "telegram": "phone",
    "push": "device_token",
    "web_push": "web_push",
}
CHANNELS = tuple(ADDRESS_TYPES)

# What providers report about an address; the last three make it unreachable for good.
DELIVERY_STATES = ("ok", "soft_bounce", "hard_bounce", "complained", "blocked")
HARD_BLOCKS = ("hard_bounce", "complained", "blocked")

# Identify traits that carry an opt-in flag (Segment's and the demo CRM's naming).
TRAIT_FLAGS: Mapping[str, str] = {
    "emailOptIn": "email",
    "smsOptIn": "sms",
    "pushOptIn": "push",
    "webPushOptIn": "web_push",
    "viberOptIn": "viber",
    "whatsappOptIn": "whatsapp",
    "telegramOptIn": "telegram",
}
GRANT_EVENTS = ("Consent Granted",)
REVOKE_EVENTS = ("Consent Revoked", "Unsubscribed")

_STOP_WORDS = frozenset({"stop", "стоп", "unsubscribe", "отписка", "отписаться", "stopall"})


@dataclass(frozen=True)
class Proof:
    """What shows the person decided: where from, and for email the double opt-in."""

    ip: str | None = None
    user_agent: str | None = None
    form_id: str | None = None
    double_opt_in_token: str | None = None
    confirmed_at: datetime | None = None  # when the double opt-in link was followed

    def as_dict(self) -> dict[str, Any]:
        found = {
            "ip": self.ip,
            "userAgent": self.user_agent,
            "formId": self.form_id,
            "doubleOptInToken": self.double_opt_in_token,
            "confirmedAt": iso(self.confirmed_at) if self.confirmed_at else None,
        }
        return {k: v for k, v in found.items() if v is not None}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None) -> Proof | None:
        if not raw:
            return None
        confirmed = raw.get("confirmedAt")
        return cls(
            ip=raw.get("ip"),
            user_agent=raw.get("userAgent"),
            form_id=raw.get("formId"),
            double_opt_in_token=raw.get("doubleOptInToken"),
            confirmed_at=parse_timestamp(confirmed) if isinstance(confirmed, str) else None,
        )


@dataclass(frozen=True)
class Decision:
    """One consent decision as recorded; ``seq`` (the row id) orders decisions made at once."""

    subject: tuple[str, str]  # (identifier type, normalised value)
    channel: str
    topic: str
    state: str  # granted | revoked
    source: str  # a source's name, "api", "preference_centre", "one_click", "sms_stop"
    at: datetime
    via: str = "request"
    proof: Proof | None = None
    event_id: int | None = None
    seq: int = 0

    @property
    def order(self) -> tuple[datetime, int, int]:
        # Latest wins; at the same moment a revoke wins over a grant.
        return (as_utc(self.at), self.state == REVOKED, self.seq)

    def as_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "topic": self.topic,
            "state": self.state,
            "source": self.source,
            "via": self.via,
            "at": self.at,
            "subject": {"type": self.subject[0], "value": self.subject[1]},
            "proof": self.proof.as_dict() if self.proof else None,
            "eventId": self.event_id,
        }


@dataclass(frozen=True)
class Address:
    """An address a channel can send to, from one of the profile's identities."""

    channel: str
    value: str
    seen_at: datetime | None = None


@dataclass(frozen=True)
class Delivery:
    """A provider's report (or an operator's block) about one address on one channel."""

    channel: str
    address: str
    state: str
    at: datetime
    reason: str | None = None
    seq: int = 0


@dataclass(frozen=True)
class ConsentPolicy:
    """Which topics exist, which of them need no opt-in, and how strict email opt-in is."""

    topics: tuple[str, ...] = ("marketing", "news", "transactional")
    opt_out_topics: frozenset[str] = field(default_factory=lambda: frozenset({"transactional"}))
    email_double_opt_in: bool = False
    soft_bounce_pause: timedelta = timedelta(hours=24)

    def needs_opt_in(self, topic: str) -> bool:
        return topic not in self.opt_out_topics

    @property
    def opt_in_topics(self) -> tuple[str, ...]:
        return tuple(t for t in self.topics if self.needs_opt_in(t))


def policy_from_settings(
    *, topics: str, opt_out_topics: str, email_double_opt_in: bool
) -> ConsentPolicy:
    """The policy from the settings' comma-separated lists."""
    names = tuple(dict.fromkeys(t.strip() for t in topics.split(",") if t.strip()))
    free = frozenset(t.strip() for t in opt_out_topics.split(",") if t.strip())
    if not names:
        raise ValueError("consent topics: at least one topic is needed")
    if free - set(names):
        raise ValueError(f"consent opt-out topics {sorted(free - set(names))} are not topics")
    return ConsentPolicy(names, free, email_double_opt_in)


def as_of(decisions: Iterable[Decision], now: datetime) -> list[Decision]:
    """Decisions dated after ``now`` (a skewed clock) count as made now, so a revoke made now
    is never beaten by a grant that claims to come from the future."""
    now = as_utc(now)
    return [d if as_utc(d.at) <= now else replace(d, at=now) for d in decisions]


def in_force(decisions: Iterable[Decision], channel: str, topic: str) -> Decision | None:
    """The decision in force for a channel and topic: the latest; a revoke wins a tie."""
    relevant = [d for d in decisions if d.channel == channel and d.topic == topic]
    return max(relevant, key=lambda d: d.order, default=None)


def confirmed_grant(decisions: Iterable[Decision], channel: str, topic: str) -> Decision | None:
    """The latest grant with a confirmed double opt-in made after the latest revoke."""
    relevant = [d for d in decisions if d.channel == channel and d.topic == topic]
    revokes = [d.order for d in relevant if d.state == REVOKED]
    last_revoke = max(revokes, default=None)
    confirmed = [
        d
        for d in relevant
        if d.state == GRANTED
        and d.proof is not None
        and d.proof.confirmed_at is not None
        and (last_revoke is None or d.order > last_revoke)
    ]
    return max(confirmed, key=lambda d: d.order, default=None)


def is_stop(text: str) -> bool:
    """An SMS reply asking to stop: STOP, СТОП, UNSUBSCRIBE, ОТПИСКА, any case, trimmed."""
    word = unicodedata.normalize("NFKC", text).strip().strip(".!").casefold()
    return word in _STOP_WORDS


def day(moment: datetime) -> str:
    return as_utc(moment).date().isoformat()
