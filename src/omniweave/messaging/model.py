"""The send decision's inputs and outputs as data: who (a recipient's contacts per channel),
what (a message's topic, channels, dedup key), the rules (cascade, costs, caps, quiet hours),
what happened before (sends, purchases, the goal) and the decision with every rule it ran.

The decision itself (``decide.py``) is a pure function of these; the service loads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal

from omniweave.core.time import iso

# The cheapest reachable channel first: the seeds' cascade.
DEFAULT_CASCADE: tuple[str, ...] = ("push", "email", "web_push", "viber", "sms")
DEFAULT_COSTS: Mapping[str, Decimal] = {
    "push": Decimal("0"),
    "web_push": Decimal("0"),
    "email": Decimal("0.05"),
    "telegram": Decimal("0.10"),
    "viber": Decimal("0.80"),
    "whatsapp": Decimal("0.90"),
    "sms": Decimal("2.00"),
}

Outcome = Literal["send", "defer", "suppress"]


@dataclass(frozen=True)
class Contact:
    """Whether the message's topic can reach the person on one channel now, and why."""

    channel: str
    reachable: bool
    address: str | None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recipient:
    profile_id: str
    workspace_id: int
    contacts: Mapping[str, Contact]  # by channel, for the message's topic
    timezone: str | None = None  # IANA name from the profile; None: the policy's default
    preferred_channel: str | None = None  # the computed trait ``preferred_channel``


@dataclass(frozen=True)
class MessageSpec:
    """What is to be sent, as far as the decision cares."""

    topic: str  # a consent topic: marketing, news, transactional, ...
    channels: tuple[str, ...]  # the channels the template has content for
    cascade: tuple[str, ...] | None = None  # overrides the policy's order for this message
    dedup_key: str | None = None  # the same content: reaches a person once within the window
    dedup_window: timedelta = timedelta(days=1)
    products: tuple[str, ...] = ()  # advertised products: suppressed if just bought
    exclude: tuple[str, ...] = ()  # channels already tried (a fallback)
    # None: the policy decides (transactional topics are); True/False overrides it.
    transactional: bool | None = None


@dataclass(frozen=True)
class Cap:
    """At most ``limit`` marketing messages per ``period`` (rolling), on one channel or on all
    (``channel`` None)."""

    limit: int
    period: Literal["day", "week"]
    channel: str | None = None

    @property
    def window(self) -> timedelta:
        return timedelta(days=1) if self.period == "day" else timedelta(days=7)

    def describe(self) -> str:
        where = self.channel or "all channels"
        return f"{self.limit} a {self.period} on {where}"


@dataclass(frozen=True)
class QuietHours:
    """No marketing message between ``start`` and ``end`` in the person's own time (the
    window may cross midnight: 21:00-09:00); a message due then waits, it is not dropped."""

    start: time
    end: time


@dataclass(frozen=True)
class SendPolicy:
    cascade: tuple[str, ...] = DEFAULT_CASCADE
    costs: Mapping[str, Decimal] = field(default_factory=lambda: dict(DEFAULT_COSTS))
    caps: tuple[Cap, ...] = ()
    quiet_hours: QuietHours | None = None
    default_timezone: str = "UTC"
    prefer_preferred_channel: bool = False  # move the person's preferred channel first
    prefer_cheapest: bool = False  # order the cascade by cost (stable: ties keep the order)
    transactional_topics: frozenset[str] = frozenset({"transactional"})
    just_bought_window: timedelta = timedelta(days=14)

    def is_transactional(self, message: MessageSpec) -> bool:
        if message.transactional is not None:
            return message.transactional
        return message.topic in self.transactional_topics


@dataclass(frozen=True)
class PastSend:
    """A message the person was sent (or that is queued for them), from any sender of the
    brand: what caps and dedup count."""

    channel: str
    at: datetime
    dedup_key: str | None = None
    transactional: bool = False
    workspace_id: int | None = None
    message_id: int | None = None


@dataclass(frozen=True)
class Purchase:
    product_id: str
    at: datetime
    channel: str | None = None  # where it was bought: pos, site, app, ...
    order_id: str | None = None


@dataclass(frozen=True)
class History:
    sends: tuple[PastSend, ...] = ()  # to this person, across the brand's workspaces
    purchases: tuple[Purchase, ...] = ()
    goal: str | None = None  # set by a journey: the goal already happened, and how


@dataclass(frozen=True)
class Check:
    """One rule the decision ran: which, for which channel, whether it let the message
    through, and the data behind it."""

    rule: str  # topic | goal | just_bought | dedup | quiet_hours | cap | consent | cascade
    passed: bool
    detail: str
    channel: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "channel": self.channel,
            "passed": self.passed,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    rule: str  # the rule that decided
    reason: str  # one sentence a marketer reads
    channel: str | None = None
    address: str | None = None
    cost: Decimal | None = None
    not_before: datetime | None = None  # defer: when it may go
    checks: tuple[Check, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "rule": self.rule,
            "reason": self.reason,
            "channel": self.channel,
            "cost": str(self.cost) if self.cost is not None else None,
            "notBefore": iso(self.not_before) if self.not_before else None,
            "checks": [c.as_dict() for c in self.checks],
        }
