"""The send policy read from settings strings, and shown back as data.

Every wrong setting is reported at once, each as a ``FieldError`` naming the setting, so an
operator fixes the configuration in one go instead of one restart per mistake.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, cast

from omniweave.core.errors import FieldError, InvalidInput
from omniweave.messaging.decide import zone_named
from omniweave.messaging.model import DEFAULT_COSTS, Cap, QuietHours, SendPolicy
from omniweave.profiles.consent_model import CHANNELS

__all__ = ["policy_as_dict", "policy_from_settings"]

_T = TypeVar("_T")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_COUNT = re.compile(r"[0-9]+")
_PERIODS = ("day", "week")


def policy_from_settings(
    *,
    cascade: str = "push,email,web_push,viber,sms",
    costs: str = "",
    caps: str = "",
    quiet_hours: str = "",
    default_timezone: str = "UTC",
    prefer_preferred_channel: bool = False,
    prefer_cheapest: bool = False,
    transactional_topics: str = "transactional",
) -> SendPolicy:
    """The policy the settings describe; raises ``InvalidInput`` naming each wrong setting."""
    errors: list[FieldError] = []

    def read(setting: str, parse: Callable[[str], _T], raw: str) -> _T:
        try:
            return parse(raw)
        except ValueError as exc:
            errors.append(FieldError(setting, str(exc)))
            return cast(_T, None)

    policy = SendPolicy(
        cascade=read("cascade", _cascade, cascade),
        costs=read("costs", _costs, costs),
        caps=read("caps", _caps, caps),
        quiet_hours=read("quiet_hours", _quiet_hours, quiet_hours),
        default_timezone=read("default_timezone", _zone, default_timezone),
        prefer_preferred_channel=prefer_preferred_channel,
        prefer_cheapest=prefer_cheapest,
        transactional_topics=frozenset(_items(transactional_topics)),
    )
    if errors:
        raise InvalidInput(errors)
    return policy


def policy_as_dict(policy: SendPolicy) -> dict[str, Any]:
    """The policy as the API shows it (camelCase; money as strings, so no float rounding)."""
    quiet = policy.quiet_hours
    return {
        "cascade": list(policy.cascade),
        "costs": {channel: str(cost) for channel, cost in sorted(policy.costs.items())},
        "caps": [
            {"limit": cap.limit, "period": cap.period, "channel": cap.channel}
            for cap in policy.caps
        ],
        "quietHours": {"start": f"{quiet.start:%H:%M}", "end": f"{quiet.end:%H:%M}"}
        if quiet
        else None,
        "defaultTimezone": policy.default_timezone,
        "preferPreferredChannel": policy.prefer_preferred_channel,
        "preferCheapest": policy.prefer_cheapest,
        "transactionalTopics": sorted(policy.transactional_topics),
        "justBoughtWindowDays": policy.just_bought_window.total_seconds() / 86400,
    }


def _items(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def _channel(name: str) -> str:
    if name not in CHANNELS:
        raise ValueError(f"unknown channel {name!r}; one of {', '.join(CHANNELS)}")
    return name


def _pairs(raw: str, example: str) -> list[tuple[str, str]]:
    """``key=value`` items; a malformed one is refused with an example of the right form."""
    pairs = []
    for item in _items(raw):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"{item!r} is not key=value, e.g. {example}")
        pairs.append((key.strip(), value.strip()))
    return pairs


def _cascade(raw: str) -> tuple[str, ...]:
    """The channels to try, in order: known and each once, or a typo would silently skip one."""
    names = [_channel(name) for name in _items(raw)]
    if not names:
        raise ValueError("names no channel; e.g. push,email,sms")
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ValueError(f"{', '.join(twice)} listed twice")
    return tuple(names)


def _costs(raw: str) -> dict[str, Decimal]:
    """Costs per message over the defaults; Decimal, since they are money."""
    costs = dict(DEFAULT_COSTS)
    for channel, amount in _pairs(raw, "sms=2.00,email=0.05"):
        try:
            cost = Decimal(amount)
        except InvalidOperation:
            raise ValueError(f"{channel}: {amount!r} is not a number") from None
        if not cost.is_finite() or cost < 0:
            raise ValueError(f"{channel}: {amount!r} must be zero or more")
        costs[_channel(channel)] = cost
    return costs


def _caps(raw: str) -> tuple[Cap, ...]:
    """``all=3/week,sms=1/day``: ``all`` caps every channel together."""
    caps: list[Cap] = []
    for key, value in _pairs(raw, "all=3/week,sms=1/day"):
        channel = None if key == "all" else _channel(key)
        limit, slash, period = (part.strip() for part in value.partition("/"))
        if not slash or not _COUNT.fullmatch(limit) or period not in _PERIODS:
            raise ValueError(f"{key}={value}: write a count per day or week, e.g. {key}=1/day")
        cap = Cap(int(limit), cast(Any, period), channel)
        if any((c.channel, c.period) == (cap.channel, cap.period) for c in caps):
            raise ValueError(f"{key} has two caps a {cap.period}")
        caps.append(cap)
    return tuple(caps)


def _quiet_hours(raw: str) -> QuietHours | None:
    """``21:00-09:00`` in the person's own time; empty: none."""
    if not raw.strip():
        return None
    start, dash, end = raw.replace("–", "-").partition("-")
    if not dash:
        raise ValueError(f"{raw!r} is not start-end, e.g. 21:00-09:00")
    quiet = QuietHours(_clock(start), _clock(end))
    if quiet.start == quiet.end:
        raise ValueError(f"{raw!r} starts when it ends; leave it empty for no quiet hours")
    return quiet


def _clock(raw: str) -> time:
    found = _CLOCK.fullmatch(raw.strip())
    if not found or int(found[1]) > 23 or int(found[2]) > 59:
        raise ValueError(f"{raw.strip()!r} is not a time of day such as 21:00")
    return time(int(found[1]), int(found[2]))


def _zone(raw: str) -> str:
    name = raw.strip()
    if zone_named(name) is None:
        raise ValueError(f"{name!r} is not an IANA time zone such as Europe/Moscow")
    return name
