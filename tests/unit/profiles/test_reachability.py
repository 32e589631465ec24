"""Reachability rules (pure): address AND consent AND not bounced, each outcome with reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from omniweave.profiles.consent_model import (
    CHANNELS,
    DELIVERY_STATES,
    GRANTED,
    REVOKED,
    Address,
    ConsentPolicy,
    Decision,
    Delivery,
    Proof,
    in_force,
)
from omniweave.profiles.reachability import decide_reachability

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
EMAIL = Address("email", "kolya@mail.ru", NOW - timedelta(days=300))
PHONE = Address("sms", "+79161234567", NOW - timedelta(days=300))


def decision(state: str, days_ago: float, channel="email", topic="marketing", **kw) -> Decision:
    subject = kw.pop("subject", ("email", "kolya@mail.ru"))
    return Decision(
        subject,
        channel,
        topic,
        state,
        kw.pop("source", "site"),
        NOW - timedelta(days=days_ago),
        **kw,
    )


def reach(addresses, consents, reports=(), channel="email", topic="marketing", policy=None):
    return decide_reachability(addresses, consents, reports, channel, topic, NOW, policy)


def test_a_grant_and_an_address_make_email_reachable_with_the_consent_that_allowed_it():
    grant = decision(GRANTED, 10)
    found = reach([EMAIL], [grant])
    assert found.reachable and found.address == "kolya@mail.ru"
    assert found.consent == grant
    assert any("granted" in r and "via site" in r for r in found.reasons)


def test_no_consent_no_marketing_but_transactional_needs_no_opt_in():
    assert not reach([EMAIL], []).reachable
    assert "email marketing: no consent given" in reach([EMAIL], []).reasons
    assert reach([EMAIL], [], topic="transactional").reachable


def test_a_newer_revoke_wins_and_an_older_one_does_not():
    revoked = reach([EMAIL], [decision(GRANTED, 10), decision(REVOKED, 5)])
    assert not revoked.reachable
    assert "email marketing: revoked" in revoked.reasons[0]
    assert reach([EMAIL], [decision(REVOKED, 10), decision(GRANTED, 5)]).reachable


def test_at_the_same_moment_a_revoke_wins():
    both = [decision(GRANTED, 1, seq=2), decision(REVOKED, 1, seq=1)]
    assert in_force(both, "email", "marketing").state == REVOKED
    assert not reach([EMAIL], both).reachable


def test_a_grant_dated_in_the_future_does_not_beat_a_revoke_made_now():
    future_grant = decision(GRANTED, -1)
    revoke_now = decision(REVOKED, 0)
    assert not reach([EMAIL], [future_grant, revoke_now]).reachable


def test_an_explicit_revoke_blocks_even_transactional():
    stop = decision(REVOKED, 1, topic="transactional")
    assert not reach([EMAIL], [stop], topic="transactional").reachable


def test_a_hard_bounce_makes_email_unreachable_even_with_consent():
    bounce = Delivery("email", "kolya@mail.ru", "hard_bounce", datetime(2026, 11, 2, tzinfo=UTC))
    found = reach([EMAIL], [decision(GRANTED, 30)], [bounce])
    assert not found.reachable
    assert "email kolya@mail.ru: hard bounce 2026-11-02" in found.reasons
    assert not reach([EMAIL], [], [bounce], topic="transactional").reachable


def test_a_bounced_address_gives_way_to_another_one():
    other = Address("email", "kolya@gmail.com", NOW - timedelta(days=1))
    bounce = Delivery("email", "kolya@gmail.com", "complained", NOW - timedelta(hours=1))
    found = reach([EMAIL, other], [decision(GRANTED, 30)], [bounce])
    assert found.reachable and found.address == "kolya@mail.ru"
    assert any("spam complaint" in r for r in found.reasons)


def test_a_soft_bounce_pauses_the_address_for_a_day_and_an_ok_clears_a_hard_one():
    soft = Delivery("email", "kolya@mail.ru", "soft_bounce", NOW - timedelta(hours=2), "full")
    assert not reach([EMAIL], [decision(GRANTED, 3)], [soft]).reachable
    old_soft = Delivery("email", "kolya@mail.ru", "soft_bounce", NOW - timedelta(days=2))
    assert reach([EMAIL], [decision(GRANTED, 3)], [old_soft]).reachable
    hard = Delivery("email", "kolya@mail.ru", "hard_bounce", NOW - timedelta(days=5), seq=1)
    ok = Delivery("email", "kolya@mail.ru", "ok", NOW - timedelta(days=1), seq=2)
    assert reach([EMAIL], [decision(GRANTED, 3)], [hard, ok]).reachable


def test_sms_stop_is_named_in_the_reason():
    stop = decision(
        REVOKED, 55, channel="sms", source="sms_stop", subject=("phone", "+79161234567")
    )
    found = reach([PHONE], [decision(GRANTED, 100, channel="sms"), stop], channel="sms")
    assert not found.reachable
    assert (
        found.reasons[0] == f"sms: STOP received {(NOW - timedelta(days=55)).date()} via sms_stop"
    )


def test_no_address_is_a_reason():
    found = reach([], [decision(GRANTED, 1, channel="push")], channel="push")
    assert not found.reachable and found.address is None
    assert found.reasons[0] == "push: no device token"


def test_double_opt_in_when_the_workspace_requires_it():
    strict = ConsentPolicy(email_double_opt_in=True)
    unconfirmed = decision(GRANTED, 10, proof=Proof(double_opt_in_token="t1"))
    found = reach([EMAIL], [unconfirmed], policy=strict)
    assert not found.reachable and "double opt-in not confirmed" in found.reasons[0]
    confirmed = decision(
        GRANTED, 10, proof=Proof(double_opt_in_token="t1", confirmed_at=NOW - timedelta(days=9))
    )
    # a later grant without the confirmation (a CRM resync) keeps the confirmed one in force
    resync = decision(GRANTED, 2, source="crm")
    found = reach([EMAIL], [confirmed, resync], policy=strict)
    assert found.reachable and found.consent == confirmed
    # a revoke after the confirmation needs a new confirmation
    again = [confirmed, decision(REVOKED, 5), decision(GRANTED, 1)]
    assert not reach([EMAIL], again, policy=strict).reachable


# --- properties ---------------------------------------------------------------------------

TOPICS = ("marketing", "news", "transactional")
moments = st.integers(min_value=-5, max_value=400).map(lambda d: NOW - timedelta(days=d))
decisions = st.builds(
    Decision,
    subject=st.sampled_from([("email", "a@b.ru"), ("phone", "+79161234567"), ("user_id", "u1")]),
    channel=st.sampled_from(CHANNELS),
    topic=st.sampled_from(TOPICS),
    state=st.sampled_from((GRANTED, REVOKED)),
    source=st.sampled_from(("site", "api", "one_click", "sms_stop")),
    at=moments,
    proof=st.none() | st.builds(Proof, confirmed_at=st.none() | moments),
    seq=st.integers(min_value=0, max_value=50),
)
addresses = st.builds(
    Address,
    channel=st.sampled_from(CHANNELS),
    value=st.sampled_from(("a@b.ru", "c@d.ru", "+79161234567", "tok-1")),
    seen_at=st.none() | moments,
)
reports = st.builds(
    Delivery,
    channel=st.sampled_from(CHANNELS),
    address=st.sampled_from(("a@b.ru", "c@d.ru", "+79161234567", "tok-1")),
    state=st.sampled_from(DELIVERY_STATES),
    at=moments,
    reason=st.none() | st.just("why"),
    seq=st.integers(min_value=0, max_value=50),
)


@settings(max_examples=400)
@given(
    st.lists(addresses, max_size=5),
    st.lists(decisions, max_size=12),
    st.lists(reports, max_size=6),
    st.sampled_from(CHANNELS),
    st.sampled_from(("marketing", "news")),
    st.booleans(),
)
def test_never_reachable_for_marketing_without_a_granted_unrevoked_consent(
    addrs, consents, delivery, channel, topic, double_opt_in
):
    policy = ConsentPolicy(email_double_opt_in=double_opt_in)
    found = decide_reachability(addrs, consents, delivery, channel, topic, NOW, policy)
    assert found.reasons, "every outcome says why"
    if found.reachable:
        mine = [c for c in consents if c.channel == channel and c.topic == topic]
        assert mine, "reachable without any decision"
        newest = max(c.at if c.at <= NOW else NOW for c in mine)
        at_newest = [c for c in mine if min(c.at, NOW) == newest]
        assert all(c.state == GRANTED for c in at_newest), "a revoke as new as any grant"
        assert found.consent is not None and found.consent.state == GRANTED
        assert found.address in {a.value for a in addrs if a.channel == channel}
        latest = [r for r in delivery if r.channel == channel and r.address == found.address]
        if latest:
            last = max(latest, key=lambda r: (r.at, r.seq))
            assert last.state not in ("hard_bounce", "complained", "blocked")


@given(st.lists(addresses, max_size=5), st.lists(decisions, max_size=12), st.sampled_from(CHANNELS))
def test_a_revoke_made_now_always_removes_the_channel(addrs, consents, channel):
    stop = Decision(("user_id", "u1"), channel, "marketing", REVOKED, "api", NOW)
    found = decide_reachability(addrs, [*consents, stop], [], channel, "marketing", NOW)
    assert not found.reachable
