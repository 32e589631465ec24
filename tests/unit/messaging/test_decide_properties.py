"""The send decision's laws, over random people, policies, histories and messages."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from omniweave.messaging.decide import counts_against_caps, decide
from omniweave.messaging.model import (
    Cap,
    Contact,
    History,
    MessageSpec,
    PastSend,
    Purchase,
    QuietHours,
    Recipient,
    SendPolicy,
)
from omniweave.profiles.consent_model import CHANNELS

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
ZONES = ("UTC", "Europe/Moscow", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata")
TOPICS = ("marketing", "news", "transactional")
PRODUCTS = ("sku-1", "sku-2", "sku-3")
KEYS = ("welcome", "black-friday")

channels = st.sampled_from(CHANNELS)
some_channels = st.lists(channels, unique=True, max_size=len(CHANNELS)).map(tuple)
# Mostly every channel, in some order: sends (and so caps and dedup) are common, not a corner.
orders = st.permutations(CHANNELS).map(tuple) | st.lists(channels, unique=True, min_size=1).map(
    tuple
)
moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
clock_times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))


@st.composite
def contacts(draw, channel: str) -> Contact:
    reachable = draw(st.sampled_from([True, True, False]))
    address = draw(st.none() | st.text("abc+@.0123456789", min_size=1, max_size=12))
    reasons = draw(st.lists(st.text("abcdef :", min_size=1, max_size=20), max_size=2))
    return Contact(channel, reachable, address, tuple(reasons))


@st.composite
def recipients(draw) -> Recipient:
    known = draw(orders | some_channels)
    found = {ch: draw(contacts(ch)) for ch in known}
    zone = draw(st.none() | st.sampled_from((*ZONES, "Mars/Olympus")))
    return Recipient("p1", draw(st.integers(1, 3)), found, zone, draw(st.none() | channels))


limits = st.sampled_from([0, 1, 1, 2, 2, 3])
caps = st.builds(Cap, limits, st.sampled_from(["day", "week"]), st.none() | channels)
quiet_hours = st.builds(QuietHours, clock_times, clock_times) | st.none()
costs = st.dictionaries(channels, st.decimals(0, 3, places=2))
policies = st.builds(
    SendPolicy,
    cascade=orders,
    costs=costs,
    caps=st.lists(caps, max_size=4).map(tuple),
    quiet_hours=quiet_hours,
    default_timezone=st.sampled_from(ZONES),
    prefer_preferred_channel=st.booleans(),
    prefer_cheapest=st.booleans(),
    transactional_topics=st.frozensets(st.sampled_from(TOPICS)),
    just_bought_window=st.builds(timedelta, days=st.integers(0, 30)),
)
messages = st.builds(
    MessageSpec,
    topic=st.sampled_from(TOPICS),
    channels=orders,
    cascade=st.none() | orders,
    dedup_key=st.sampled_from([None, None, *KEYS]),
    dedup_window=st.builds(timedelta, hours=st.integers(1, 24 * 8)),
    products=st.lists(st.sampled_from(PRODUCTS), unique=True, max_size=2).map(tuple),
    exclude=st.lists(channels, unique=True, max_size=1).map(tuple),
    transactional=st.none() | st.booleans(),
)


def before(now: datetime) -> st.SearchStrategy[datetime]:
    return st.integers(1, 60 * 24 * 20).map(lambda minutes: now - timedelta(minutes=minutes))


def histories(now: datetime = NOW, goals: bool = True) -> st.SearchStrategy[History]:
    """What happened in the 20 days before ``now``."""
    sends = st.builds(
        PastSend,
        channel=channels,
        at=before(now),
        dedup_key=st.none() | st.sampled_from(KEYS),
        transactional=st.booleans(),
        workspace_id=st.none() | st.integers(1, 3),
    )
    purchases = st.builds(Purchase, st.sampled_from(PRODUCTS), before(now), st.none() | channels)
    goal = st.sampled_from([None, None, None, "Order Completed in pos"] if goals else [None])
    return st.builds(
        History,
        st.lists(sends, max_size=6).map(tuple),
        st.lists(purchases, max_size=3).map(tuple),
        goal,
    )


@st.composite
def situations(draw) -> tuple[Recipient, MessageSpec, SendPolicy, History, datetime]:
    """One decision's inputs; any day of two years, so that DST changes come up."""
    now = draw(moments)
    return draw(recipients()), draw(messages), draw(policies), draw(histories(now)), now


