"""Whom a message may reach, on which channel, and why: pure rules over consents and state.

Reachable iff the channel has a valid address AND the consent the topic needs is in force AND
the address is not bounced, complained about or blocked. Every outcome says why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from omniweave.core.time import as_utc
from omniweave.profiles.consent_model import (
    ADDRESS_TYPES,
    HARD_BLOCKS,
    REVOKED,
    Address,
    ConsentPolicy,
    Decision,
    Delivery,
    as_of,
    confirmed_grant,
    day,
    in_force,
)

_NO_ADDRESS = {
    "email": "no email address",
    "push": "no device token",
    "web_push": "no web push subscription",
}
_STATE_WORDS = {
    "soft_bounce": "soft bounce",
    "hard_bounce": "hard bounce",
    "complained": "spam complaint",
    "blocked": "blocked",
}


@dataclass(frozen=True)
class Reachability:
    channel: str
    topic: str
    reachable: bool
    address: str | None
    reasons: list[str]
    consent: Decision | None = None  # the decision that allowed it (or refused it)

    def as_dict(self) -> dict[str, Any]:
        return {
            "reachable": self.reachable,
            "address": self.address,
            "consent": self.consent.as_dict() if self.consent else None,
            "reasons": self.reasons,
        }


@dataclass(frozen=True)
class _Verdict:
    allowed: bool
    decision: Decision | None
    reason: str


def consent_verdict(
    decisions: Iterable[Decision], channel: str, topic: str, policy: ConsentPolicy
) -> _Verdict:
    """Whether the consent the topic needs on the channel is in force, with the reason."""
    decisions = list(decisions)
    current = in_force(decisions, channel, topic)
    if current is not None and current.state == REVOKED:
        return _Verdict(False, current, revoked_reason(current))
    if not policy.needs_opt_in(topic):
        return _Verdict(True, current, f"{channel} {topic}: needs no opt-in")
    if current is None:
        return _Verdict(False, None, f"{channel} {topic}: no consent given")
    granted = f"{channel} {topic}: granted {day(current.at)} via {current.source}"
    if channel == "email" and policy.email_double_opt_in:
        confirmed = confirmed_grant(decisions, channel, topic)
        if confirmed is None:
            return _Verdict(False, current, f"{granted}, but double opt-in not confirmed")
        assert confirmed.proof is not None and confirmed.proof.confirmed_at is not None
        when = day(confirmed.proof.confirmed_at)
        return _Verdict(True, confirmed, f"{granted}, double opt-in confirmed {when}")
    return _Verdict(True, current, granted)


def revoked_reason(decision: Decision) -> str:
    when, channel, topic = day(decision.at), decision.channel, decision.topic
    if decision.source == "sms_stop":
        return f"{channel}: STOP received {when} via sms_stop"
    if decision.source == "one_click":
        return f"{channel} {topic}: one-click unsubscribe {when} via one_click"
    return f"{channel} {topic}: revoked {when} via {decision.source}"


def delivery_verdict(
    reports: Iterable[Delivery], channel: str, address: str, now: datetime, policy: ConsentPolicy
) -> tuple[bool, str | None]:
    """Whether an address can be sent to now (its latest report decides), and why not."""
    own = [r for r in reports if r.channel == channel and r.address == address]
    latest = max(own, key=lambda r: (as_utc(r.at), r.seq), default=None)
    if latest is None or latest.state == "ok":
        return True, None
    said = f"{channel} {address}: {_STATE_WORDS.get(latest.state, latest.state)} {day(latest.at)}"
    if latest.reason:
        said += f" ({latest.reason})"
    if latest.state in HARD_BLOCKS:
        return False, said
    until = as_utc(latest.at) + policy.soft_bounce_pause
    if as_utc(now) < until:
        return False, f"{said}, paused until {until:%Y-%m-%d %H:%M}"
    return True, f"{said}, pause over"


def _newest(address: Address) -> tuple[bool, float, str]:
    """The most recently seen address first: people keep their current one up to date."""
    seen = as_utc(address.seen_at).timestamp() if address.seen_at else 0.0
    return (address.seen_at is None, -seen, address.value)


def decide_reachability(
    addresses: Iterable[Address],
    consents: Iterable[Decision],
    delivery_state: Iterable[Delivery],
    channel: str,
    topic: str,
    now: datetime,
    policy: ConsentPolicy | None = None,
) -> Reachability:
    """Can a message on ``topic`` reach the person on ``channel`` now, at which address, why."""
    if channel not in ADDRESS_TYPES:
        raise ValueError(f"unknown channel {channel!r}")
    policy = policy or ConsentPolicy()
    reports = list(delivery_state)
    candidates = sorted(
        {a.value: a for a in addresses if a.channel == channel}.values(), key=_newest
    )
    verdict = consent_verdict(as_of(consents, now), channel, topic, policy)
    reasons = [verdict.reason]
    if not candidates:
        reasons.insert(0, f"{channel}: {_NO_ADDRESS.get(channel, 'no phone number')}")
        return Reachability(channel, topic, False, None, reasons, verdict.decision)
    chosen = None
    for candidate in candidates:
        usable, why = delivery_verdict(reports, channel, candidate.value, now, policy)
        if why:
            reasons.append(why)
        if usable and chosen is None:
            chosen = candidate.value
    reachable = verdict.allowed and chosen is not None
    if chosen is None:
        reasons.append(f"{channel}: every address is bounced or blocked")
    elif reachable:
        reasons.append(f"{channel}: sends to {chosen}")
    address = chosen if chosen is not None else candidates[0].value
    return Reachability(channel, topic, reachable, address, reasons, verdict.decision)
