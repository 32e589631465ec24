"""Whether, when and on which channel a message goes to one person: a pure function of data.

``decide`` reads no clock, no random and no database: the service loads the recipient, the
message, the policy and the history, passes ``now``, and stores or shows the ``Decision``,
which lists every rule it ran so the UI can say why.

The rules run in this order; the first that blocks decides:

1. ``topic``: transactional or marketing (caps, quiet hours and just bought are marketing's).
2. ``goal``: the journey's goal already happened: suppress (any message).
3. ``just_bought``: an advertised product was bought lately: suppress (marketing).
4. ``dedup``: the same content reached the person within its window, on any channel, from
   any workspace of the brand: suppress (any message with a dedup key).
5. ``cap`` on all channels: suppress (marketing).
6. the cascade: the first channel that has content, is not excluded, is reachable (consent,
   a valid address, not bounced) and is under its own caps; none: suppress (``no_channel``).
7. ``quiet_hours``: inside the person's quiet hours: defer to the window's end (marketing).

Quiet hours come last on purpose: a defer means "everything else says send now, only the
hour is wrong", so a message that could never go is suppressed now, with the real reason,
instead of being deferred and suppressed in the morning. The message is decided afresh at
``not_before``, so caps and consents are read again then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from omniweave.core.time import as_utc
from omniweave.messaging.model import (
    Cap,
    Check,
    Contact,
    Decision,
    History,
    MessageSpec,
    PastSend,
    Purchase,
    QuietHours,
    Recipient,
    SendPolicy,
)

__all__ = ["counts_against_caps", "decide", "describe", "zone_named"]

_MARKETING = "a marketing message: just bought, caps and quiet hours apply"
_TRANSACTIONAL = "a transactional message: just bought, caps and quiet hours do not apply"


@dataclass(frozen=True)
class _Case:
    """One decision's inputs, so each rule takes one argument."""

    recipient: Recipient
    message: MessageSpec
    policy: SendPolicy
    history: History
    now: datetime
    transactional: bool


def decide(
    recipient: Recipient, message: MessageSpec, policy: SendPolicy, history: History, now: datetime
) -> Decision:
    """Send, defer or suppress one message to one person, with every rule that was run."""
    transactional = policy.is_transactional(message)
    case = _Case(recipient, message, policy, history, as_utc(now), transactional)
    said = "set on the message" if message.transactional is not None else "by the policy"
    note = _TRANSACTIONAL if transactional else _MARKETING
    checks = [Check("topic", True, f"topic {message.topic} ({said}), {note}")]
    for gate in (_goal, _just_bought, _dedup, _overall_caps):
        for check in gate(case):
            checks.append(check)
            if not check.passed:
                return Decision("suppress", check.rule, check.detail, checks=tuple(checks))
    order = _cascade_order(case, checks)
    contact, reason = _choose(case, order, checks)
    if contact is None:
        failed = "; ".join(c.detail for c in checks if not c.passed and c.channel)
        reason = f"no channel can reach the person: {failed or 'the cascade is empty'}"
        return Decision("suppress", "no_channel", reason, checks=tuple(checks))
    cost = policy.costs.get(contact.channel)
    quiet, not_before = _quiet_hours(case)
    checks.extend(quiet)
    outcome, rule = ("defer", "quiet_hours") if not_before else ("send", "cascade")
    if not_before:
        reason = f"{quiet[-1].detail}; then by {contact.channel}"
    return Decision(
        outcome, rule, reason, contact.channel, contact.address, cost, not_before, tuple(checks)
    )


def counts_against_caps(decision: Decision) -> bool:
    """Whether the message, once sent, counts towards marketing caps (transactional do not)."""
    marketing = any(c.rule == "topic" and c.detail.endswith(_MARKETING) for c in decision.checks)
    return decision.outcome == "send" and marketing


def describe(decision: Decision) -> str:
    """The decision as a marketer reads it: the verdict, then each rule run, ✓ or ✗."""
    head = f"{decision.outcome} ({decision.rule}): {decision.reason}"
    lines = [head]
    for check in decision.checks:
        where = f" [{check.channel}]" if check.channel else ""
        lines.append(f"  {'✓' if check.passed else '✗'} {check.rule}{where}: {check.detail}")
    return "\n".join(lines)


