"""The send decision by example: the cascade, quiet hours, caps, goal, just bought, dedup."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest

from omniweave.messaging.decide import counts_against_caps, decide, describe
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

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
ALL = ("push", "email", "web_push", "viber", "sms")
ADDRESSES = {
    "push": "token-1",
    "email": "kolya@mail.ru",
    "web_push": "sub-1",
    "viber": "+79161234567",
    "sms": "+79161234567",
}
NO_CONSENT = ("email marketing: no consent given",)
OFFER = MessageSpec("marketing", ALL)
RECEIPT = MessageSpec("transactional", ALL)
NIGHT = QuietHours(time(21), time(9))


def person(*reachable: str, tz: str | None = None, preferred: str | None = None) -> Recipient:
    """Reachable on the named channels; the others known but without consent."""
    contacts = {
        ch: Contact(ch, ch in reachable, ADDRESSES[ch], () if ch in reachable else NO_CONSENT)
        for ch in ALL
    }
    return Recipient("p1", 1, contacts, timezone=tz, preferred_channel=preferred)


def run(recipient, message=OFFER, policy=None, history=None, now=NOW):
    return decide(recipient, message, policy or SendPolicy(), history or History(), now)


def sent(channel: str, hours_ago: float, **kw) -> PastSend:
    return PastSend(channel, NOW - timedelta(hours=hours_ago), **kw)


@pytest.mark.parametrize(
    ("reachable", "expected"),
    [
        (("push", "email", "web_push", "viber"), "push"),
        (("email",), "email"),
        (("sms", "viber"), "viber"),
        (("web_push",), "web_push"),
    ],
)
def test_the_cascade_picks_the_first_reachable_channel(reachable, expected):
    decision = run(person(*reachable))
    assert (decision.outcome, decision.rule, decision.channel) == ("send", "cascade", expected)
    assert decision.address == ADDRESSES[expected]
    assert decision.cost == SendPolicy().costs[expected]
    assert decision.reason.startswith(f"{expected}: the first reachable channel of push → ")
    assert counts_against_caps(decision)


def test_no_reachable_channel_suppresses_with_each_channels_reason():
    decision = run(person())
    assert (decision.outcome, decision.rule, decision.channel) == ("suppress", "no_channel", None)
    assert "email marketing: no consent given" in decision.reason
    failed = {c.channel for c in decision.checks if c.rule == "consent" and not c.passed}
    assert failed == set(ALL)


def test_a_missing_contact_is_unreachable_and_says_so():
    recipient = Recipient("p1", 1, {"email": Contact("email", True, "a@b.ru")})
    assert run(recipient).channel == "email"
    assert any(c.detail == "push: no contact" for c in run(recipient).checks)


def test_the_preferred_channel_goes_first_only_when_the_policy_says_so():
    someone = person("push", "email", "sms", preferred="sms")
    assert run(someone).channel == "push"
    decision = run(someone, policy=SendPolicy(prefer_preferred_channel=True))
    assert decision.channel == "sms" and decision.cost == Decimal("2.00")
    assert any("preferred channel" in c.detail for c in decision.checks)


def test_cheapest_first_reorders_stably_and_unknown_costs_go_last():
    policy = SendPolicy(
        cascade=("telegram", "sms", "viber", "email", "web_push"),
        costs={"sms": Decimal("2"), "viber": Decimal("0.8"), "email": Decimal("0.05")},
        prefer_cheapest=True,
    )
    message = MessageSpec("marketing", ("telegram", "sms", "viber", "email", "web_push"))
    contacts = {ch: Contact(ch, True, "x") for ch in message.channels}
    decision = run(Recipient("p1", 1, contacts), message, policy)
    assert decision.channel == "email"
    assert "of email → viber → sms → telegram → web_push" in decision.reason
    no_email = MessageSpec("marketing", ("telegram", "sms", "viber", "web_push"))
    decision = run(Recipient("p1", 1, contacts), no_email, policy)
    assert decision.channel == "viber"
    assert "of viber → sms → telegram → web_push" in decision.reason


def test_the_persons_preference_beats_the_price():
    policy = SendPolicy(prefer_cheapest=True, prefer_preferred_channel=True)
    assert run(person("push", "sms", preferred="sms"), policy=policy).channel == "sms"


def test_an_excluded_channel_falls_back_to_the_next():
    retry = MessageSpec("marketing", ALL, exclude=("push",))
    decision = run(person("push", "email"), retry)
    assert decision.channel == "email"
    assert any(c.detail == "push: already tried" and not c.passed for c in decision.checks)


def test_a_message_can_override_the_cascade():
    urgent = MessageSpec("marketing", ALL, cascade=("sms", "email"))
    assert run(person("push", "email", "sms"), urgent).channel == "sms"


def test_a_channel_without_content_is_skipped():
    no_viber = MessageSpec("marketing", ("push", "email", "sms"))
    decision = run(person("sms", "viber"), no_viber)
    assert decision.channel == "sms"
    assert any(c.detail == "no content for viber" for c in decision.checks)


@pytest.mark.parametrize(
    ("tz", "now", "local", "not_before"),
    [
        # Moscow is UTC+3 all year: 22:00 there waits for 09:00 the next morning.
        ("Europe/Moscow", datetime(2026, 11, 25, 19, tzinfo=UTC), "22:00", "2026-11-26 06:00"),
        # After midnight the window ends the same morning.
        ("Europe/Moscow", datetime(2026, 11, 26, 2, tzinfo=UTC), "05:00", "2026-11-26 06:00"),
        # New York falls back on 2026-11-01: 09:00 EST is 14:00 UTC, not 13:00.
        ("America/New_York", datetime(2026, 11, 1, 2, tzinfo=UTC), "22:00", "2026-11-01 14:00"),
        # ... and springs forward on 2026-03-08: 09:00 EDT is 13:00 UTC, not 14:00.
        ("America/New_York", datetime(2026, 3, 8, 3, tzinfo=UTC), "22:00", "2026-03-08 13:00"),
    ],
)
def test_quiet_hours_defer_to_the_windows_end_in_the_persons_zone(tz, now, local, not_before):
    decision = run(person("push", tz=tz), policy=SendPolicy(quiet_hours=NIGHT), now=now)
    assert (decision.outcome, decision.rule, decision.channel) == ("defer", "quiet_hours", "push")
    assert f"{decision.not_before:%Y-%m-%d %H:%M}" == not_before
    assert decision.not_before.tzinfo is not None and decision.not_before > now
    assert f"{local} in {tz} is inside quiet hours 21:00-09:00" in decision.reason
    assert not counts_against_caps(decision)
    later = decision.not_before
    assert (
        run(person("push", tz=tz), policy=SendPolicy(quiet_hours=NIGHT), now=later).outcome
        == "send"
    )


def test_an_end_the_clock_skips_waits_until_just_after_the_jump():
    # 02:30 does not exist in New York on 2026-03-08: read in EST it is 03:30 EDT.
    policy = SendPolicy(quiet_hours=QuietHours(time(22), time(2, 30)))
    now = datetime(2026, 3, 8, 4, tzinfo=UTC)  # 23:00 EST
    decision = run(person("push", tz="America/New_York"), policy=policy, now=now)
    assert decision.not_before == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)


def test_an_end_that_comes_twice_waits_for_the_next_one():
    # 2026-11-01 in New York: 01:30 EDT (05:30 UTC), then 01:30 EST (06:30 UTC).
    policy = SendPolicy(quiet_hours=QuietHours(time(1), time(1, 30)))
    now = datetime(2026, 11, 1, 6, 10, tzinfo=UTC)  # 01:10 EST, the second pass
    decision = run(person("push", tz="America/New_York"), policy=policy, now=now)
    assert decision.not_before == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


def test_outside_quiet_hours_sends_and_the_check_says_where():
    decision = run(person("push", tz="Europe/Moscow"), policy=SendPolicy(quiet_hours=NIGHT))
    assert decision.outcome == "send"
    assert any(c.detail.startswith("15:00 in Europe/Moscow is outside") for c in decision.checks)


def test_an_unknown_zone_falls_back_to_the_default_and_says_so():
    policy = SendPolicy(quiet_hours=NIGHT, default_timezone="Asia/Vladivostok")
    decision = run(person("push", tz="Mars/Olympus"), policy=policy)  # 22:00 in Vladivostok
    assert decision.outcome == "defer"
    assert "unknown time zone 'Mars/Olympus', used Asia/Vladivostok" in decision.reason


def test_quiet_hours_do_not_defer_what_could_not_be_sent_anyway():
    night = datetime(2026, 11, 25, 22, tzinfo=UTC)
    decision = run(person(), policy=SendPolicy(quiet_hours=NIGHT), now=night)
    assert (decision.outcome, decision.rule) == ("suppress", "no_channel")


def test_equal_start_and_end_means_no_quiet_hours():
    policy = SendPolicy(quiet_hours=QuietHours(time(9), time(9)))
    assert run(person("push"), policy=policy).outcome == "send"


def test_transactional_ignores_quiet_hours_and_caps_but_not_consent():
    policy = SendPolicy(quiet_hours=NIGHT, caps=(Cap(1, "day"), Cap(1, "day", "push")))
    history = History(sends=(sent("push", 1), sent("email", 2)))
    night = datetime(2026, 11, 25, 23, tzinfo=UTC)
    decision = run(person("push"), RECEIPT, policy, history, night)
    assert (decision.outcome, decision.channel) == ("send", "push")
    assert not counts_against_caps(decision)
    assert run(person(), RECEIPT, policy, history, night).rule == "no_channel"
    assert run(person("push"), OFFER, policy, history, night).rule == "cap"


def test_the_overall_cap_counts_marketing_sends_in_the_rolling_window():
    policy = SendPolicy(caps=(Cap(3, "week"),))
    three = (sent("push", 1), sent("email", 30), sent("sms", 24 * 6))
    decision = run(person("push"), policy=policy, history=History(sends=three))
    assert (decision.outcome, decision.rule) == ("suppress", "cap")
    assert decision.reason == "3 a week on all channels: 3 sent since 2026-11-18 12:00 UTC"
    older = (sent("push", 1), sent("email", 30), sent("sms", 24 * 7))
    assert run(person("push"), policy=policy, history=History(sends=older)).outcome == "send"
    receipts = (*older[:2], sent("sms", 3, transactional=True))
    assert run(person("push"), policy=policy, history=History(sends=receipts)).outcome == "send"


def test_a_channel_at_its_cap_passes_to_the_next_channel():
    policy = SendPolicy(caps=(Cap(1, "day", "push"),))
    decision = run(person("push", "email"), policy=policy, history=History((sent("push", 2),)))
    assert decision.channel == "email"
    assert "under its cap (after push)" in decision.reason
    capped = run(person("push"), policy=policy, history=History((sent("push", 2),)))
    assert capped.rule == "no_channel" and "1 a day on push: 1 sent" in capped.reason


def test_the_goal_suppresses_any_message():
    history = History(goal="Order Completed in pos at 2026-11-20 18:04")
    for message in (OFFER, RECEIPT):
        decision = run(person("push"), message, history=history)
        assert (decision.outcome, decision.rule) == ("suppress", "goal")
        assert (
            decision.reason
            == "the goal already happened: Order Completed in pos at 2026-11-20 18:04"
        )


def test_a_product_just_bought_is_not_advertised():
    shoes = MessageSpec("marketing", ALL, products=("sku-1", "sku-2"))
    bought = Purchase("sku-2", NOW - timedelta(days=3), "pos", "o-1")
    decision = run(person("push"), shoes, history=History(purchases=(bought,)))
    assert (decision.outcome, decision.rule) == ("suppress", "just_bought")
    assert decision.reason == "just bought sku-2 in pos at 2026-11-22 12:00 UTC (within 14 days)"
    long_ago = Purchase("sku-2", NOW - timedelta(days=15), "pos")
    assert run(person("push"), shoes, history=History(purchases=(long_ago,))).outcome == "send"
    receipt = MessageSpec("transactional", ALL, products=("sku-2",))
    assert run(person("push"), receipt, history=History(purchases=(bought,))).outcome == "send"


def test_dedup_spans_channels_and_workspaces():
    promo = MessageSpec("marketing", ALL, dedup_key="black-friday")
    other = sent("email", 5, dedup_key="black-friday", workspace_id=2, message_id=17)
    decision = run(person("push"), promo, history=History(sends=(other,)))
    assert (decision.outcome, decision.rule) == ("suppress", "dedup")
    assert "by email from workspace 2 (message 17)" in decision.reason
    receipt = MessageSpec("transactional", ALL, dedup_key="black-friday")
    assert run(person("push"), receipt, history=History(sends=(other,))).rule == "dedup"


def test_dedup_expires_with_its_window():
    promo = MessageSpec("marketing", ALL, dedup_key="k", dedup_window=timedelta(hours=6))
    assert (
        run(person("push"), promo, history=History((sent("push", 5, dedup_key="k"),))).rule
        == "dedup"
    )
    assert (
        run(person("push"), promo, history=History((sent("push", 6, dedup_key="k"),))).outcome
        == "send"
    )
    assert (
        run(person("push"), promo, history=History((sent("push", 1, dedup_key="j"),))).outcome
        == "send"
    )


def test_describe_lists_every_rule_with_its_verdict():
    text = describe(run(person("email")))
    assert text.splitlines()[0].startswith("send (cascade): email: the first reachable channel")
    assert "✗ consent [push]: email marketing: no consent given" in text
    assert "✓ goal: the goal has not happened" in text


def test_the_decision_serialises_for_the_api():
    night = datetime(2026, 11, 25, 19, tzinfo=UTC)
    shown = run(person("push", tz="Europe/Moscow"), policy=SendPolicy(quiet_hours=NIGHT), now=night)
    assert shown.as_dict()["notBefore"] == "2026-11-26T06:00:00Z"
    assert shown.as_dict()["checks"][0]["rule"] == "topic"