def inside(moment: time, quiet: QuietHours) -> bool:
    """Quiet hours restated independently of the code under test."""
    if quiet.start == quiet.end:
        return False
    if quiet.start < quiet.end:
        return quiet.start <= moment < quiet.end
    return not (quiet.end <= moment < quiet.start)


def zone_of(recipient: Recipient, policy: SendPolicy) -> ZoneInfo:
    if recipient.timezone in ZONES:
        return ZoneInfo(recipient.timezone)
    return ZoneInfo(policy.default_timezone)


@settings(max_examples=300, deadline=None)
@given(situations())
def test_consent_is_law_and_every_decision_explains_itself(situation):
    recipient, message, policy, history, now = situation
    decision = decide(recipient, message, policy, history, now)
    assert decision == decide(recipient, message, policy, history, now)
    assert decision.checks and decision.reason
    if decision.outcome == "suppress":
        assert decision.channel is None and decision.not_before is None
        return
    contact = recipient.contacts[decision.channel]
    assert contact.reachable and decision.address == contact.address
    assert decision.channel in message.channels and decision.channel not in message.exclude
    assert decision.channel in (message.cascade or policy.cascade)
    assert decision.cost == policy.costs.get(decision.channel)


@settings(max_examples=300, deadline=None)
@given(situations())
def test_transactional_is_never_capped_nor_kept_for_quiet_hours(situation):
    recipient, message, policy, history, now = situation
    decision = decide(recipient, message, policy, history, now)
    if policy.is_transactional(message):
        assert decision.rule not in ("cap", "quiet_hours", "just_bought")
        assert decision.outcome != "defer"
        assert not counts_against_caps(decision)
    else:
        assert counts_against_caps(decision) == (decision.outcome == "send")


@settings(max_examples=300, deadline=None)
@given(situations())
def test_a_defer_waits_until_outside_quiet_hours(situation):
    recipient, message, policy, history, now = situation
    decision = decide(recipient, message, policy, history, now)
    if decision.outcome != "defer":
        return
    assert decision.rule == "quiet_hours" and policy.quiet_hours is not None
    zone = zone_of(recipient, policy)
    assert inside(now.astimezone(zone).time(), policy.quiet_hours)
    assert decision.not_before > now and decision.not_before.utcoffset() == timedelta(0)
    assert not inside(decision.not_before.astimezone(zone).time(), policy.quiet_hours)
    assert decision.not_before - now <= timedelta(days=1, hours=2)


steps = st.lists(st.tuples(st.integers(1, 60 * 12), messages), min_size=2, max_size=30)


def simulate(recipient, policy, history, plan):
    """Decides each message in turn at increasing times; every send joins the history."""
    now, new = NOW, []
    for gap, message in plan:
        now += timedelta(minutes=gap)
        decision = decide(recipient, message, policy, history, now)
        if decision.outcome == "send":
            transactional = not counts_against_caps(decision)
            send = PastSend(decision.channel, now, message.dedup_key, transactional)
            history = History(history.sends + (send,), history.purchases, history.goal)
            new.append((send, message))
    return history.sends, new


@settings(max_examples=200, deadline=None)
@given(recipients(), policies, histories(goals=False), steps)
def test_a_run_of_decisions_never_exceeds_a_cap(recipient, policy, history, plan):
    every, new = simulate(recipient, policy, history, plan)
    for send, _ in new:
        if send.transactional:
            continue
        for cap in policy.caps:
            if cap.channel not in (None, send.channel):
                continue
            window = [
                s
                for s in every
                if not s.transactional
                and cap.channel in (None, s.channel)
                and send.at - cap.window < s.at <= send.at
            ]
            assert len(window) <= cap.limit, (cap, window)


@settings(max_examples=200, deadline=None)
@given(recipients(), policies, histories(goals=False), steps)
def test_one_dedup_key_reaches_a_person_once_within_its_window(recipient, policy, history, plan):
    every, new = simulate(recipient, policy, history, plan)
    for send, message in new:
        if send.dedup_key is None:
            continue
        earlier = [
            s
            for s in every
            if s is not send
            and s.dedup_key == send.dedup_key
            and send.at - message.dedup_window < s.at <= send.at
        ]
        assert not earlier, (send, earlier)