def zone_named(name: str | None) -> ZoneInfo | None:
    """The IANA time zone of that name, or None when there is no such zone."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def _goal(case: _Case) -> list[Check]:
    goal = case.history.goal
    if goal:
        return [Check("goal", False, f"the goal already happened: {goal}")]
    return [Check("goal", True, "the goal has not happened")]


def _just_bought(case: _Case) -> list[Check]:
    """Advertising what the person just bought wastes the send and annoys them."""
    products = set(case.message.products)
    if case.transactional or not products:
        return []
    window = case.policy.just_bought_window
    since = case.now - window
    bought = [p for p in case.history.purchases if p.product_id in products and _at(p) > since]
    if not bought:
        none_of = ", ".join(sorted(products))
        return [Check("just_bought", True, f"none of {none_of} bought in {_span(window)}")]
    last = max(bought, key=_at)
    where = f" in {last.channel}" if last.channel else ""
    detail = f"just bought {last.product_id}{where} at {_when(last.at)} (within {_span(window)})"
    return [Check("just_bought", False, detail)]


def _dedup(case: _Case) -> list[Check]:
    """The brand's sends from every workspace count: the person sees one brand, not teams."""
    key, window = case.message.dedup_key, case.message.dedup_window
    if key is None:
        return []
    since = case.now - window
    same = [s for s in case.history.sends if s.dedup_key == key and _at(s) > since]
    if not same:
        return [Check("dedup", True, f"{key!r} not sent in {_span(window)}")]
    last = max(same, key=_at)
    source = f"workspace {last.workspace_id}" if last.workspace_id is not None else "a workspace"
    if last.message_id is not None:
        source += f" (message {last.message_id})"
    detail = (
        f"{key!r} already sent at {_when(last.at)} by {last.channel} from {source}"
        f" (once in {_span(window)})"
    )
    return [Check("dedup", False, detail)]


def _overall_caps(case: _Case) -> list[Check]:
    if case.transactional:
        return []
    return [_cap_check(case, cap) for cap in case.policy.caps if cap.channel is None]


def _cap_check(case: _Case, cap: Cap) -> Check:
    """A rolling window: the sends after ``now - window`` (queued ones included) count."""
    since = case.now - cap.window
    sent = sum(1 for s in case.history.sends if _counts(s, cap) and _at(s) > since)
    passed = sent < cap.limit
    detail = f"{cap.describe()}: {sent} sent since {_when(since)}"
    return Check("cap", passed, detail, cap.channel)


def _counts(send: PastSend, cap: Cap) -> bool:
    return not send.transactional and (cap.channel is None or send.channel == cap.channel)


def _cascade_order(case: _Case, checks: list[Check]) -> list[str]:
    """The channels to try in turn; why the others are left out goes into ``checks``."""
    message, policy = case.message, case.policy
    order: list[str] = []
    for channel in dict.fromkeys(message.cascade or policy.cascade):
        if channel not in message.channels:
            checks.append(Check("cascade", False, f"no content for {channel}", channel))
        elif channel in message.exclude:
            checks.append(Check("cascade", False, f"{channel}: already tried", channel))
        else:
            order.append(channel)
    if policy.prefer_cheapest and order:
        order.sort(key=lambda channel: _price_rank(policy.costs.get(channel)))
        prices = ", ".join(f"{ch} {_cost(policy.costs.get(ch))}" for ch in order)
        checks.append(Check("cascade", True, f"cheapest first: {prices}"))
    preferred = case.recipient.preferred_channel
    if policy.prefer_preferred_channel and preferred in order and order[0] != preferred:
        order.remove(preferred)
        order.insert(0, preferred)
        detail = f"{preferred} first: the person's preferred channel"
        checks.append(Check("cascade", True, detail, preferred))
    return order


def _choose(case: _Case, order: list[str], checks: list[Check]) -> tuple[Contact | None, str]:
    """The first channel in order that can reach the person and is under its caps."""
    capped: list[str] = []
    for channel in order:
        contact = case.recipient.contacts.get(channel)
        if contact is None or not contact.reachable:
            reasons = contact.reasons if contact else ()
            detail = "; ".join(reasons) or f"{channel}: no contact"
            checks.append(Check("consent", False, detail, channel))
            continue
        checks.append(Check("consent", True, "; ".join(contact.reasons) or "reachable", channel))
        full = [] if case.transactional else _full_channel_caps(case, channel)
        if full:
            checks.append(full[0])
            capped.append(channel)
            continue
        contact = Contact(channel, True, contact.address, contact.reasons)
        cost = _cost(case.policy.costs.get(channel))
        under = f" under its cap (after {', '.join(capped)})" if capped else ""
        reason = f"{channel}: the first reachable channel{under} of {' → '.join(order)}"
        checks.append(Check("cascade", True, f"{reason} (cost {cost})", channel))
        return contact, f"{reason} (cost {cost})"
    return None, ""


def _full_channel_caps(case: _Case, channel: str) -> list[Check]:
    caps = (cap for cap in case.policy.caps if cap.channel == channel)
    return [check for check in (_cap_check(case, cap) for cap in caps) if not check.passed]


def _quiet_hours(case: _Case) -> tuple[list[Check], datetime | None]:
    """Outside quiet hours: a passed check; inside: a failed one and when the window ends."""
    quiet = case.policy.quiet_hours
    if case.transactional or quiet is None:
        return [], None
    zone, note = _person_zone(case)
    hours = f"{quiet.start:%H:%M}-{quiet.end:%H:%M}"
    local = case.now.astimezone(zone)
    if quiet.start == quiet.end:
        return [Check("quiet_hours", True, f"quiet hours {hours} are empty{note}")], None
    said = f"{local:%H:%M} in {zone.key}"
    if not _inside(local.time(), quiet):
        return [Check("quiet_hours", True, f"{said} is outside quiet hours {hours}{note}")], None
    until = _window_end(case.now, zone, quiet)
    detail = f"{said} is inside quiet hours {hours}{note}: waits until {_when(until)}"
    return [Check("quiet_hours", False, detail)], until


def _person_zone(case: _Case) -> tuple[ZoneInfo, str]:
    """The person's own zone; an unknown name falls back to the policy's, and says so."""
    default = zone_named(case.policy.default_timezone) or ZoneInfo("UTC")
    wanted = case.recipient.timezone
    if wanted is None:
        return default, ""
    zone = zone_named(wanted)
    if zone is None:
        return default, f" (unknown time zone {wanted!r}, used {default.key})"
    return zone, ""


def _inside(moment: time, quiet: QuietHours) -> bool:
    """Whether a wall-clock time is in the window; 21:00-09:00 crosses midnight."""
    start, end = quiet.start, quiet.end
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def _window_end(now: datetime, zone: ZoneInfo, quiet: QuietHours) -> datetime:
    """The first moment after ``now`` when the person's clock shows the end, outside quiet
    hours. Both folds are tried: in autumn the end may come twice (the first that is after
    now wins); a spring end the clock skips reads in the old offset, just after the jump."""
    today = now.astimezone(zone).date()
    ends = sorted(
        datetime.combine(today + timedelta(days=day), quiet.end, tzinfo=zone)
        .replace(fold=fold)
        .astimezone(UTC)
        for day in range(3)
        for fold in (0, 1)
    )
    later = [end for end in ends if end > now and not _inside(end.astimezone(zone).time(), quiet)]
    return later[0] if later else ends[-1]


def _price_rank(cost: Decimal | None) -> tuple[bool, Decimal]:
    """Known costs cheapest first; a channel without a known cost after all of them."""
    return (cost is None, cost if cost is not None else Decimal(0))


def _at(item: PastSend | Purchase) -> datetime:
    return as_utc(item.at)


def _when(moment: datetime) -> str:
    return f"{as_utc(moment):%Y-%m-%d %H:%M} UTC"


def _cost(cost: Decimal | None) -> str:
    return "unknown" if cost is None else str(cost)


def _span(window: timedelta) -> str:
    """A window as a person says it: 14 days, 1 day, 6 hours, 30 minutes."""
    seconds = int(window.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"
